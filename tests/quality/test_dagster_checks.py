"""The quality gate as a Dagster asset check: a held delivery fails it and holds its own rows only; what
depends on the sources still runs (so the analyst copy refreshes for every other source)."""

import textwrap

import duckdb
from dagster import AssetKey, DagsterInstance, asset, materialize
from stdnum.cn import ric

from connectors.spec import load_registry
from pipelines.definitions import source_assets, warehouse_resources

SPEC = """
    name: {name}
    title: {name}
    owner: 民政科
    level: S
    format: csv
    files: "*.csv"
    record_kind: person
    record_key: [身份证号]  # the key: a wrong ID number costs its row, not only its value
    columns:
      姓名: {{to: name}}
      身份证号: {{to: id_number}}
"""


def _downstream(name: str):
    @asset(key=["core", name], deps=[AssetKey(["staging", name])])
    def _uses_staging() -> None:
        return None

    return _uses_staging


def test_a_held_delivery_fails_the_check_and_holds_only_its_own_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    good = [body + ric.calc_check_digit(body + "0") for body in (f"31010119800101{i:03d}" for i in range(10))]
    bad = [n[:17] + ("1" if n[17] == "0" else "0") for n in good]  # every check character wrong
    sources = tmp_path / "sources"
    sources.mkdir()
    for name, numbers in (("low_income", good), ("elderly", bad[:5] + good[5:])):
        (sources / f"{name}.yaml").write_text(textwrap.dedent(SPEC.format(name=name)), encoding="utf-8")
        (tmp_path / "landing" / name).mkdir(parents=True)
        rows = "".join(f"人{i},{n}\n" for i, n in enumerate(numbers))
        (tmp_path / "landing" / name / "2026-11.csv").write_text("姓名,身份证号\n" + rows, encoding="utf-8")
    registry = load_registry(sources)

    result = materialize(
        [*source_assets(registry), *map(_downstream, registry)],
        resources=warehouse_resources(),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )

    gates = {
        e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations() if e.check_name == "passes_quality_gate"
    }
    assert gates["low_income"].passed and not gates["elderly"].passed
    assert gates["elderly"].description == (
        "elderly: delivery 2026-11.csv held, not staged: 5 of 10 rows (50%) failed, above the threshold of 20%"
    )
    assert gates["elderly"].metadata["failing_id_number_checksum"].value == 5
    accounts = {
        e.asset_key.path[-1]: e.passed for e in result.get_asset_check_evaluations() if e.check_name == "rows_add_up"
    }
    assert accounts == {"low_income": True, "elderly": True}  # held rows are counted, not lost
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert {("core", "low_income"), ("core", "elderly"), ("staging", "elderly")} <= materialized
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:  # held: none of its rows staged
        assert con.execute("SELECT count(*) FROM staging.elderly").fetchone() == (0,)
