"""The sample world run through the whole pipeline (database sources and publishing included), built once per
test session and shared by the xdist workers: the end-to-end, marts, ledger, dictionary, privacy and analyst-guide
tests read it; tests that write take a copy (``warehouse_copy``)."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from filelock import FileLock

WORLD_AS_OF = "2026-11-01"  # the sample world's "today" (data_samples/generator/population.py AS_OF)
# every test runs on the sample world's day, whatever the wall clock says (schemas/clock.py)
os.environ.setdefault("HOUSEKEY_AS_OF", WORLD_AS_OF)
# the analyst copy's token key, set explicitly as a deployment would (warehouse/privacy.py has none built in)
os.environ.setdefault("HOUSEKEY_TOKEN_KEY_1", "housekey-test-key-not-secret")
# no city link has run for the session's subdistrict, whatever var/city_identity holds on this machine
os.environ.setdefault("HOUSEKEY_CITY_IDENTITY", tempfile.mkdtemp(prefix="housekey-no-city-"))
SEEDING_NOTES = "seeding_notes.json"  # beside the session's warehouse: what seeding the database servers said


def sample_root() -> Path:
    """The world the session runs: the committed sample, or the one $HOUSEKEY_TEST_SAMPLES names."""
    from data_samples.generator.generate import SAMPLES

    return Path(os.environ.get("HOUSEKEY_TEST_SAMPLES", SAMPLES))


def _build(path: Path) -> None:
    """Seed the database servers with the world's tables, then run every asset; the seeding notes are kept beside
    the warehouse (``seeding_notes``)."""
    from dagster import DagsterInstance, materialize

    from connectors.spec import load_registry
    from data_samples.generator.seed import seed_databases
    from pipelines.definitions import pipeline_assets, warehouse_resources

    notes = seed_databases(sample_root())
    path.with_name(SEEDING_NOTES).write_text(json.dumps(notes, ensure_ascii=False), encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_LANDING", str(sample_root() / "landing"))
        env.setenv("HOUSEKEY_WAREHOUSE", str(path))
        env.setenv("HOUSEKEY_AS_OF", WORLD_AS_OF)
        result = materialize(
            pipeline_assets(load_registry()), resources=warehouse_resources(), instance=DagsterInstance.ephemeral()
        )
    assert result.success


@pytest.fixture
def spec_registry(tmp_path, monkeypatch):
    """An empty registry of sources under tmp_path, the environment pointed at it (tests/spec_registry.py)."""
    from tests.spec_registry import make_spec_registry

    return make_spec_registry(tmp_path, monkeypatch)


@pytest.fixture(scope="session")
def full_warehouse(tmp_path_factory, worker_id) -> Path:
    """The warehouse file after a full run on the sample world, tags and marts as of its day; its analyst copy
    (``analyst.duckdb``) and charts lie beside it. Open them read-only."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # every xdist worker shares the one built by whichever comes first
        root = root.parent
    path = root / "full_world" / "housekey.duckdb"
    with FileLock(str(root / "full_world.lock")):
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            building = path.with_name("building.duckdb")  # a half-built warehouse is never taken for a built one
            building.unlink(missing_ok=True)
            _build(building)
            building.rename(path)
    return path


@pytest.fixture(scope="session")
def sample_world() -> Path:
    """The world the session's warehouse is built from: its landing/, databases/, truth/ and manifest.json."""
    return sample_root()


@pytest.fixture(scope="session")
def seeding_notes(full_warehouse) -> list[str]:
    """One line per database table the session's run seeded, or per server it skipped."""
    return json.loads(full_warehouse.with_name(SEEDING_NOTES).read_text(encoding="utf-8"))


@pytest.fixture
def warehouse_copy(full_warehouse, tmp_path) -> Path:
    """A copy of the session's warehouse and its analyst copy in the test's own folder, for a test that writes."""
    from warehouse.publish import ANALYST_FILE

    folder = tmp_path / "warehouse"
    folder.mkdir()
    for name in (full_warehouse.name, ANALYST_FILE):
        shutil.copyfile(full_warehouse.with_name(name), folder / name)
    return folder / full_warehouse.name


# How `make test` spreads the suite over its two workers (--dist loadfile --no-loadscope-reorder): a module stays on
# one worker, so a module-scoped pipeline run is made once, not once per worker (loadgroup would allow finer groups,
# but xdist 3.8 loses them under pytest 9: pytest-dev/pytest-xdist#1386). These modules start first, longest first,
# so both workers finish together and the last modules either worker takes are short; the end-to-end module comes
# second: it builds the session warehouse the kill, one-source and delivery tests read. Seconds: setup and calls
# under --durations of a full run on 2026-12-03 12:28 at load 12-15 from other jobs (70 min 38 s in all, about 7.3
# times the quiet run's 9 min 37 s; /tmp/h2/before.txt of that day); what a module costs quiet is about a seventh.
LONGEST_FIRST = (
    "tests/pipelines/test_partitions.py",  # 859 s: two subdistricts side by side, each step a process, then in turn
    "tests/test_end_to_end.py",  # 605 s, 489 of them the session warehouse
    "tests/pipelines/test_incremental.py",  # 634 s: five batches and a full run
    "tests/warehouse/test_kill_mid_load.py",  # 616 s: two killed runs and two runs after them, in processes
    "tests/data_samples/test_subdistricts.py",  # 478 s: a generated 淮海中路 world through every file source
    "tests/pipelines/test_noop.py",  # about 300 s: three full runs of three sources
    "tests/bad_inputs/test_corpus.py",  # 275 s
    "tests/warehouse/test_business_time.py",  # 273 s
    "tests/resolution/city/test_city_district.py",  # 265 s: two generated subdistricts run, then linked
    "tests/pipelines/test_run_one_source.py",  # 262 s
    "tests/pipelines/test_delivery_latency.py",  # 224 s
    "tests/resolution/identity/test_event_parties.py",  # 194 s
    "tests/connectors/test_readers_bounds.py",  # 185 s
    "tests/security/test_injection.py",  # 182 s
    "tests/resolution/identity/test_people.py",  # about 160 s
    "tests/pipelines/test_city_read_back.py",  # 139 s: matching to publishing on a copy of the session warehouse
    "tests/resolution/city/test_city_identity.py",  # 138 s, Spark in local mode
    "tests/pipelines/test_ui.py",  # 119 s
    "tests/pipelines/test_schedules_sensors.py",  # 115 s
    "tests/connectors/test_new_exports.py",  # 110 s
    "tests/security/test_analyst_copy_scan.py",  # 104 s
    "tests/warehouse/test_publish_incremental.py",  # 95 s
    "tests/warehouse/test_city_ids.py",  # 89 s
    "tests/security/test_masks.py",  # 80 s
    "tests/warehouse/test_migrate.py",  # 80 s
    "tests/pipelines/test_asset_catalogue.py",  # about 65 s: one run of three sources (the few-sources test's too)
    "tests/warehouse/test_district_routing.py",  # 57 s
    "tests/warehouse/test_history.py",  # 50 s
    "tests/warehouse/test_source_roles.py",  # 46 s
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: every other module keeps its place, and every module its tests' order


@pytest.fixture(autouse=True)
def _no_dead_dagster_instance():
    """Dagster 1.13's ``with DagsterInstance...`` disposes the instance on exit but leaves its defs-state storage
    as the current one; a later test in the same worker would then reach a dead instance."""
    yield
    from dagster._core.storage.defs_state.base import _current_storage

    _current_storage.set(None)
