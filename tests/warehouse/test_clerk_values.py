"""Values as clerks write them, staged from real files into a real warehouse: identifiers with a tab, an
apostrophe or Excel's ="…" before them, two phones in one cell, a side value the suite refuses (a grid code
WG37), a date written to the month. Each unreadable side value costs the value, not the row; the row is
quarantined whole only when its record key or its reason to exist cannot be read; rows still add up."""

import textwrap

from stdnum.cn import ric

from connectors.spec import load_spec
from quality.report import render
from warehouse.accounting import row_accounts
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.privacy import mask_phone
from warehouse.staging import stage

CASES = """
    name: group_rentals
    title: 群租整治台账
    owner: 街道城运中心
    level: S
    format: csv
    files: "*.csv"
    evidence: {held_above: 0.5}  # two of six rows fail whole here, on purpose
    record_kind: event
    record_key: [案件编号]
    columns:
      案件编号: {to: event_ref}
      发现时间: {to: occurred_at}
      地址: {to: address}
      网格: {to: grid_code}
      当事人: {to: person_name}
      身份证号: {to: id_number}
      联系电话: {to: phone}
"""
ROSTER = """
    name: elderly_allowance
    title: 老年综合津贴发放名册
    owner: 民政
    level: S
    format: csv
    files: "*.csv"
    record_kind: person
    record_key: [序号]
    columns:
      序号: {to: person_ref}
      姓名: {to: name}
      身份证号: {to: id_number, transform: text}
      出生年月: {to: birth_date}
"""


def valid_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


ID = "310108198909174893"  # the issue's own example: valid
OTHER = valid_id("31010119590803712")
WRONG = OTHER[:17] + ("1" if OTHER[17] != "1" else "2")


def _land(tmp_path, monkeypatch, spec_text: str, name: str, lines: list[str]):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    spec_file = tmp_path / f"{name}.yaml"
    spec_file.write_text(textwrap.dedent(spec_text), encoding="utf-8")
    spec = load_spec(spec_file)
    folder = tmp_path / "landing" / name
    folder.mkdir(parents=True)
    (folder / "2026-10.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = connect(tmp_path / "wh.duckdb")
    land_source(con, spec)
    return con, spec


def test_side_values_cost_the_value_and_the_key_or_reason_to_exist_the_row(tmp_path, monkeypatch):
    lines = [
        "案件编号,发现时间,地址,网格,当事人,身份证号,联系电话",
        f'A1,2026-10-01 09:00,瑞金二路1号,310101023-WG07,张三,"\t{ID}",16980841468/021-66325548',
        f"A2,2026-10-02 09:00,瑞金二路2号,WG37,李四,'{OTHER},13912345678；13812345678",
        f'A3,2026-10-03 09:00,瑞金二路3号,310101023-WG07,王五,"=""{OTHER}""",139 1234 5678',
        f"A4,2026-10-04 09:00,瑞金二路4号,310101023-WG07,赵六,{WRONG},95588",
        "A5,不详,瑞金二路5号,310101023-WG07,孙七,,13912345678",  # no time: the event has no reason to exist
        f"A1,2026-10-06 09:00,瑞金二路6号,310101023-WG07,周八,{ID},13912345678",  # the record key again
    ]
    con, spec = _land(tmp_path, monkeypatch, CASES, "group_rentals", lines)
    result = stage(con, spec)
    staged = con.execute(
        "SELECT event_ref, grid_code, id_number, phone FROM staging.group_rentals ORDER BY _row_number"
    ).fetchall()
    assert staged == [
        ("A1", "310101023-WG07", ID, "16980841468;02166325548"),
        ("A2", None, OTHER, "13912345678;13812345678"),
        ("A3", "310101023-WG07", OTHER, "13912345678"),
        ("A4", "310101023-WG07", None, None),
    ]
    quarantined = con.execute(
        "SELECT row_number, column_name, rule, value, is_row_kept FROM quality.quarantine ORDER BY row_number, rule"
    ).fetchall()
    assert quarantined == [
        (3, "网格", "suite:event.grid_code_in_street", "WG37", True),
        (5, "身份证号", "suite:event.id_number_checksum", WRONG, True),
        (5, "联系电话", "transform_phone", "95588", True),
        (6, "发现时间", "transform_datetime", "不详", False),
        (7, "event_ref", "suite:event.record_key_unique", "A1", False),
    ]
    assert (result.rows_raw, result.rows_staged, result.rows_quarantined) == (6, 4, 2)
    (account,) = row_accounts(con, ["group_rentals"])
    assert account.balanced and (account.delivered, account.staged, account.quarantined) == (6, 4, 2)
    assert account.values_quarantined == 3
    assert con.execute("SELECT count(*) FROM quality.quarantined_rows").fetchone() == (2,)
    assert mask_phone(staged[0][3]) == "169****1468;021****5548"  # the analyst copy masks every phone of a cell
    con.close()


def test_a_text_mapped_id_number_with_a_tab_passes_its_checksum_and_a_month_stays_a_month(tmp_path, monkeypatch):
    lines = [
        "序号,姓名,身份证号,出生年月",
        f'1,张三,"\t{ID}",1989.09',
        f"2,李四,{OTHER},1959年8月",
        f"3,王五,{OTHER},195908",
        f"4,赵六,{OTHER},1959-08-03",
        f"5,钱七,{OTHER},1959",
        f"6,孙八,{OTHER},1959-13",  # no month: the value alone is lost
    ]
    con, spec = _land(tmp_path, monkeypatch, ROSTER, "elderly_allowance", lines)
    stage(con, spec)
    staged = con.execute(
        "SELECT id_number, birth_date::VARCHAR, _date_precision FROM staging.elderly_allowance ORDER BY _row_number"
    ).fetchall()
    assert staged == [
        (ID, "1989-09-01", {"birth_date": "month"}),
        (OTHER, "1959-08-01", {"birth_date": "month"}),
        (OTHER, "1959-08-01", {"birth_date": "month"}),
        (OTHER, "1959-08-03", None),
        (OTHER, "1959-01-01", {"birth_date": "year"}),
        (OTHER, None, None),
    ]
    assert con.execute("SELECT column_name, rule, is_row_kept FROM quality.quarantine").fetchall() == [
        ("出生年月", "transform_date", True)
    ]
    html = render(con, {spec.name: spec})
    assert "4 rows give a date to the month or year only: kept as such" in html
    assert "<td>出生年月</td><td>value</td><td>1</td>" in html
    con.close()
