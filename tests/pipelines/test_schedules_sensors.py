"""Schedules, sensors, run keys, retries and run retention, on real folders and the real databases."""

import datetime as dt
import json
import os
import shutil
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    asset,
    build_run_status_sensor_context,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
    materialize,
)

from connectors.landing import content_hash
from connectors.readers.sql import SourceUnavailable
from connectors.spec import load_registry
from pipelines import sensors
from pipelines.definitions import build_definitions, source_assets, warehouse_resources
from pipelines.retries import RETRY_DELAYS_S, land_with_retries, retry_delays
from pipelines.schedules import prune_runs
from pipelines.sensors import run_key, run_summary_job, run_summary_sensors, source_sensors
from pipelines.sources import raw_asset
from warehouse.database import connect
from warehouse.raw import SourceLanding
from warehouse.runs import record_run, summarise_run

FILE_SPEC = """
    name: {name}
    title: 低保
    owner: 民政科
    level: S
    format: csv
    files: "*.csv"
    record_kind: person
    columns:
      姓名: {{to: name}}
"""
DB_SPEC = """
    name: repairs
    title: 物业报修
    owner: 物业
    level: S
    format: {dialect}
    delivery: cursor
    sql: {{table: {table}, cursor: updated_at, url_env: HOUSEKEY_TEST_DB_URL}}
    record_kind: event
    columns:
      name: {{to: person_name}}
"""
URLS = {"postgres": "postgresql://postgres@127.0.0.1:5432/test", "mariadb": "mysql://root@127.0.0.1:3306/test"}


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """Two file sources in a temporary landing zone and warehouse."""
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    sources = tmp_path / "sources"
    sources.mkdir()
    for name in ("low_income", "elderly"):
        (sources / f"{name}.yaml").write_text(textwrap.dedent(FILE_SPEC.format(name=name)), encoding="utf-8")
    return load_registry(sources)


def deliver(name: str, file_name: str, text: str, age_s: float = 60) -> Path:
    """Drop a file in a source's landing folder, written ``age_s`` seconds ago."""
    path = Path(os.environ["HOUSEKEY_LANDING"]) / name / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (time.time() - age_s,) * 2)
    return path


def targeted_assets(repository, automation) -> set[AssetKey]:
    """The assets a sensor's or schedule's runs materialise."""
    return set(repository.get_job(automation.job_name).asset_layer.selected_asset_keys)


def sensor_of(registry, name: str):
    """The named sensor inside the repository of a registry (its run requests name partitions of its assets)."""
    repository = build_definitions(registry).get_repository_def()
    return repository.get_sensor_def(name), repository


TICKING: list = []  # the instance every ``tick`` of the module evaluates its sensor on (``ticking_instance``)


@pytest.fixture(scope="module", autouse=True)
def ticking_instance():
    """One test instance for all the module's ticks (each instance costs 0.6 CPU s to make): the landing and
    database sensors keep what they saw in their cursor, not in the instance."""
    with instance_for_test() as instance:
        TICKING.append(instance)
        yield instance
        TICKING.remove(instance)


def tick(sensor, cursor=None):
    sensor_def, repository = sensor
    context = build_sensor_context(instance=TICKING[-1], cursor=cursor, repository_def=repository)
    return sensor_def.evaluate_tick(context)


def test_a_landing_sensor_targets_its_source_and_what_depends_on_it(registry):
    repository = build_definitions(registry).get_repository_def()
    selected = targeted_assets(repository, repository.get_sensor_def("landing_low_income"))
    assert {
        AssetKey(["raw", "low_income"]),
        AssetKey(["staging", "low_income"]),
        AssetKey(["publish", "analyst_copy"]),
    } <= selected
    assert not any("elderly" in key.path for key in selected)


