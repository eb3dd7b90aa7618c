"""Columns known but not mapped (issue 17, point 3): ``ignore`` keeps a column in raw and out of staging,
``drop`` never stores it; neither is drift, so ``contract: stop`` takes the file the spec was drafted from."""

import json
import textwrap

import pytest

from connectors.spec import SpecError, load_spec
from warehouse.database import connect, quote_name
from warehouse.intake import land_source
from warehouse.staging import stage

CARD = "6222021001115556667"
"""A bank card number in the dropped column: it must be found nowhere in the warehouse."""
SPEC = """
    name: allowances
    title: 老年综合津贴发放名册
    owner: 民政局
    level: D
    format: csv
    files: "*.csv"
    settle_seconds: 0
    delivery: {delivery}
    contract: stop
    record_kind: person
    record_key: [身份证号]
    columns:
      姓名: {{to: name}}
      身份证号: {{to: id_number}}
    ignore:
      序号: a row counter, renumbered every month
    drop:
      银行卡号: paid by the bank; the card number is not needed here and must not be kept
"""
DELIVERY = f"序号,姓名,身份证号,银行卡号\n1,张三,310101195001011236,{CARD}\n2,李四,310101196003035412,{CARD[:-1]}8\n"


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    folder = tmp_path / "landing" / "allowances"
    folder.mkdir(parents=True)

    def spec(text: str = SPEC, delivery: str = "snapshot"):
        path = tmp_path / "allowances.yaml"
        path.write_text(textwrap.dedent(text.format(delivery=delivery)), encoding="utf-8")
        return load_spec(path)

    def deliver(name: str, text: str) -> None:
        (folder / name).write_text(text, encoding="utf-8")

    con = connect()
    yield spec, deliver, con
    con.close()


def _every_text(con) -> list[str]:
    """Every text value and column name of every table of the warehouse."""
    found = []
    for schema, table, column in con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'JSON') OR data_type LIKE '%[]'"
    ).fetchall():
        found.append(column)
        name = f"{quote_name(schema)}.{quote_name(table)}"
        found += [str(v) for (v,) in con.execute(f"SELECT {quote_name(column)} FROM {name}").fetchall() if v]
    return found


def test_stop_takes_the_drafted_file_keeps_ignored_in_raw_and_stores_no_dropped_value(setup):
    spec, deliver, con = setup
    allowances = spec()
    deliver("名册_202610.csv", DELIVERY)
    (landed,) = land_source(con, allowances).deliveries
    assert landed.status == "loaded" and landed.rows_loaded == 2
    assert con.execute("SELECT count(*) FROM meta.schema_drift").fetchone() == (0,)
    raw_columns = [c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE raw.allowances)").fetchall()]
    assert "序号" in raw_columns and "银行卡号" not in raw_columns
    stage(con, allowances)
    staged = con.execute("SELECT name, _extra FROM staging.allowances ORDER BY _row_number").fetchall()
    assert [name for name, _ in staged] == ["张三", "李四"]
    assert all(extra is None or "序号" not in json.loads(extra) for _, extra in staged)
    assert not [text for text in _every_text(con) if CARD[:12] in text]


def test_a_column_both_mapped_and_ignored_or_dropped_is_refused_naming_the_file(setup, tmp_path):
    spec, _, _ = setup
    both = SPEC.replace("序号: a row counter", "姓名: a row counter")
    with pytest.raises(SpecError, match=r"allowances\.yaml: .*姓名 is both mapped and in ignore"):
        spec(both)
    twice = SPEC + "      序号: also dropped\n"
    with pytest.raises(SpecError, match="序号 is both in ignore and in drop"):
        spec(twice)
    no_reason = SPEC.replace("序号: a row counter, renumbered every month", "序号: ''")
    with pytest.raises(SpecError, match=r"ignore\.序号"):
        spec(no_reason)


def test_a_column_landed_before_the_spec_dropped_it_leaves_raw_at_the_next_delivery(setup):
    spec, deliver, con = setup
    before = SPEC.replace(
        "    drop:\n      银行卡号: paid by the bank; the card number is not needed here and must not be kept\n", ""
    )
    deliver("名册_202609.csv", DELIVERY)
    land_source(con, spec(before.replace("contract: stop", "contract: evolve")))
    assert any(CARD in text for text in _every_text(con))  # the card landed under the old spec
    deliver("名册_202610.csv", DELIVERY.replace("张三", "张三丰"))
    (landed,) = land_source(con, spec()).deliveries
    assert any("银行卡号 of earlier deliveries removed from raw.allowances" in note for note in landed.notes)
    stage(con, spec())
    assert not [text for text in _every_text(con) if CARD[:12] in text]


def test_a_changes_file_re_sent_with_a_dropped_column_lands_only_its_new_rows(setup):
    spec, deliver, con = setup
    changes = spec(delivery="changes")
    deliver("名册.csv", DELIVERY)
    land_source(con, changes)
    deliver("名册.csv", DELIVERY + f"3,王五,310101197005058815,{CARD}\n")
    (again,) = land_source(con, changes).deliveries
    assert again.rows_loaded == 1
    assert con.execute("SELECT count(*) FROM raw.allowances").fetchone() == (3,)
