"""A warehouse with the sample world landed, staged, resolved to houses and tagged, shared by the tag tests."""
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize

from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from data_samples.generator.seed import seed_databases

WORLD_AS_OF = "2026-11-01"  # the sample world's "today" (data_samples/generator/population.py AS_OF)


@pytest.fixture(scope="session")
def tagged_warehouse(tmp_path_factory) -> Path:
    """Sources, address resolution, tags and the house profile mart on the sample world, tags as of its day."""
    from pipelines.definitions import resolution_assets, source_assets, warehouse_resources
    from pipelines.tag_assets import tag_assets

    path = tmp_path_factory.mktemp("tagged") / "housekey.duckdb"
    seed_databases(SAMPLES)
    registry = load_registry()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_LANDING", str(SAMPLES / "landing"))
        env.setenv("HOUSEKEY_WAREHOUSE", str(path))
        env.setenv("HOUSEKEY_AS_OF", WORLD_AS_OF)
        result = materialize([*source_assets(registry), *resolution_assets(registry), *tag_assets(registry)],
                             resources=warehouse_resources(), instance=DagsterInstance.ephemeral())
    assert result.success
    return path
