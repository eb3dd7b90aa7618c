"""Dagster definitions built from a source registry: a raw and a staging asset per source, materialised in-process."""

import dataclasses
import textwrap

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, asset, materialize

from connectors.spec import load_registry
from pipelines.definitions import build_definitions, source_assets, warehouse_resources
from pipelines.sources import raw_assets

SPEC = """
    name: {name}
    title: {title}
    owner: 民政科
    level: S
    format: {format}
    files: "*.{format}"
    record_kind: person
    columns:
      姓名: {{to: name}}
"""


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """Two sources with one delivery each, in a temporary landing zone and warehouse."""
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    sources = tmp_path / "sources"
    sources.mkdir()
    deliveries = {
        ("low_income", "低保", "csv"): "姓名\n张三\n李四\n",
        ("elderly", "高龄", "jsonl"): '{"姓名": "王五"}\n',
    }
    for (name, title, fmt), content in deliveries.items():
        (sources / f"{name}.yaml").write_text(textwrap.dedent(SPEC.format(name=name, title=title, format=fmt)))
        folder = tmp_path / "landing" / name
        folder.mkdir(parents=True)
        (folder / f"2026-03.{fmt}").write_text(content, encoding="utf-8")
    return load_registry(sources)


def test_one_raw_and_one_staging_asset_per_source(registry):
    specs = {spec.key: spec for spec in build_definitions(registry).resolve_all_asset_specs()}
    assert set(specs) == {
        AssetKey([layer, name]) for layer in ("raw", "staging") for name in ("elderly", "low_income")
    } | {AssetKey(["publish", "analyst_copy"])}  # no address register among these sources: no core assets
    assert {dep.asset_key for dep in specs[AssetKey(["staging", "elderly"])].deps} == {AssetKey(["raw", "elderly"])}
    low_income = specs[AssetKey(["raw", "low_income"])]
    assert low_income.group_name == "sources_person"  # grouped by record kind
    assert low_income.owners == ["team:民政科"]
    assert "低保" in low_income.description and "民政科" in low_income.description
    assert {k: low_income.metadata[k] for k in ("format", "owner", "level")} == {
        "format": "csv",
        "owner": "民政科",
        "level": "S",
    }


def test_every_asset_writes_through_the_warehouse_pool(registry):
    assert {asset.op.pool for asset in source_assets(registry)} == {"warehouse"}


def test_a_run_takes_the_analyst_copy_before_the_report_site():
    """Both wait for the marts, and a run's steps go one at a time: of two ready steps Dagster takes the one of
    higher ``dagster/priority`` first, so the site (minutes on a large subdistrict) never delays a delivery's
    analyst copy."""
    ops = {key.to_user_string(): a.op for a in build_definitions().assets for key in a.keys}

    def priority(key: str) -> int:
        return int(ops[key].tags.get("dagster/priority", 0))

    assert priority("publish/site") < priority("publish/analyst_copy")


def test_materialize_in_process_lands_every_source(registry, tmp_path):
    landed = []
    result = materialize(
        raw_assets(registry, on_landed=landed.append),
        resources=warehouse_resources(),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    assert sorted(landing.source for landing in landed) == ["elderly", "low_income"]
    metadata = {
        event.asset_key.path[-1]: event.materialization.metadata for event in result.get_asset_materialization_events()
    }
    assert metadata["low_income"]["rows_landed"].value == 2
    assert metadata["elderly"]["deliveries"].value == 1
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.low_income").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM meta.deliveries WHERE status = 'loaded'").fetchone() == (2,)


def test_staging_maps_to_canonical_columns(registry, tmp_path):
    result = materialize(source_assets(registry), resources=warehouse_resources(), instance=DagsterInstance.ephemeral())
    assert result.success
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT name, _row_number FROM staging.low_income ORDER BY _row_number").fetchall() == [
            ("张三", 2),
            ("李四", 3),
        ]


def test_every_committed_source_spec_produces_its_assets():
    registry = load_registry()
    keys = {spec.key for spec in build_definitions().resolve_all_asset_specs()}
    assert len(registry) >= 24
    per_source = {AssetKey([layer, name]) for layer in ("raw", "staging") for name in registry}
    assert per_source <= keys
    assert {
        AssetKey(key.split("/"))
        for key in (
            "core/houses",
            "core/address_matches",
            "core/people",
            "core/businesses",
            "core/event_attributions",
            "core/links",
            "tags/catalogue",
            "marts/house_profiles",
            "marts/hotspots",
            "marts/complaint_pareto",
            "marts/source_freshness",
            "publish/analyst_copy",
        )
    } <= keys - per_source


def test_row_accounting_is_a_blocking_check_on_every_staging_asset(registry):
    result = materialize(
        source_assets(registry),
        resources=warehouse_resources(),
        instance=DagsterInstance.ephemeral(),
    )
    evaluations = {
        e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations() if e.check_name == "rows_add_up"
    }
    assert set(evaluations) == {"elderly", "low_income"}
    assert all(e.passed and e.blocking for e in evaluations.values())
    assert evaluations["low_income"].metadata["delivered"].value == 2
    # both checks run in the staging step: no step of their own (a process, or a pod, each)
    assert {event.step_key for event in result.all_events if event.step_key} == {
        f"{layer}__{name}" for layer in ("raw", "staging") for name in registry
    }


def test_rows_that_do_not_add_up_fail_the_staging_step_after_its_table_is_written(registry, monkeypatch):
    """The blocking check stops what depends on staging: the step fails, naming the check, and nothing after it
    runs (here, a stand-in for row accounting that finds a row pending)."""
    from pipelines import sources
    from warehouse import accounting

    def pending(con, names):
        return [dataclasses.replace(account, pending=1) for account in accounting.row_accounts(con, names)]

    monkeypatch.setattr(sources, "row_accounts", pending)
    downstream = AssetKey(["core", "reads_elderly"])

    @asset(key=downstream, deps=[AssetKey(["staging", "elderly"])])
    def reads_elderly() -> None:
        return None

    result = materialize(
        [*source_assets(registry), reads_elderly],
        resources=warehouse_resources(),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    failed = [event for event in result.all_events if event.is_step_failure]
    assert [event.step_key for event in failed] == ["staging__elderly", "staging__low_income"]
    assert all("rows_add_up" in event.step_failure_data.error.message for event in failed)
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("staging", "elderly") in materialized and tuple(downstream.path) not in materialized


def test_a_held_delivery_holds_its_source_and_the_analyst_copy_says_so(registry, tmp_path):
    """elderly's second delivery fails the gate (most of its rows have no name): held, not staged; the analyst
    copy is still published, with low_income's new rows, and meta.held_sources names elderly and why."""
    from pipelines.definitions import publish_asset

    (tmp_path / "landing" / "elderly" / "2026-04.jsonl").write_text(
        '{"姓名": null}\n' * 4 + '{"姓名": "赵六"}\n', encoding="utf-8"
    )
    (tmp_path / "landing" / "low_income" / "2026-04.csv").write_text("姓名\n钱七\n", encoding="utf-8")
    upstream = source_assets(registry)
    result = materialize(
        [*upstream, publish_asset(upstream, registry)],
        resources=warehouse_resources(),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert ("publish", "analyst_copy") in {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    with duckdb.connect(str(tmp_path / "analyst.duckdb"), read_only=True) as con:
        ((source, reason),) = con.execute("SELECT source, reason FROM meta.held_sources").fetchall()
        assert source == "elderly" and "2026-04.jsonl held, not staged" in reason
        assert con.execute("SELECT count(*) FROM staging.low_income").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM staging.elderly").fetchone() == (1,)  # the earlier delivery only
