"""What the deployment's sensors do to the warehouses on the shared volume: a database sensor never opens the
warehouse of a subdistrict with a run queued or going, opens the others read-only, and only when the file
changed since it last read it (a writer holding an unchanged file is never touched); every request carries the
subdistrict's tags. Real PostgreSQL, real DuckDB files, a writer in another process."""

import json
import os
import subprocess
import sys
import textwrap

import psycopg
import pytest
from dagster import DagsterRunStatus, build_sensor_context, instance_for_test
from dagster._core.test_utils import create_run_for_test

from connectors.spec import load_registry
from pipelines.definitions import build_definitions
from pipelines.sensors import warehouse_stat
from warehouse.database import connect

URL = "postgresql://postgres@127.0.0.1:5432/test"
SPEC = """
    name: repairs
    title: 物业报修
    owner: 物业
    level: S
    format: postgres
    delivery: cursor
    sql: {{table: {table}, cursor: updated_at, url_env: HOUSEKEY_TEST_DB_URL}}
    record_kind: event
    columns:
      name: {{to: person_name}}
"""
BUSY, QUIET = "310101002", "310101023"


@pytest.fixture
def district(tmp_path, monkeypatch):
    """Two subdistricts, a PostgreSQL table with one new row, and the database sensor of its source."""
    table = f"hk_deploy_sensor_{os.getpid()}"
    monkeypatch.setenv("HOUSEKEY_TEST_DB_URL", URL)
    monkeypatch.delenv("HOUSEKEY_POD_SIZES", raising=False)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "repairs.yaml").write_text(textwrap.dedent(SPEC.format(table=table)), encoding="utf-8")
    (tmp_path / "subdistricts.yaml").write_text(
        f"subdistricts:\n  - {{code: '{BUSY}', name: 南京东路街道}}\n  - {{code: '{QUIET}', name: 瑞金二路街道}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(tmp_path / "subdistricts.yaml"))
    with psycopg.connect(URL, autocommit=True) as server:
        server.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(20), updated_at TIMESTAMP)")
        server.execute(f"INSERT INTO {table} VALUES (1, '张三', '2026-03-01 10:00:00')")
        try:
            repository = build_definitions(load_registry(tmp_path / "sources")).get_repository_def()
            with instance_for_test() as instance:
                yield repository.get_sensor_def("database_repairs"), repository, instance, tmp_path
        finally:
            server.execute(f"DROP TABLE IF EXISTS {table}")


def tick(district, cursor=None):
    sensor, repository, instance, _ = district
    return sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=cursor, repository_def=repository))


def test_a_subdistrict_being_run_is_not_opened(district):
    _, _, instance, root = district
    warehouse = root / BUSY / "warehouse" / "housekey.duckdb"
    warehouse.parent.mkdir(parents=True)
    warehouse.write_bytes(b"half written by a run on another machine")  # opening it would fail the read
    run = create_run_for_test(
        instance, "subdistrict", status=DagsterRunStatus.STARTED, tags={"dagster/partition": BUSY}
    )
    result = tick(district)
    (request,) = result.run_requests  # the other subdistrict is still asked for
    assert request.partition_key == QUIET and request.tags["housekey/subdistrict"] == QUIET
    assert BUSY not in json.loads(result.cursor)["warehouses"]  # never read
    instance.delete_run(run.run_id)  # the run is over and left a whole warehouse
    warehouse.unlink()
    with connect(warehouse):
        pass
    after = tick(district, result.cursor)
    assert {r.partition_key for r in after.run_requests} == {BUSY, QUIET}
    assert json.loads(after.cursor)["warehouses"][BUSY]["pulled"] is None  # read now: no cursor yet


WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # holds the file's write lock, as a run does
print("holding", flush=True)
for line in sys.stdin:
    con.execute("INSERT INTO meta.cursors (source, cursor_value) VALUES ('repairs', '2026-02-01 00:00:00')")
    print("wrote", flush=True)
"""


def test_an_unchanged_warehouse_is_not_opened_again_even_while_a_writer_holds_it(district):
    _, _, _, root = district
    warehouse = root / QUIET / "warehouse" / "housekey.duckdb"
    warehouse.parent.mkdir(parents=True)
    with connect(warehouse):  # a warehouse with its meta layer and no cursor yet
        pass
    first = tick(district)
    assert {r.partition_key for r in first.run_requests} == {BUSY, QUIET}
    before = warehouse_stat(warehouse)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "holding"
        assert warehouse_stat(warehouse) == before  # a writer that has written nothing yet
        held = tick(district, first.cursor)  # the file did not change: its cursor is known, nothing is opened
        assert [r.run_key for r in held.run_requests] == [r.run_key for r in first.run_requests]
        writer.stdin.write("write\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "wrote"
        changed = tick(district, held.cursor)  # it changed: read-only open, refused while the writer holds it
        assert [r.partition_key for r in changed.run_requests] == [BUSY]
        assert QUIET not in {r.partition_key for r in changed.run_requests}
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
    after = tick(district, changed.cursor)  # free again: the writer's cursor is read, still behind the table
    (quiet,) = [r for r in after.run_requests if r.partition_key == QUIET]
    assert quiet.run_key not in {r.run_key for r in first.run_requests}
