"""Landing deliveries in the raw layer: provenance, re-deliveries, schema drift, quarantine,
failed files, all-or-nothing transactions, and database pulls."""

import os
import shutil
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from connectors.landing import content_hash
from connectors.readers import Delivered, Part, Unreadable
from connectors.spec import SourceSpec, load_registry
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.raw import land

CSV_SPEC = """
    name: residents
    title: 实有人口
    owner: 公安分局
    level: D
    format: csv
    files: "*.csv"
    record_kind: person
    columns:
      姓名: {to: name}
      公民身份号码: {to: id_number}
"""
JSONL_SPEC = CSV_SPEC.replace("residents", "elderly").replace("csv", "jsonl")
PG_SPEC = """
    name: disabled
    title: 残疾人
    owner: 残联
    level: D
    format: postgres
    delivery: cursor
    sql: {table: people, cursor: updated_at, url_env: HOUSEKEY_TEST_PG_URL}
    record_kind: person
    columns:
      name: {to: name}
"""


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A temporary landing zone, warehouse and registry of three sources."""
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    registry = tmp_path / "sources"
    registry.mkdir()
    for name, text in {"residents": CSV_SPEC, "elderly": JSONL_SPEC, "disabled": PG_SPEC}.items():
        (registry / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    con = connect()
    yield load_registry(registry), con
    con.close()


def deliver(spec: SourceSpec, file_name: str, content: str | bytes) -> Path:
    folder = Path(os.environ["HOUSEKEY_LANDING"]) / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_csv_rows_land_as_text_with_provenance(world):
    specs, con = world
    path = deliver(specs["residents"], "2026-03.csv", "姓名,公民身份号码\n张三,110101199001011234\n李四,\n王五,007\n")
    landing = land_source(con, specs["residents"])
    file_hash = content_hash(path)
    assert (landing.rows_loaded, landing.count("loaded")) == (3, 1)
    rows = con.execute(
        'SELECT "姓名", "公民身份号码", _source, _delivery_id, _file_name, _file_hash, _sheet, _row_number'
        " FROM raw.residents ORDER BY _row_number"
    ).fetchall()
    provenance = ("residents", f"residents:{file_hash[:12]}", "2026-03.csv", file_hash, None)
    assert rows == [
        ("张三", "110101199001011234", *provenance, 2),
        ("李四", None, *provenance, 3),
        ("王五", "007", *provenance, 4),
    ]
    types = con.execute(
        "SELECT DISTINCT data_type FROM duckdb_columns() WHERE table_name = 'residents'"
        " AND column_name NOT LIKE '\\_%' ESCAPE '\\'"
    ).fetchall()
    assert types == [("VARCHAR",)]
    assert con.execute("SELECT status, rows_delivered, file_bytes FROM meta.deliveries").fetchall() == [
        ("loaded", 3, path.stat().st_size)
    ]


def test_jsonl_rows_land(world):
    specs, con = world
    deliver(specs["elderly"], "a.jsonl", '{"姓名": "赵六", "公民身份号码": 110101195001011234}\n{"姓名": "钱七"}\n')
    assert land_source(con, specs["elderly"]).rows_loaded == 2
    assert con.execute('SELECT "姓名", "公民身份号码", _row_number FROM raw.elderly ORDER BY 3').fetchall() == [
        ("赵六", "110101195001011234", 1),
        ("钱七", None, 2),
    ]


def test_the_same_content_twice_loads_nothing_the_second_time(world):
    specs, con = world
    spec = specs["residents"]
    delivered = Delivered([Part(["姓名"], [["张三"]], [2])])
    assert land(con, spec, delivered, "a.csv", "f" * 64, 10).status == "loaded"
    again = land(con, spec, delivered, "a.csv", "f" * 64, 10)
    assert (again.status, again.rows_loaded, again.delivery_id) == ("duplicate", 0, f"residents:{'f' * 12}")
    assert con.execute("SELECT count(*) FROM raw.residents").fetchone() == (1,)

    path = deliver(spec, "b.csv", "姓名\n李四\n")
    land_source(con, spec)
    shutil.copy(path, path.with_name("c.csv"))  # the department sends the same export again
    redelivery = land_source(con, spec)
    assert [(r.file_name, r.status) for r in redelivery.deliveries] == [("c.csv", "duplicate")]
    assert land_source(con, spec).note == "no new deliveries"
    assert con.execute("SELECT count(*) FROM raw.residents").fetchone() == (2,)
    assert (
        con.execute(
            "SELECT count(*) FROM meta.deliveries WHERE status = 'loaded' GROUP BY file_hash HAVING count(*) > 1"
        ).fetchall()
        == []
    )


def test_an_unchanged_file_is_not_read_again_to_know_it(world, monkeypatch):
    specs, con = world
    monkeypatch.setattr("connectors.landing.RACY_SECONDS", 0)  # as if it had been delivered a while ago
    deliver(specs["residents"], "2026-03.csv", "姓名\n张三\n")
    assert land_source(con, specs["residents"]).count("loaded") == 1
    read = []
    monkeypatch.setattr("connectors.landing.content_hash", lambda path: read.append(path.name) or "unused")
    again = land_source(con, specs["residents"])
    assert (again.count("loaded"), read) == (0, [])


def test_a_file_changed_within_the_clock_tick_is_read_again_next_time(world, monkeypatch):
    specs, con = world
    deliver(specs["residents"], "2026-03.csv", "姓名\n张三\n")  # hashed at once: a rewrite might keep its stat
    assert land_source(con, specs["residents"]).count("loaded") == 1
    read = []
    hashed = content_hash
    monkeypatch.setattr("connectors.landing.content_hash", lambda path: read.append(path.name) or hashed(path))
    assert land_source(con, specs["residents"]).count("loaded") == 0
    assert read == ["2026-03.csv"]


def test_a_file_rewritten_with_its_size_and_modification_time_kept_is_read_again(world):
    specs, con = world
    path = deliver(specs["residents"], "2026-03.csv", "姓名\n张三\n")
    assert land_source(con, specs["residents"]).count("loaded") == 1
    before = path.stat()
    path.write_bytes("姓名\n李四\n".encode())  # same length
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` or a careless copy leaves it
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert land_source(con, specs["residents"]).count("loaded") == 1
    assert con.execute('SELECT "姓名" FROM raw.residents ORDER BY _delivery_id').fetchall() in (
        [("张三",), ("李四",)],
        [("李四",), ("张三",)],
    )


def test_a_new_header_adds_a_column_without_losing_data(world):
    specs, con = world
    deliver(specs["residents"], "1.csv", "姓名,公民身份号码\n张三,110\n")
    deliver(specs["residents"], "2.csv", "姓名,联系电话,公民身份号码\n李四,13800000000,120\n")
    land_source(con, specs["residents"])
    assert con.execute(
        'SELECT _file_name, "姓名", "公民身份号码", "联系电话" FROM raw.residents ORDER BY _file_name'
    ).fetchall() == [("1.csv", "张三", "110", None), ("2.csv", "李四", "120", "13800000000")]


def test_a_ragged_row_is_quarantined_and_counted(world):
    specs, con = world
    deliver(specs["residents"], "a.csv", "姓名,公民身份号码\n张三,110\n李四,120,多余\n王五,130\n")
    landing = land_source(con, specs["residents"])
    assert (landing.rows_delivered, landing.rows_loaded, landing.rows_quarantined) == (3, 2, 1)
    assert con.execute("SELECT rows_delivered, rows_loaded, rows_quarantined FROM meta.deliveries").fetchall() == [
        (3, 2, 1)
    ]
    ((file_name, row_number, rule, value, reason),) = con.execute(
        "SELECT file_name, row_number, rule, value, reason FROM quality.quarantine"
    ).fetchall()
    assert (file_name, row_number, rule, value) == ("a.csv", 3, "unreadable_row", "李四,120,多余")
    assert "fields" in reason


def test_every_row_is_keyed_by_its_delivery_sheet_and_row_also_in_quarantine(world):
    specs, con = world
    spec = specs["residents"]
    delivered = Delivered(
        [Part(["姓名"], [["张三"], ["李四"]], [2, 3], sheet="雁荡"), Part(["姓名"], [["王五"]], [2])],
        unreadable=[Unreadable(4, "too many fields", "赵六,多余", "雁荡")],
    )
    land(con, spec, delivered, "a.xlsx", "e" * 64, 10)
    delivery = f"residents:{'e' * 12}"
    assert con.execute("SELECT _record_id FROM raw.residents ORDER BY _sheet, _row_number").fetchall() == [
        (f"{delivery}#雁荡!2",),
        (f"{delivery}#雁荡!3",),
        (f"{delivery}#2",),
    ]
    assert con.execute("SELECT record_id FROM quality.quarantine").fetchall() == [(f"{delivery}#雁荡!4",)]


def test_an_unreadable_file_fails_alone_and_is_retried_once_per_run(world):
    specs, con = world
    deliver(specs["residents"], "a.csv", b"")
    deliver(specs["residents"], "b.csv", "姓名\n张三\n")
    deliver(specs["elderly"], "c.jsonl", '{"姓名": "赵六"}\n')
    landing = land_source(con, specs["residents"])
    assert [(r.file_name, r.status) for r in landing.deliveries] == [("a.csv", "failed"), ("b.csv", "loaded")]
    assert land_source(con, specs["elderly"]).rows_loaded == 1

    assert [r.file_name for r in land_source(con, specs["residents"]).deliveries] == ["a.csv"]
    ((status, notes),) = con.execute("SELECT status, notes FROM meta.deliveries WHERE file_name = 'a.csv'").fetchall()
    assert status == "failed" and "a.csv" in notes and "empty" in notes
    assert con.execute("SELECT rule, file_name FROM quality.quarantine").fetchall() == [("unreadable_file", "a.csv")]


def test_a_delivery_lands_all_or_nothing(world):
    specs, con = world
    broken = Delivered([Part(["姓名"], [["张三"]], [2]), Part(["姓名"], [[12345]], [2], sheet="第二页")])
    with pytest.raises(pa.ArrowTypeError):  # a reader handing over a number breaks the second part
        land(con, specs["residents"], broken, "a.xlsx", "e" * 64, 10)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw'").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM meta.deliveries").fetchone() == (0,)


def test_an_unreachable_configured_database_fails_with_a_note(world, monkeypatch):
    specs, con = world
    monkeypatch.setenv("HOUSEKEY_TEST_PG_URL", "postgresql://nobody@127.0.0.1:1/none")
    landing = land_source(con, specs["disabled"])
    assert landing.deliveries == () and landing.note.startswith("failed: ")  # warehouse/pull.py: outages fail
    assert con.execute("SELECT count(*) FROM meta.deliveries").fetchone() == (0,)


@pytest.mark.parametrize("dialect", ["postgres", "mariadb"])
def test_a_database_pull_lands_only_rows_changed_since_the_cursor(world, monkeypatch, dialect):
    """Against the real servers: a first full pull, then only the row updated since the cursor."""
    specs, con = world
    table = f"hk_test_people_{os.getpid()}_{dialect}"
    spec = specs["disabled"].model_copy(
        update={"format": dialect, "sql": specs["disabled"].sql.model_copy(update={"table": table})}
    )
    monkeypatch.delenv("HOUSEKEY_TEST_PG_URL", raising=False)  # the local server, by default
    server = _server(dialect)
    try:
        server.run(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(20), updated_at TIMESTAMP)")
        server.run(f"INSERT INTO {table} VALUES (1, '张三', '2026-03-01 10:00:00'), (2, '李四', '2026-03-02 09:00:00')")
        (first,) = land_source(con, spec).deliveries
        assert (first.file_name, first.rows_loaded) == (f"{dialect}:{table}", 2)
        assert con.execute("SELECT cursor_value FROM meta.cursors").fetchall() == [("2026-03-02 09:00:00",)]

        assert land_source(con, spec).note == "no changes since 2026-03-02 09:00:00"
        server.run(f"UPDATE {table} SET name = '李四光', updated_at = '2026-03-05 08:00:00' WHERE id = 2")
        (second,) = land_source(con, spec).deliveries
        assert second.rows_loaded == 1
        assert sorted(con.execute("SELECT name FROM raw.disabled").fetchall()) == sorted(
            [("张三",), ("李四",), ("李四光",)]
        )
        assert con.execute("SELECT cursor_value FROM meta.cursors").fetchall() == [("2026-03-05 08:00:00",)]
    finally:
        server.run(f"DROP TABLE IF EXISTS {table}")
        server.close()


class _server:
    """A plain connection to the local PostgreSQL or MariaDB test database."""

    def __init__(self, dialect: str):
        if dialect == "postgres":
            import psycopg

            self.connection = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
        else:
            import pymysql

            self.connection = pymysql.connect(
                host="127.0.0.1", port=3306, user="root", database="test", charset="utf8mb4", autocommit=True
            )

    def run(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)

    def close(self) -> None:
        self.connection.close()
