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
# but xdist 3.8 loses them under pytest 9: pytest-dev/pytest-xdist#1386). These modules start first, longest first
# (seconds under --durations of `bash .ci/run` on 2026-12-03, two workers, a loaded machine: setup and calls), so
# both workers finish together; the end-to-end module comes early: it builds the session warehouse later tests read.
LONGEST_FIRST = (
    "tests/pipelines/test_partitions.py",  # 270 s, two runs at once
    "tests/test_end_to_end.py",  # 210 s with the session warehouse
    "tests/warehouse/test_kill_mid_load.py",  # 256 s
    "tests/pipelines/test_incremental.py",  # about 160 s (67 CPU s, quiet), five batches and a full run
    "tests/pipelines/test_noop.py",  # 140 s alone, three full runs of three sources (was 270 s in two tests)
    "tests/resolution/city/test_city_district.py",  # about 120 s: two generated subdistricts run, then linked
    "tests/data_samples/test_subdistricts.py",  # 110 s
    "tests/pipelines/test_delivery_latency.py",  # 106 s
    "tests/bad_inputs/test_corpus.py",  # 90 s
    "tests/warehouse/test_district_routing.py",  # about 80 s (measured alone, loaded)
    "tests/pipelines/test_run_one_source.py",  # 83 s
    "tests/warehouse/test_business_time.py",  # 75 s
    "tests/pipelines/test_city_read_back.py",  # about 60 s: matching to publishing on a copy of the session warehouse
    "tests/security/test_injection.py",  # 69 s
    "tests/resolution/identity/test_event_parties.py",  # 58 s
    "tests/connectors/test_readers_bounds.py",  # 54 s
    "tests/resolution/city/test_city_identity.py",  # 52 s, Spark in local mode
    "tests/pipelines/test_asset_catalogue.py",  # 51 s
    "tests/security/test_analyst_copy_scan.py",  # 50 s
    "tests/pipelines/test_few_sources.py",  # 46 s
    "tests/pipelines/test_ui.py",  # 35 s
    "tests/pipelines/test_schedules_sensors.py",  # 32 s
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