def test_a_new_file_requests_one_run_and_a_second_tick_nothing(registry):
    sensor_def = sensor_of(registry, "landing_low_income")
    assert tick(sensor_def).run_requests == []  # no folder yet

    deliver("low_income", "2026-03.csv", "姓名\n张三\n")
    first = tick(sensor_def)
    (request,) = first.run_requests
    assert request.run_key.startswith("low_income:310101023:") and request.tags["housekey/files"] == "2026-03.csv"
    assert request.partition_key == "310101023"  # the default subdistrict: $HOUSEKEY_LANDING

    second = tick(sensor_def, first.cursor)
    assert second.run_requests == [] and "no new files" in second.skip_message
    assert tick(sensor_def).run_requests[0].run_key == request.run_key  # a lost cursor: same key, no second run

    deliver("low_income", "2026-04.csv", "姓名\n李四\n")
    (later,) = tick(sensor_def, first.cursor).run_requests
    assert later.tags["housekey/files"] == "2026-04.csv" and later.run_key != request.run_key


def test_a_file_still_being_copied_waits_and_a_file_at_rest_is_taken_by_the_tick_that_saw_it_land(
    registry, monkeypatch
):
    monkeypatch.setattr(sensors, "SETTLE_SECONDS", 1.0)  # the rule at a second's scale
    sensor_def = sensor_of(registry, "landing_low_income")
    path = deliver("low_income", "2026-03.csv", "姓名\n张", age_s=0)
    copying = threading.Timer(0.5, path.write_text, ("姓名\n张三\n",), {"encoding": "utf-8"})
    copying.start()  # the copy goes on while the tick waits for the file to rest
    assert tick(sensor_def).run_requests == []
    copying.join()
    waited = time.monotonic()
    (request,) = tick(sensor_def).run_requests  # no change since: taken once it has rested its second
    assert time.monotonic() - waited >= 0.4 and time.time() - path.stat().st_mtime >= 1.0
    whole = run_key("low_income", [f"2026-03.csv:{content_hash(path)}"])  # the run asks for the whole file
    assert request.run_key.split(":")[-1] == whole.split(":")[-1]


def test_a_changed_file_under_the_same_name_is_a_new_delivery(registry):
    sensor_def = sensor_of(registry, "landing_low_income")
    path = deliver("low_income", "2026-03.csv", "姓名\n张三\n")
    first = tick(sensor_def)
    path.write_text("姓名\n张三\n李四\n", encoding="utf-8")
    os.utime(path, (time.time() - 30,) * 2)
    (again,) = tick(sensor_def, first.cursor).run_requests
    assert again.run_key != first.run_requests[0].run_key


@pytest.fixture(params=["postgres", "mariadb"])
def database(request, tmp_path, monkeypatch):
    """A table of repairs in the real PostgreSQL or MariaDB test database, and its source spec."""
    dialect = request.param
    table = f"hk_sensor_repairs_{os.getpid()}_{dialect}"
    monkeypatch.setenv("HOUSEKEY_TEST_DB_URL", URLS[dialect])
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    (tmp_path / "db_sources").mkdir()
    (tmp_path / "db_sources" / "repairs.yaml").write_text(
        textwrap.dedent(DB_SPEC.format(dialect=dialect, table=table)), encoding="utf-8"
    )
    server = _Server(dialect)
    server.run(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(20), updated_at TIMESTAMP)")
    try:
        yield load_registry(tmp_path / "db_sources")["repairs"], table, server
    finally:
        server.run(f"DROP TABLE IF EXISTS {table}")
        server.close()


def test_a_database_sensor_requests_a_run_when_the_cursor_column_moves(database):
    spec, table, server = database
    sensor_def = sensor_of({spec.name: spec}, "database_repairs")
    assert tick(sensor_def).skip_message == "the table is empty"

    server.run(f"INSERT INTO {table} VALUES (1, '张三', '2026-03-01 10:00:00'), (2, '李四', '2026-03-02 09:00:00')")
    first = tick(sensor_def)
    (request,) = first.run_requests
    assert json.loads(first.cursor)["latest"] == "2026-03-02 09:00:00"
    assert request.tags["housekey/cursor"] == "2026-03-02 09:00:00"
    assert request.tags["housekey/subdistrict"] == request.partition_key  # one run per subdistrict at a time
    # the warehouse has not pulled them yet (its cursor decides, not the sensor's): the same run key, no second run
    assert [r.run_key for r in tick(sensor_def, first.cursor).run_requests] == [request.run_key]

    server.run(f"UPDATE {table} SET name = '李四光', updated_at = '2026-03-05 08:00:00' WHERE id = 2")
    (moved,) = tick(sensor_def, first.cursor).run_requests
    assert moved.run_key != request.run_key


