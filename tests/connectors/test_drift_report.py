"""Drift that tells the change (issue 17, point 5): only real changes, renames proposed from the synonyms,
and a warning when a mapped column comes empty in every row."""

import pytest

from connectors.drift import detect_drift
from pipelines.dry_run import check_source
from warehouse.database import connect
from warehouse.intake import land_source

SPEC = """
    name: residents
    title: 实有人口
    owner: 公安分局
    level: S
    format: csv
    files: "*.csv"
    settle_seconds: 0
    contract: {contract}
    record_kind: person
    columns:
      姓名: {{to: name}}
      身份证号: {{to: id_number}}
      手机号码: {{to: phone}}
    ignore:
      序号: a row counter
    drop:
      备注: free text the committee writes about the family; not needed
"""


@pytest.fixture
def spec(spec_registry):
    return lambda contract="evolve": spec_registry.write_spec("residents", SPEC.format(contract=contract))


def test_ignored_and_dropped_columns_are_no_drift_present_or_absent(spec):
    residents = spec()
    assert not detect_drift(residents, ["序号", "姓名", "身份证号", "手机号码", "备注"]).is_drift
    assert not detect_drift(residents, ["姓名", "身份证号", "手机号码"]).is_drift


def test_a_new_header_meaning_a_missing_column_is_proposed_as_its_rename(spec):
    drift = detect_drift(spec(), ["序号", "姓名", "身份证号", "联系电话", "民族"])
    assert drift.added == ("联系电话", "民族") and drift.missing == ("手机号码",)
    assert drift.describe() == (
        "联系电话 looks like a rename of 手机号码 (both mean phone): add it to aliases; added 民族"
    )


def test_a_header_meaning_a_column_that_did_come_is_no_rename(spec):
    drift = detect_drift(spec(), ["姓名", "身份证号", "手机号码", "联系电话"])
    assert drift.proposed == () and drift.describe() == "added 联系电话"


def test_contract_stop_names_the_proposed_rename(spec, spec_registry):
    spec_registry.deliver("residents", "2026-11.csv", "姓名,身份证号,联系电话\n张三,310101195001011236,13812345678\n")
    with connect() as con:
        (held,) = land_source(con, spec("stop")).deliveries
    assert held.status == "failed"
    assert "联系电话 looks like a rename of 手机号码 (both mean phone): add it to aliases" in held.notes[0]


def test_a_mapped_column_empty_in_every_row_is_warned_at_landing_and_in_the_dry_run(spec, spec_registry):
    rows = "姓名,身份证号,手机号码,备注\n张三,310101195001011236,,独居\n李四,310101196003035412, ,\n"
    delivery = spec_registry.deliver("residents", "2026-11.csv", rows)
    warning = "2026-11.csv: mapped column 手机号码 (phone) is empty in every one of its 2 rows"
    report = check_source(spec(), [delivery])
    assert report.warnings == [warning] and warning not in report.notes
    assert report.rows_staged == 2 and report.refusal is None
    with connect() as con:
        (landed,) = land_source(con, spec()).deliveries
    assert landed.warnings == (warning,) and warning in landed.notes
    assert not any("身份证号" in w or "姓名" in w for w in report.warnings)


def test_stop_takes_a_column_under_an_alias_the_spec_lists_and_reports_the_rename(spec_registry):
    aliased = spec_registry.write_spec(
        "residents", SPEC.format(contract="stop").replace("{to: phone}", "{to: phone, aliases: [联系电话]}")
    )
    spec_registry.deliver("residents", "2026-11.csv", "姓名,身份证号,联系电话\n张三,310101195001011236,13812345678\n")
    with connect() as con:
        (landed,) = land_source(con, aliased).deliveries
        assert landed.status == "loaded"
        assert con.execute("SELECT renamed, action FROM meta.schema_drift").fetchall() == [
            (["手机号码 → 联系电话"], "loaded")
        ]
