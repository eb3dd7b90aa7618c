"""A district that registers only a few sources still gets every tag and mart: rules and marts over the
sources it lacks find nobody instead of failing."""

import shutil
from pathlib import Path

import duckdb
from dagster import DagsterInstance, materialize

from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from pipelines.definitions import pipeline_assets, warehouse_resources
from warehouse.tags import load_catalogue

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("address_register", "household_registration", "hotline_12345")  # houses, people, work orders: no businesses


def test_three_sources_build_every_tag_and_mart(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()
    for name in SOURCES:
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", tmp_path / "sources")
    monkeypatch.setenv("HOUSEKEY_LANDING", str(SAMPLES / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    assets = pipeline_assets(load_registry(tmp_path / "sources"))
    with DagsterInstance.ephemeral() as instance:
        result = materialize(assets, resources=warehouse_resources(), instance=instance, raise_on_error=False)
    assert result.success, [event.step_key for event in result.all_events if event.is_step_failure]
    materialized = {
        tuple(e.asset_key.path): e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    tags = materialized["tags", "catalogue"]
    assert (tags["dagster/row_count"].value, tags["failed"].value) == (len(load_catalogue()), 0)
    marts = {tuple(key.path) for a in assets for key in a.keys if key.path[0] == "marts"}
    assert len(marts) >= 9 and marts <= set(materialized)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        by_entity = dict(
            con.execute(
                "SELECT 'person', count(*) FROM tags.person_tags UNION ALL "
                "SELECT 'business', count(*) FROM tags.business_tags"
            ).fetchall()
        )
    assert by_entity["person"] > 0 and by_entity["business"] == 0  # what the two sources say, and nothing more