def test_a_database_sensor_skips_what_the_warehouse_already_pulled(database):
    spec, table, server = database
    server.run(f"INSERT INTO {table} VALUES (1, '张三', '2026-03-01 10:00:00')")
    with connect() as con:  # a pull by `housekey run` moved the warehouse's cursor already
        con.execute("INSERT INTO meta.cursors (source, cursor_value) VALUES ('repairs', '2026-03-01 10:00:00')")
    assert tick(sensor_of({spec.name: spec}, "database_repairs")).run_requests == []


def test_a_database_sensor_fails_its_tick_when_a_configured_server_is_down(database, monkeypatch):
    """A URL is configured (as a deployment's Secret sets it): out of reach is a failed tick, never a quiet skip."""
    spec, _, _ = database
    monkeypatch.setenv("HOUSEKEY_TEST_DB_URL", URLS[spec.format].replace(":5432", ":1").replace(":3306", ":1"))
    with pytest.raises(SourceUnavailable, match=f"cannot reach {spec.format} at 127.0.0.1:1/test"):
        tick(sensor_of({spec.name: spec}, "database_repairs"))


def test_a_database_sensor_skips_the_laptops_absent_default_server(database, monkeypatch):
    from connectors.readers import sql

    spec, _, _ = database
    monkeypatch.delenv("HOUSEKEY_TEST_DB_URL")  # no URL configured: the local default server, not running
    monkeypatch.delenv("HOUSEKEY_ENV", raising=False)
    monkeypatch.delenv("HOUSEKEY_DATABASES", raising=False)
    monkeypatch.setitem(sql.DEFAULT_URLS, spec.format, URLS[spec.format].replace(":5432", ":1").replace(":3306", ":1"))
    result = tick(sensor_of({spec.name: spec}, "database_repairs"))
    assert result.run_requests == [] and "cannot reach" in result.skip_message


def test_every_source_has_a_sensor(registry, database):
    spec, _, _ = database
    names = {s.name for s in source_sensors({**registry, spec.name: spec})}
    assert names == {"landing_low_income", "landing_elderly", "database_repairs"}


