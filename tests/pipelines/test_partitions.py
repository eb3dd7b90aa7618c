"""Subdistrict partitions: two subdistricts run side by side on one Dagster instance, one through
``subdistrict_job`` (every step a process of its own), the other in one process as the daemon's runs go, give the
same warehouses as the two run one after the other in-process; the run queue and the CLI keep one run per
subdistrict at a time. Real generated worlds for 瑞金二路街道 and 淮海中路街道, real files, real runs."""

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance

from data_samples.generator.generate import generate
from pipelines.definitions import subdistrict_partitions
from warehouse.subdistricts import SubdistrictsError, load_subdistricts, read_subdistricts

REPO = Path(__file__).resolve().parents[2]
# file sources only (the database sources are one table per department, not one per subdistrict), the fewest that
# fill the core tables and the quarantine: houses, people, and patrols (whose shops, events and quarantined rows
# differ per world); each source adds four steps, each step a process of its own in the parallel runs
SOURCES = ["address_register", "household_registration", "grid_patrols"]
WORLDS = {"310101023": "瑞金二路街道", "310101022": "淮海中路街道"}
PEOPLE = 300  # a small world: what the test checks does not depend on its size
COMPARED_SCHEMAS = ("core", "tags", "marts")


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    """Two subdistricts' landing zones (different people, houses and work orders) and a registry of their sources."""
    root = tmp_path_factory.mktemp("district")
    worlds: list[Path] = []
    for code in WORLDS:
        generate(root / "worlds" / code, people=PEOPLE, subdistrict=code, only=SOURCES, beside=tuple(worlds))
        worlds.append(root / "worlds" / code)
    (root / "sources").mkdir()
    for name in SOURCES:
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", root / "sources")
    return root


def configure(district: Path, folder: Path, monkeypatch) -> None:
    """A subdistricts file in ``folder``: the district's landing zones, warehouses of its own."""
    folder.mkdir()
    entries = "".join(
        f"  - {{code: '{code}', name: {name}, landing: {district / 'worlds' / code / 'landing'}}}\n"
        for code, name in WORLDS.items()
    )
    (folder / "subdistricts.yaml").write_text(f"subdistricts:\n{entries}", encoding="utf-8")
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(folder / "subdistricts.yaml"))
    monkeypatch.setenv("HOUSEKEY_AS_OF", "2026-11-01")


def instance_home(folder: Path) -> Path:
    """A persistent instance's home with the repository's dagster.yaml (its pool lets two subdistricts write at once)."""
    folder.mkdir()
    shutil.copy(REPO / "dagster.yaml", folder / "dagster.yaml")
    DagsterInstance.from_config(str(folder)).dispose()  # its storage created now, not by two runs at once
    return folder


RUNNER = """
import sys
from pathlib import Path
from dagster import DagsterInstance, build_reconstructable_job, execute_job

home, sources, code, executor = sys.argv[1:]
instance = DagsterInstance.from_config(home)
quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
if executor == "step_processes":
    job = build_reconstructable_job("pipelines.definitions", "subdistrict_job", reconstructable_kwargs={"sources": sources})
    result = execute_job(job, instance, tags={"dagster/partition": code}, run_config=quiet)
else:
    from connectors.spec import load_registry
    from pipelines.definitions import pipeline_assets, run_in_process, subdistrict_partitions
    assets = pipeline_assets(load_registry(Path(sources)), partitions=subdistrict_partitions())
    result = run_in_process(assets, instance=instance, partition_key=code, run_config=quiet, raise_on_error=False)
print(result.run_id)
sys.exit(0 if result.success else 1)
"""
# one subdistrict's steps each in a process of their own (``subdistrict_job`` on a worker machine), the other's in
# its run's process as the daemon launches runs: both ways side by side, and each step process costs about a second
EXECUTORS = dict(zip(WORLDS, ("step_processes", "in_process"), strict=True))


def launch(home: Path, district: Path, code: str) -> subprocess.Popen:
    """A run of one subdistrict's partition in a process of its own, as a worker machine would start it."""
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(home), str(district / "sources"), code, EXECUTORS[code]],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen, code: str) -> str:
    """The run id of a launched run, which must have succeeded."""
    out, err = process.communicate(timeout=900)
    assert process.returncode == 0, f"subdistrict {code}: the run failed\n{out}\n{err[-3000:]}"
    return out.split()[-1]


