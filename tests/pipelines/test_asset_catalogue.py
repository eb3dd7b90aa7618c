"""What the Dagster UI shows of the pipeline: assets keyed as the tables they build, each materialisation with
the table's name, row count and described columns; sources owned by their department and grouped by record
kind; runs of ``housekey run`` under the ``subdistrict`` job that ``defs`` holds. A district that registers only
a few sources still gets every tag and mart: rules and marts over the sources it lacks find nobody instead of
failing. Both read one run of three sources (houses, people, work orders: no businesses)."""

import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from pipelines.definitions import SUBDISTRICT_JOB, defs, pipeline_assets, run_in_process
from warehouse.catalogue import is_view
from warehouse.tags import load_catalogue

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("address_register", "household_registration", "hotline_12345")  # houses, people, work orders
NOT_TABLES = ("meta", "publish")  # the dictionary's COMMENTs; the analyst copy and the report site, files


def test_defs_holds_the_job_housekey_run_runs():
    assert defs.resolve_job_def(SUBDISTRICT_JOB).name == "subdistrict"


def test_sources_are_owned_by_their_department_and_grouped_by_record_kind():
    registry = load_registry()
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    for name, source in registry.items():
        for layer in ("raw", "staging"):
            spec = specs[AssetKey([layer, name])]
            assert spec.owners == [f"team:{source.owner}"]
            assert spec.group_name == f"sources_{source.record_kind}"
    groups = Counter(spec.group_name for spec in specs.values())
    assert {"address", "identity", "tags", "marts", "publish"} <= set(groups)
    assert max(groups.values()) <= 2 * 12, groups  # no group of all 29 sources' 58 assets
    assert {AssetKey(["marts", "committee_stats"]), AssetKey(["marts", "grid_stats"])} <= set(specs)
    assert AssetKey(["marts", "area_stats"]) not in specs


@pytest.fixture(scope="module")
def three_sources(tmp_path_factory):
    """(assets, the run's result, the job it ran as, its warehouse): the three sources of the sample world run
    through every asset, as ``housekey run`` runs them (the subdistrict job, source checks included)."""
    root = tmp_path_factory.mktemp("three_sources")
    (root / "sources").mkdir()
    for name in SOURCES:
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", root / "sources")
    warehouse = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_LANDING", str(SAMPLES / "landing"))
        env.setenv("HOUSEKEY_WAREHOUSE", str(warehouse))
        registry = load_registry(root / "sources")
        assets = pipeline_assets(registry)
        with DagsterInstance.ephemeral() as instance:
            result = run_in_process(assets, instance=instance, raise_on_error=False)
            job_name = instance.get_run_by_id(result.run_id).job_name
    return assets, result, job_name, warehouse


def test_every_table_asset_materialises_its_name_rows_and_described_columns(three_sources):
    assets, result, job_name, warehouse = three_sources
    assert result.success, [event.step_key for event in result.all_events if event.is_step_failure]
    assert job_name == SUBDISTRICT_JOB
    materialized = {e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()}
    assert set(materialized) == {key for a in assets for key in a.keys}

    views = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for key, metadata in materialized.items():
            if key.path[0] in NOT_TABLES:
                continue
            schema, table = key.path
            assert metadata["dagster/table_name"].value == f"{schema}.{table}"
            if is_view(con, schema, table):  # counting a view's rows would run it at every materialisation
                assert "dagster/row_count" not in metadata, key
                views.append(key)
            else:
                (rows,) = con.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()
                assert metadata["dagster/row_count"].value == rows, key
            columns = con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position",
                [schema, table],
            ).fetchall()
            schema_columns = metadata["dagster/column_schema"].value.columns
            assert [column.name for column in schema_columns] == [name for (name,) in columns], key
    assert materialized[AssetKey(["core", "houses"])]["dagster/row_count"].value > 1000
    assert AssetKey(["core", "attributed_sources"]) in views  # a view over every attributed event

    def described(key: AssetKey) -> dict[str, str | None]:
        return {c.name: c.description for c in materialized[key]["dagster/column_schema"].value.columns}

    assert described(AssetKey(["core", "houses"]))["house_id"].startswith("The house")  # the dictionary's
    staged = described(AssetKey(["staging", "household_registration"]))
    assert staged["household_ref"] == "household number (户号)"  # the record kind's
    assert staged["name"] == "Name (姓名 / 名称)."  # the dictionary's common columns, as in DuckDB's COMMENTs
    assert described(AssetKey(["raw", "household_registration"]))["户号"] == "→ household_ref: household number (户号)"
    assert described(AssetKey(["marts", "committee_stats"]))["committee_code"].startswith("Residents' committee")
    staging = materialized[AssetKey(["staging", "household_registration"])]
    assert "rows_staged" not in staging and staging["rows_quarantined"].value >= 0  # figures besides row counts
    assert materialized[AssetKey(["core", "address_matches"])]["review_queue"].value >= 0


def test_three_sources_build_every_tag_and_mart(three_sources):
    assets, result, _, warehouse = three_sources
    assert result.success, [event.step_key for event in result.all_events if event.is_step_failure]
    materialized = {
        tuple(e.asset_key.path): e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    tags = materialized["tags", "catalogue"]
    assert (tags["dagster/row_count"].value, tags["failed"].value) == (len(load_catalogue()), 0)
    marts = {tuple(key.path) for a in assets for key in a.keys if key.path[0] == "marts"}
    assert len(marts) >= 9 and marts <= set(materialized)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        by_entity = dict(
            con.execute(
                "SELECT 'person', count(*) FROM tags.person_tags UNION ALL "
                "SELECT 'business', count(*) FROM tags.business_tags"
            ).fetchall()
        )
    assert by_entity["person"] > 0 and by_entity["business"] == 0  # what the two sources say, and nothing more