def test_the_nightly_schedule_runs_every_asset_at_two_in_shanghai(registry):
    repository = build_definitions(registry).get_repository_def()
    schedule = repository.get_schedule_def("nightly")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert targeted_assets(repository, schedule) == set(repository.asset_graph.get_all_asset_keys())
    with instance_for_test() as instance:
        when = dt.datetime(2026, 3, 5, 2, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        context = build_schedule_context(instance, scheduled_execution_time=when, repository_def=repository)
        (request,) = schedule.evaluate_tick(context).run_requests
    assert request.tags["dagster/schedule_name"] == "nightly" and request.partition_key == "310101023"


@pytest.mark.system
def test_a_database_sensor_asks_nothing_while_a_run_holds_the_warehouse(database, tmp_path):
    """A lock hides the warehouse's cursor: the tick cannot know whether rows are new, so it asks nothing."""
    _spec, table, server = database
    server.run(f"INSERT INTO {table} VALUES (1, '张三', '2026-03-01 10:00:00')")
    with daemon_elsewhere(tmp_path / "db_sources") as tick_elsewhere:
        assert "1 run" in tick_elsewhere()  # no warehouse yet: the rows are new
        with connect() as con:  # a run in this process holds the file; the daemon ticks in another process
            con.execute("INSERT INTO meta.cursors (source, cursor_value) VALUES ('repairs', '2026-02-01 00:00:00')")
            busy = tick_elsewhere()
        assert busy.startswith("0 runs: warehouse ") and "its cursor is unknown until the next tick" in busy
        assert "1 run" in tick_elsewhere()  # free again, and behind: asked


@contextmanager
def daemon_elsewhere(sources: Path) -> Iterator[Callable[[], str]]:
    """Another process, as the Dagster daemon is, that ticks ``database_repairs`` whenever asked and answers
    "<n> runs: <skip reason>"; one process for all the ticks of a test (each start imports the pipeline)."""
    import subprocess
    import sys

    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from dagster import build_sensor_context, instance_for_test
        from connectors.spec import load_registry
        from pipelines.definitions import build_definitions
        repository = build_definitions(load_registry(Path({str(sources)!r}))).get_repository_def()
        with instance_for_test() as instance:
            for _ in sys.stdin:
                result = repository.get_sensor_def("database_repairs").evaluate_tick(
                    build_sensor_context(instance=instance, repository_def=repository))
                n = len(result.run_requests)
                print(f"{{n}} run{{'s' if n != 1 else ''}}: {{result.skip_message}}", flush=True)
    """)
    with tempfile.TemporaryFile("w+") as errors:  # a file, not a pipe: warnings never block the daemon
        daemon = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True
        )

        def tick() -> str:
            daemon.stdin.write("tick\n")
            daemon.stdin.flush()
            answer = daemon.stdout.readline().strip()
            if not answer:  # the daemon died: what it said instead
                daemon.wait(timeout=120)
                errors.seek(0)
                return errors.read()
            return answer

        try:
            yield tick
        finally:
            daemon.stdin.close()
            daemon.wait(timeout=120)


def test_touch_on_a_delivered_file_starts_no_run(registry):
    sensor_def = sensor_of(registry, "landing_low_income")
    path = deliver("low_income", "2026-03.csv", "姓名\n张三\n")
    first = tick(sensor_def)
    assert len(first.run_requests) == 1
    os.utime(path, (time.time() - 30,) * 2)  # touch: a new time, the same bytes
    touched = tick(sensor_def, first.cursor)
    assert touched.run_requests == [] and "no new files" in touched.skip_message
    assert touched.cursor != first.cursor  # the new time is remembered, so the file is not hashed again
    shutil.copy(path, path.with_name("copy.csv"))  # the same bytes under another name: its own delivery
    os.utime(path.with_name("copy.csv"), (time.time() - 30,) * 2)
    (copy,) = tick(sensor_def, touched.cursor).run_requests
    assert copy.tags["housekey/files"] == "copy.csv"


def test_retries_wait_exactly_15_30_and_60_seconds():
    waits, attempts = [], []
    down = SourceLanding("repairs", note="failed: source repairs: cannot reach postgres at 127.0.0.1:1/test")

    def land() -> SourceLanding:
        attempts.append(len(attempts) + 1)
        return down

    assert land_with_retries(land, RETRY_DELAYS_S, sleep=waits.append) is down
    assert (waits, attempts) == ([15, 30, 60], [1, 2, 3, 4])


def test_a_retry_that_reaches_the_database_stops_waiting():
    waits = []
    answers = iter(
        [
            SourceLanding("repairs", note="failed: source repairs: cannot reach postgres"),
            SourceLanding("repairs", note="no changes since 2026-03-01"),
        ]
    )
    assert land_with_retries(lambda: next(answers), sleep=waits.append).note == "no changes since 2026-03-01"
    assert waits == [15]
    skipped = SourceLanding("repairs", note="skipped: source repairs: cannot reach postgres")  # the laptop default
    assert land_with_retries(lambda: skipped, sleep=waits.append) is skipped and waits == [15]


def test_the_command_line_does_not_wait_and_scheduled_runs_do():
    from commands.run import QUIET_RUN

    assert retry_delays(QUIET_RUN) == () and retry_delays({}) == (15, 30, 60)


def test_the_command_line_fails_a_down_database_at_once(database, monkeypatch):
    from commands.run import QUIET_RUN

    spec, _, _ = database
    monkeypatch.setenv("HOUSEKEY_TEST_DB_URL", URLS[spec.format].replace(":5432", ":1").replace(":3306", ":1"))
    started = time.perf_counter()
    with instance_for_test() as instance:
        result = materialize(
            [raw_asset(spec)], resources=warehouse_resources(), run_config=QUIET_RUN, instance=instance
        )
        with connect() as con:
            summary = summarise_run(instance, result.run_id, [spec.name], con)
    assert time.perf_counter() - started < RETRY_DELAYS_S[0]
    (part,) = summary.sources
    assert (summary.status, part.status) == ("failure", "failed")
    assert str(summary.failures[0]).startswith(
        f"repairs, step raw: source repairs: cannot reach {spec.format} at 127.0.0.1:1/test"
    )


def test_run_retention_deletes_finished_runs_older_than_the_period():
    @asset
    def one() -> int:
        return 1

    with instance_for_test() as instance:
        runs = [materialize([one], instance=instance).run_id for _ in range(2)]
        now = dt.datetime.now(dt.UTC)
        assert prune_runs(instance, keep_days=90, now=now + dt.timedelta(days=30)) == []
        assert sorted(prune_runs(instance, keep_days=90, now=now + dt.timedelta(days=91))) == sorted(runs)
        assert instance.get_runs() == []


def test_a_finished_run_started_by_a_sensor_leaves_its_summary(registry):
    """The sensor only asks; the record_run_summary run it asks for writes meta.runs."""
    deliver("low_income", "2026-03.csv", "姓名\n张三\n李四\n")
    warehouse = Path(os.environ["HOUSEKEY_WAREHOUSE"])
    with instance_for_test() as instance:
        result = materialize(
            source_assets(registry),
            resources=warehouse_resources(),
            instance=instance,
            tags={"dagster/sensor_name": "landing_low_income"},
        )
        (finished,) = instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_SUCCESS)
        success, _ = run_summary_sensors(registry)
        written = warehouse.stat().st_mtime_ns
        request = success(
            build_run_status_sensor_context(
                "run_summary_success", finished.dagster_event, instance, instance.get_run_by_id(result.run_id)
            )
        )
        assert warehouse.stat().st_mtime_ns == written  # the sensor wrote nothing
        assert request.run_key == f"summary:{result.run_id}"
        assert run_summary_job(registry).execute_in_process(run_config=request.run_config, instance=instance).success
    with connect(read_only=True) as con:
        assert con.execute("SELECT trigger, status FROM meta.runs").fetchall() == [
            ("sensor:landing_low_income", "success")
        ]
        assert con.execute("SELECT source, rows_landed FROM meta.run_sources ORDER BY source").fetchall() == [
            ("elderly", 0),
            ("low_income", 2),
        ]


def test_the_summary_sensors_target_the_summary_job(registry):
    repository = build_definitions(registry).get_repository_def()
    assert repository.has_job("record_run_summary")
    assert repository.get_sensor_def("run_summary_failure").job_name == "record_run_summary"


class _Server:
    """A plain autocommit connection to the local PostgreSQL or MariaDB test database."""

    def __init__(self, dialect: str):
        if dialect == "postgres":
            import psycopg

            self.connection = psycopg.connect(URLS["postgres"], autocommit=True)
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


@pytest.mark.parametrize("setting", ["laptop", "off"])
def test_a_laptop_without_database_servers_skips_them_with_a_note(database, monkeypatch, setting):
    """`make demo` with no server at the local default (or HOUSEKEY_DATABASES=off): skipped, the run succeeds."""
    from commands.run import QUIET_RUN
    from connectors.readers import sql

    spec, _, _ = database
    monkeypatch.delenv("HOUSEKEY_TEST_DB_URL")  # no URL configured: the local default server
    monkeypatch.delenv("HOUSEKEY_ENV", raising=False)
    if setting == "laptop":
        monkeypatch.setitem(
            sql.DEFAULT_URLS, spec.format, URLS[spec.format].replace(":5432", ":1").replace(":3306", ":1")
        )
    else:
        monkeypatch.setenv("HOUSEKEY_DATABASES", "off")
    with instance_for_test() as instance:
        result = materialize(
            [raw_asset(spec)], resources=warehouse_resources(), run_config=QUIET_RUN, instance=instance
        )
        with connect() as con:
            summary = summarise_run(instance, result.run_id, [spec.name], con)
            record_run(con, summary)
            row = con.execute("SELECT status, message FROM meta.run_sources").fetchone()
    assert summary.status == "success" and row[0] == "skipped"
    assert ("cannot reach" in row[1]) if setting == "laptop" else ("HOUSEKEY_DATABASES=off" in row[1])
