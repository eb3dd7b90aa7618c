"""The sample world run through the whole pipeline (all but publishing), built once per test session and
shared by the xdist workers: the marts, ledger, dictionary and analyst-guide tests read it."""

import os
from pathlib import Path

import pytest
from filelock import FileLock

WORLD_AS_OF = "2026-11-01"  # the sample world's "today" (data_samples/generator/population.py AS_OF)
# every test runs on the sample world's day, whatever the wall clock says (schemas/clock.py)
os.environ.setdefault("HOUSEKEY_AS_OF", WORLD_AS_OF)
# the analyst copy's token key, set explicitly as a deployment would (warehouse/privacy.py has none built in)
os.environ.setdefault("HOUSEKEY_TOKEN_KEY_1", "housekey-test-key-not-secret")


def _build(path: Path) -> None:
    from dagster import DagsterInstance, materialize

    from connectors.spec import load_registry
    from data_samples.generator.generate import SAMPLES
    from data_samples.generator.seed import seed_databases
    from pipelines.definitions import pipeline_assets, warehouse_resources

    seed_databases(SAMPLES)
    registry = load_registry()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_LANDING", str(SAMPLES / "landing"))
        env.setenv("HOUSEKEY_WAREHOUSE", str(path))
        env.setenv("HOUSEKEY_AS_OF", WORLD_AS_OF)
        assets = [a for a in pipeline_assets(registry) if not any(key.path[0] == "publish" for key in a.keys)]
        result = materialize(assets, resources=warehouse_resources(), instance=DagsterInstance.ephemeral())
    assert result.success


@pytest.fixture(scope="session")
def full_warehouse(tmp_path_factory, worker_id) -> Path:
    """The warehouse file after a full run on the sample world, tags and marts as of its day. Open it read-only."""
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


@pytest.fixture(autouse=True)
def _no_dead_dagster_instance():
    """Dagster 1.13's ``with DagsterInstance...`` disposes the instance on exit but leaves its defs-state storage
    as the current one; a later test in the same worker would then reach a dead instance."""
    yield
    from dagster._core.storage.defs_state.base import _current_storage

    _current_storage.set(None)
