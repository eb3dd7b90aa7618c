"""Filling the sample department templates: the written files are read back and checked against the
warehouse and the generator's truth."""

from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from data_samples.generator.generate import SAMPLES
from warehouse.ledgers import fill_ledger

TEMPLATES = SAMPLES / "templates"
TRUTH = SAMPLES / "truth"
COMMITTEE = "310101023005"  # 南昌居委会: elderly people living alone, rentals and shops


@pytest.fixture(scope="module")
def con(full_warehouse: Path):
    connection = duckdb.connect(str(full_warehouse), read_only=True)
    for name in ("people", "houses", "businesses"):
        connection.execute(
            f"CREATE TEMP VIEW truth_{name} AS SELECT * FROM read_csv('{TRUTH / name}.csv', all_varchar=true)"
        )
    yield connection
    connection.close()


def written(con, template: str, tmp_path: Path) -> tuple[list[tuple], list[dict]]:
    """Fill the template for COMMITTEE; the rows above the data, and the data rows by column name."""
    filled = fill_ledger(con, TEMPLATES / f"{template}.xlsx", COMMITTEE, tmp_path / f"{template}.xlsx")
    rows = list(load_workbook(filled.path).worksheets[0].iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "序号")
    records = [dict(zip(rows[header_at], row, strict=False)) for row in rows[header_at + 1 :]]
    assert len(records) == filled.rows > 0
    assert [r["序号"] for r in records] == list(range(1, filled.rows + 1))
    return rows[: header_at + 1], records


def test_elderly_living_alone_ledger_lists_the_truths_people(con, tmp_path):
    top, records = written(con, "独居老人关爱台账", tmp_path)
    assert top[0][0] == "瑞金二路街道南昌居委会独居老人关爱台账"  # 【居委会】 filled in
    assert "张三（示例）" not in {r["姓名"] for r in records}  # the template's example row is gone
    truth = {
        row[0]: row[1:]
        for row in con.execute(
            """
        SELECT p.id_number, p.name, p.phone FROM truth_people p JOIN truth_houses h ON h.house_id = p.home_house_id
        WHERE p.flags LIKE '%elderly_alone%' AND h.committee_code = ?""",
            [COMMITTEE],
        ).fetchall()
    }
    assert {r["身份证号码"] for r in records} == set(truth)
    for record in records:
        assert isinstance(record["身份证号码"], str)  # text, never 3.10101E+17
        assert record["姓名"] == truth[record["身份证号码"]][0]
        assert record["年龄"] >= 60 and record["性别"] in ("男", "女")
        assert record["备注"] is None  # a column no field fills stays empty


def test_rental_ledger_names_the_truths_landlords_and_tenants(con, tmp_path):
    _, records = written(con, "出租房屋登记台账", tmp_path)
    truth = con.execute(
        """
        SELECT h.address, list(DISTINCT t.name ORDER BY t.name), any_value(l.id_number)
        FROM truth_people t JOIN truth_houses h ON h.house_id = t.rents
        LEFT JOIN truth_people l ON l.person_id = t.landlord_person_id
        WHERE h.committee_code = ? GROUP BY h.address""",
        [COMMITTEE],
    ).fetchall()
    truth = {address: (tenants, landlord) for address, tenants, landlord in truth}
    for record in records:
        tenants, landlord = truth[record["房屋坐落"]]
        assert record["出租人身份证号"] == landlord
        assert set(record["承租人"].split("、")) <= set(tenants)
        assert record["承租人数"] == len(record["承租人"].split("、"))
        assert record["是否群租"] in ("是", "否")
    assert len(records) >= 0.9 * len(truth)  # a let home without a registered lease is not in the ledger