def run_in_process(district: Path, code: str) -> None:
    """The reference: one subdistrict's partition run in this process, step after step (a process per step costs
    about a second each, most of a small world's run)."""
    from dagster import materialize

    from connectors.spec import load_registry
    from pipelines.definitions import pipeline_assets, warehouse_resources

    registry = load_registry(district / "sources")
    assets = pipeline_assets(registry, partitions=subdistrict_partitions())
    result = materialize(
        assets,
        resources=warehouse_resources(),
        partition_key=code,
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success, f"subdistrict {code}: " + ", ".join(
        e.step_key for e in result.all_events if e.is_step_failure
    )


def contents(warehouse: Path) -> dict[str, list[tuple]]:
    """Every core, tags and marts table and the quarantine, rows sorted, without what says when or by which run
    a row was written rather than what was found: timestamps (also inside lists and structs), run ids, seconds."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN"
            f" {COMPARED_SCHEMAS} OR (schema_name, table_name) = ('quality', 'quarantine')"
            " ORDER BY ALL"
        ).fetchall()
        found = {}
        for schema, table in tables:
            columns = [
                f'"{name}"'
                for name, kind in con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?"
                    " ORDER BY column_index",
                    [schema, table],
                ).fetchall()
                if "TIMESTAMP" not in kind and "run" not in name.split("_") and name != "seconds"
            ]
            found[f"{schema}.{table}"] = con.execute(
                f'SELECT {", ".join(columns)} FROM {schema}."{table}" ORDER BY ALL'
            ).fetchall()
    return found


def step_windows(instance: DagsterInstance, run_id: str) -> list[tuple[float, float]]:
    """When each step of a run was executing."""
    started, windows = {}, []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            windows.append((started[event.step_key], entry.timestamp))
    return windows


@pytest.mark.system
def test_two_subdistricts_in_parallel_equal_the_two_one_by_one(district, tmp_path, monkeypatch):
    configure(district, tmp_path / "parallel", monkeypatch)
    home = instance_home(tmp_path / "parallel_dagster")
    started = time.perf_counter()
    launched = {code: launch(home, district, code) for code in WORLDS}  # both at once, one instance
    runs = {code: finished(process, code) for code, process in launched.items()}
    side_by_side = time.perf_counter() - started
    instance = DagsterInstance.from_config(str(home))
    parallel = {code: contents(place.warehouse) for code, place in load_subdistricts().items()}

    windows = {code: step_windows(instance, run_id) for code, run_id in runs.items()}
    a, b = windows.values()
    overlapping = sum(1 for start, end in a for other_start, other_end in b if start < other_end and other_start < end)
    assert overlapping >= 3, "the two subdistricts' steps never ran at the same time"
    assert all(
        sum(1 for s, e in steps for s2, e2 in steps if s < e2 and s2 < e) == len(steps) for steps in windows.values()
    ), "two steps of one subdistrict ran at once on its DuckDB file"

    print(f"\ntwo subdistricts side by side {side_by_side:.1f} s")

    configure(district, tmp_path / "one_by_one", monkeypatch)
    for code in WORLDS:
        run_in_process(district, code)
    one_by_one = {code: contents(place.warehouse) for code, place in load_subdistricts().items()}

    for code in WORLDS:
        assert set(parallel[code]) == set(one_by_one[code])
        for table, rows in parallel[code].items():
            assert rows == one_by_one[code][table], f"subdistrict {code}: {table} differs"
    # each partition holds its own subdistrict, not the other's
    first, second = (parallel[code] for code in WORLDS)
    assert first["core.houses"] and second["core.houses"] and not set(first["core.houses"]) & set(second["core.houses"])
    assert first["core.people"] and second["core.people"] and first["core.people"] != second["core.people"]
    assert set(parallel["310101023"]["quality.quarantine"]) != set(parallel["310101022"]["quality.quarantine"])
    with duckdb.connect(str(load_subdistricts()["310101022"].warehouse), read_only=True) as con:
        assert con.execute("SELECT DISTINCT source FROM meta.deliveries ORDER BY 1").fetchall() == [
            (s,) for s in sorted(SOURCES)
        ]


def test_the_subdistricts_file_defaults_and_refusals(tmp_path, monkeypatch):
    monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "in"))
    (default,) = load_subdistricts().values()
    assert (default.code, default.warehouse, default.landing) == ("310101023", tmp_path / "w.duckdb", tmp_path / "in")
    assert subdistrict_partitions().get_partition_keys() == ["310101023"]

    path = tmp_path / "subdistricts.yaml"
    path.write_text(
        "subdistricts:\n  - {code: '310101022', name: 淮海中路街道, sources: [hotline_12345]}\n"
        "  - {code: '310101023', name: 瑞金二路街道, warehouse: /data/rj/warehouse.duckdb}\n",
        encoding="utf-8",
    )
    huaihai, ruijin = read_subdistricts(path).values()
    assert huaihai.landing == tmp_path / "310101022" / "landing"
    assert huaihai.warehouse == tmp_path / "310101022" / "warehouse" / "housekey.duckdb"
    assert huaihai.delivers("hotline_12345") and not huaihai.delivers("minimum_income") and ruijin.delivers("x")
    assert ruijin.warehouse == Path("/data/rj/warehouse.duckdb")

    for text, reason in [
        ("subdistricts: []\n", "at least one"),
        ("subdistricts:\n  - {code: '3101', name: x}\n", "subdistrict 1: code '3101'"),
        (
            "subdistricts:\n  - {code: '310101022', name: a}\n  - {code: '310101022', name: b}\n",
            "subdistrict 2: code 310101022 appears twice",
        ),
        ("subdistricts:\n  - {code: '310101022', name: a, landng: x}\n", "unknown key landng"),
        (
            (
                "subdistricts:\n  - {code: '310101022', name: a, warehouse: x.duckdb}\n"
                "  - {code: '310101023', name: b, warehouse: x.duckdb}\n"
            ),
            "share a warehouse file",
        ),
        ("subdistricts:\n  - {code: '310101022', name: a, warehouse: raw.duckdb}\n", "named like a schema"),
    ]:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        with pytest.raises(SubdistrictsError, match=reason) as error:
            read_subdistricts(path)
        assert str(path) in str(error.value)


def test_a_partition_lands_only_its_subdistricts_files_in_its_own_warehouse(tmp_path, monkeypatch):
    from dagster import materialize

    from connectors.spec import load_registry
    from pipelines.definitions import build_definitions, pipeline_assets, warehouse_resources

    sources = tmp_path / "sources"
    sources.mkdir()
    for name in ("minimum_income", "hotline_12345"):
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", sources)
    registry = load_registry(sources)
    for code in WORLDS:
        shutil.copytree(
            REPO / "data_samples" / "landing" / "minimum_income", tmp_path / code / "landing" / "minimum_income"
        )
    (tmp_path / "310101022" / "landing" / "minimum_income" / "低保对象_202611.csv").write_bytes(
        (REPO / "data_samples" / "landing" / "minimum_income" / "低保对象_202611.csv")
        .read_bytes()[:2000]
        .rsplit(b"\n", 1)[0]
    )
    (tmp_path / "subdistricts.yaml").write_text(
        "subdistricts:\n  - {code: '310101023', name: 瑞金二路街道}\n"
        "  - {code: '310101022', name: 淮海中路街道, sources: [minimum_income]}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(tmp_path / "subdistricts.yaml"))
    partitions = subdistrict_partitions()
    assets = [a for a in pipeline_assets(registry, partitions=partitions) if a.key.path[0] in ("raw", "staging")]
    assert all(a.partitions_def == partitions for a in assets)
    assert {spec.partitions_def for spec in build_definitions(registry).resolve_all_asset_specs()} == {partitions}

    rows = {}
    for code in WORLDS:
        result = materialize(
            assets,
            resources=warehouse_resources(),
            partition_key=code,
            instance=DagsterInstance.ephemeral(),
        )
        assert result.success
        with duckdb.connect(str(tmp_path / code / "warehouse" / "housekey.duckdb"), read_only=True) as con:
            rows[code] = con.execute("SELECT count(*) FROM raw.minimum_income").fetchone()[0]
        notes = {
            e.asset_key.path[-1]: e.materialization.metadata.get("note")
            for e in result.get_asset_materialization_events()
            if e.asset_key.path[0] == "raw"
        }
        if code == "310101022":
            assert notes["hotline_12345"].value == "not a source of subdistrict 310101022"
    assert 0 < rows["310101022"] < rows["310101023"]


def test_a_new_file_in_one_subdistrict_requests_a_run_of_that_partition_only(tmp_path, monkeypatch):
    import os

    from dagster import build_sensor_context, instance_for_test

    from connectors.spec import load_registry
    from pipelines.definitions import build_definitions

    (tmp_path / "sources").mkdir()
    shutil.copy(REPO / "connectors" / "sources" / "minimum_income.yaml", tmp_path / "sources")
    (tmp_path / "subdistricts.yaml").write_text(
        "subdistricts:\n  - {code: '310101023', name: 瑞金二路街道}\n  - {code: '310101022', name: 淮海中路街道}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(tmp_path / "subdistricts.yaml"))
    repository = build_definitions(load_registry(tmp_path / "sources")).get_repository_def()
    sensor = repository.get_sensor_def("landing_minimum_income")
    folder = tmp_path / "310101022" / "landing" / "minimum_income"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "data_samples" / "landing" / "minimum_income" / "低保对象_202611.csv", folder)
    os.utime(folder / "低保对象_202611.csv", (1, 1))  # long settled
    with instance_for_test() as instance:
        result = sensor.evaluate_tick(build_sensor_context(instance=instance, repository_def=repository))
        (request,) = result.run_requests
        assert request.partition_key == "310101022" and request.run_key.startswith("minimum_income:310101022:")
        again = sensor.evaluate_tick(
            build_sensor_context(instance=instance, cursor=result.cursor, repository_def=repository)
        )
    assert again.run_requests == []
