"""`housekey run --source X` runs what depends on X: matching, identity, tags, marts and publishing, over the
whole warehouse (issue 17, point 8); the other sources are neither landed nor staged again."""

from dagster import AssetKey, DagsterInstance
from typer.testing import CliRunner

from commands.housekey import app


def test_run_of_one_source_goes_on_to_publishing(warehouse_copy, sample_world, tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(sample_world / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(warehouse_copy))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
    ran = CliRunner().invoke(app, ["run", "--source", "actual_residents"])
    assert ran.exit_code == 0, ran.output[-3000:]
    assert "only landing and staging" not in ran.output
    assert "1 of 1 sources landed (" in ran.output
    with DagsterInstance.get() as instance:

        def materialized(*path: str) -> bool:
            return instance.get_latest_materialization_event(AssetKey(list(path))) is not None

        assert materialized("staging", "actual_residents")
        assert materialized("core", "address_matches") and materialized("core", "people")
        assert materialized("publish", "analyst_copy")
        assert not materialized("raw", "hotline_12345") and not materialized("staging", "hotline_12345")