def test_shop_ledger_lists_the_committees_trading_businesses(con, tmp_path):
    _, records = written(con, "沿街商铺台账", tmp_path)
    expected = {
        row[0]
        for row in con.execute(
            """
        SELECT b.credit_code FROM core.businesses b JOIN core.houses h USING (house_id)
        WHERE h.committee_code = ? AND NOT b.is_deregistered""",
            [COMMITTEE],
        ).fetchall()
    }
    assert {r["社会信用代码"] for r in records} == expected
    truth = dict(con.execute("SELECT credit_code, legal_name FROM truth_businesses").fetchall())
    for record in records:
        assert record["企业名称"] == truth[record["社会信用代码"]]
        assert record["是否持食品经营许可"] in ("是", "否")
        assert record["门前三包责任人"] is None


def test_a_template_no_ledger_declares_is_refused(con, tmp_path):
    unknown = tmp_path / "消防台账.xlsx"
    unknown.write_bytes((TEMPLATES / "沿街商铺台账.xlsx").read_bytes())
    with pytest.raises(ValueError, match="no ledger"):
        fill_ledger(con, unknown, COMMITTEE, tmp_path / "out.xlsx")
    with pytest.raises(ValueError, match="no residents' committee"):
        fill_ledger(con, TEMPLATES / "沿街商铺台账.xlsx", "999", tmp_path / "out.xlsx")


def test_housekey_export_ledger_writes_the_file(con, full_warehouse, tmp_path, monkeypatch):
    from commands.housekey import app

    alone = con.execute(
        """SELECT count(*) FROM truth_people p JOIN truth_houses h ON h.house_id = p.home_house_id
           WHERE p.flags LIKE '%elderly_alone%' AND h.committee_code = ?""",
        [COMMITTEE],
    ).fetchone()[0]

    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(full_warehouse))
    out = tmp_path / "ledger.xlsx"
    result = CliRunner().invoke(
        app, ["export", "ledger", str(TEMPLATES / "独居老人关爱台账.xlsx"), "--committee", COMMITTEE, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"独居老人关爱台账: {alone} rows" in result.output and "备注" in result.output
    assert load_workbook(out).worksheets[0].max_row == 3 + alone


FORMULAS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def test_values_that_look_like_formulas_are_written_as_text(full_warehouse, tmp_path):
    """A source value such as =cmd|' /C calc'!A0 reaches the ledger as the text it is, never as a formula."""
    import shutil

    warehouse = tmp_path / "housekey.duckdb"
    shutil.copyfile(full_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        ids = [
            b
            for (b,) in con.execute(
                "SELECT business_id FROM core.businesses JOIN core.houses USING (house_id) "
                "WHERE committee_code = ? AND NOT is_deregistered ORDER BY 1",
                [COMMITTEE],
            ).fetchall()
        ]
        for number, business_id in enumerate(ids):  # two columns each, so that every form is written
            con.execute(
                "UPDATE core.businesses SET sign_name = ?, category = ? WHERE business_id = ?",
                [FORMULAS[number % len(FORMULAS)], FORMULAS[-1 - number % len(FORMULAS)], business_id],
            )
        con.execute(
            "UPDATE core.houses SET committee_name = '=HYPERLINK(\"http://x\")' WHERE committee_code = ?", [COMMITTEE]
        )
        filled = fill_ledger(con, TEMPLATES / "沿街商铺台账.xlsx", COMMITTEE, tmp_path / "out.xlsx")
    assert 2 * len(ids) >= len(FORMULAS)
    cells = [cell for row in load_workbook(filled.path).worksheets[0].iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert oct(filled.path.stat().st_mode & 0o777) == "0o600"  # it lists ID numbers: owner-only
    shown = {cell.value: cell.data_type for cell in cells if isinstance(cell.value, str)}
    read_back = [f.replace("\r", "\n") for f in FORMULAS]  # XML reads a carriage return as a line feed
    assert {formula: shown.get(formula) for formula in read_back} == dict.fromkeys(read_back, "s")
    named = [t for v, t in shown.items() if "=HYPERLINK" in v]  # the committee's name: in the title, 填报单位
    assert named and set(named) == {"s"}
