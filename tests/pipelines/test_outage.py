"""An outage of a source database, through a TCP proxy the test switches off and on in front of the real
MariaDB: the run that cannot read it fails visibly (its source failed with the reason, the run failed, the
command's exit code non-zero) while the other sources land; the next run lands the rows it missed, from the
warehouse's own cursor. The URL's password holds '#', '/' and '@' and is never written anywhere."""

from __future__ import annotations

import os
import socket
import textwrap
import threading
import time
import uuid
from pathlib import Path

import duckdb
import pymysql
import pytest
from dagster import DagsterEventType, instance_for_test

from commands.run import _run_subdistrict
from connectors.spec import load_registry
from warehouse.subdistricts import load_subdistricts

SECRET = "p#ss/w@rd?x"
PIECES = [SECRET, "p#ss", "ss/w", "w@rd", "rd?x", "p%23ss"]
DB_SPEC = """
    name: repairs
    title: 物业报修
    owner: 物业
    level: S
    format: mariadb
    delivery: cursor
    record_key: [repair_id]
    sql: {{table: {table}, cursor: updated_at, url_env: HOUSEKEY_TEST_OUTAGE_URL}}
    record_kind: event
    columns:
      repair_id: {{to: event_ref}}
      status: {{to: status}}
      updated_at: {{to: occurred_at}}
"""
FILE_SPEC = """
    name: low_income
    title: 低保
    owner: 民政科
    level: S
    format: csv
    files: "*.csv"
    record_kind: person
    columns:
      姓名: {to: name}
"""


class Proxy:
    """A TCP forwarder on a fixed local port to MariaDB at 127.0.0.1:3306 that the test stops and starts."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 3306)):
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.open: list[socket.socket] = []

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and cut the open ones, as a server that went down."""
        if self.listener is not None:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close alone would not
            self.listener.close()
            self.listener = None
        for connection in self.open:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A repairs table behind the proxy (read by an account whose password holds URL characters) and a file source."""
    table, user = f"hk_outage_{uuid.uuid4().hex[:8]}", f"hk_out_{uuid.uuid4().hex[:6]}"
    admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", database="test", autocommit=True)
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (repair_id VARCHAR(10), status VARCHAR(10), updated_at DATETIME)")
        cursor.execute(
            f"INSERT INTO {table} VALUES ('R1', '待处理', '2026-03-01 08:00:00'),"
            " ('R2', '待处理', '2026-03-02 09:00:00')"
        )
        for host in ("%", "localhost"):
            cursor.execute(f"CREATE USER '{user}'@%s IDENTIFIED BY %s", (host, SECRET))
            cursor.execute(f"GRANT SELECT ON test.* TO '{user}'@%s", (host,))
    proxy = Proxy()
    proxy.start()
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "repairs.yaml").write_text(textwrap.dedent(DB_SPEC.format(table=table)), encoding="utf-8")
    (sources / "low_income.yaml").write_text(textwrap.dedent(FILE_SPEC), encoding="utf-8")
    monkeypatch.setenv("HOUSEKEY_TEST_OUTAGE_URL", f"mysql://{user}:{SECRET}@127.0.0.1:{proxy.port}/test")
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse" / "housekey.duckdb"))
    monkeypatch.delenv("HOUSEKEY_TOKEN_KEY", raising=False)  # the warehouse's own key
    try:
        yield load_registry(sources), table, admin, proxy, tmp_path
    finally:
        proxy.stop()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")
            for host in ("%", "localhost"):
                cursor.execute(f"DROP USER '{user}'@%s", (host,))
        admin.close()


def deliver(root: Path, name: str, text: str) -> None:
    folder = root / "landing" / "low_income"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def run(registry, instance) -> tuple[bool, dict[str, tuple]]:
    """``housekey run``'s own path for the registry: (its exit status ok, {source: meta.run_sources row})."""
    place = next(iter(load_subdistricts().values()))
    ok = _run_subdistrict(instance, registry, registry, place, heading=False)
    with duckdb.connect(str(place.warehouse), read_only=True) as con:
        (run_id,) = con.execute("SELECT run_id FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchone()
        rows = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT source, status, files, rows_landed, failed_step, message FROM meta.run_sources WHERE run_id = ?",
                [run_id],
            ).fetchall()
        }
    return ok, rows


def test_an_outage_fails_the_run_visibly_and_the_next_run_lands_the_missed_rows(world):
    registry, table, admin, proxy, root = world
    deliver(root, "2026-03.csv", "姓名\n张三\n")
    with instance_for_test() as instance:
        ok, first = run(registry, instance)
        assert ok and first["repairs"][:3] == ("ok", 1, 2) and first["low_income"][:3] == ("ok", 1, 1)

        with admin.cursor() as cursor:  # while the server is out of reach: R1 closed, R3 reported
            cursor.execute(
                f"UPDATE {table} SET status = '已完成', updated_at = '2026-03-03 10:00:00' WHERE repair_id = 'R1'"
            )
            cursor.execute(f"INSERT INTO {table} VALUES ('R3', '待处理', '2026-03-04 11:00:00')")
        proxy.stop()
        deliver(root, "2026-04.csv", "姓名\n李四\n")
        started = time.perf_counter()
        ok, down = run(registry, instance)
        seconds = time.perf_counter() - started
        assert not ok  # the exit code says so
        status, files, landed, step, message = down["repairs"]
        assert (status, files, landed, step) == ("failed", 0, 0, "raw")
        assert message.startswith(f"source repairs: cannot reach mariadb at 127.0.0.1:{proxy.port}/test")
        assert down["low_income"][:3] == ("ok", 1, 1)  # every other source still runs
        warehouse = Path(os.environ["HOUSEKEY_WAREHOUSE"])
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.execute("SELECT status FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchone() == (
                "failure",
            )
            assert con.execute("SELECT cursor_value FROM meta.cursors").fetchall() == [("2026-03-02 09:00:00",)]

        proxy.start()
        ok, back = run(registry, instance)
        assert ok and back["repairs"][:3] == ("ok", 1, 2)  # R1 closed and R3: the rows the outage held back
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.execute(
                "SELECT event_ref, status FROM staging.repairs ORDER BY _delivery_id, _row_number"
            ).fetchall() in (
                [("R1", "待处理"), ("R2", "待处理"), ("R1", "已完成"), ("R3", "待处理")],
                [("R1", "已完成"), ("R3", "待处理"), ("R1", "待处理"), ("R2", "待处理")],
            )
            assert con.execute("SELECT cursor_value FROM meta.cursors").fetchall() == [("2026-03-04 11:00:00",)]
            written = _every_text(con)
        logs = [
            entry.message or "" for run_record in instance.get_runs() for entry in instance.all_logs(run_record.run_id)
        ]
        logs += [
            str(entry.dagster_event.event_specific_data)
            for run_record in instance.get_runs()
            for entry in instance.all_logs(run_record.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        ]
    with duckdb.connect(str(warehouse.with_name("analyst.duckdb")), read_only=True) as con:
        written += _every_text(con)
    leaks = [piece for piece in PIECES for text in written + logs if piece in text]
    assert leaks == [], leaks  # S5: not in meta.runs, meta.run_sources, the logs or the analyst copy
    assert any("cannot reach mariadb" in text for text in logs) and seconds < 60
    print(f"outage run: failed in {seconds:.1f} s with exit status 1; the next run landed 2 missed rows")


def _every_text(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every value of every table, as text."""
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
    return [
        str(value)
        for schema, table in tables
        for row in con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
        for value in row
    ]
