"""Ledgers that print: every column as wide as its content (no ### date, no cut ID number), borders on the table,
landscape A4 one page wide with the header on every page, 填报单位 and 填报日期 filled; committees by name or all."""

from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from commands.housekey import app
from data_samples.generator.generate import SAMPLES
from warehouse.ledgers import MARGIN, WIDEST, fill_ledger, shown_width

TEMPLATES = sorted((SAMPLES / "templates").glob("*.xlsx"))
COMMITTEE = "310101023005"  # 南昌居委会: elderly people living alone, rentals and shops


@pytest.fixture(scope="module")
def con(full_warehouse: Path):
    with duckdb.connect(str(full_warehouse), read_only=True) as connection:
        yield connection


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_a_filled_ledger_fits_its_content_and_the_page(con, template, tmp_path):
    filled = fill_ledger(con, template, COMMITTEE, tmp_path / template.name)
    sheet = load_workbook(filled.path).worksheets[0]
    header = next(r for r in range(1, 11) if sheet.cell(r, 1).value == "序号")
    assert sheet.max_row == header + filled.rows and filled.rows > 0
    for column in range(1, sheet.max_column + 1):
        letter = sheet.cell(header, column).column_letter
        width = sheet.column_dimensions[letter].width
        for row in range(header, sheet.max_row + 1):
            cell = sheet.cell(row, column)
            needed = shown_width(cell)
            # a value fits its column, or wraps inside it: nothing is cut and no date shows as ###
            assert width >= min(needed, WIDEST) + MARGIN, (letter, cell.value, width)
            assert needed <= WIDEST or cell.alignment.wrap_text, (letter, cell.value)
            assert cell.border.left.style == cell.border.bottom.style == "thin", (letter, row)
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"$1:${header}"
    above = " ".join(str(sheet.cell(r, 1).value or "") for r in range(1, header))
    assert "填报单位：南昌居委会" in above and "填报日期：2026年11月01日" in above


def test_committees_by_name_or_all(full_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "housekey.duckdb"))
    for name in (full_warehouse.name,):
        (tmp_path / name).write_bytes(full_warehouse.read_bytes())
    template = SAMPLES / "templates" / "沿街商铺台账.xlsx"
    by_name = CliRunner().invoke(app, ["export", "ledger", str(template), "--committee", "南昌"])
    assert by_name.exit_code == 0, by_name.output
    assert (tmp_path / "ledgers" / f"{template.stem}_南昌居委会_{COMMITTEE}.xlsx").exists()
    every = CliRunner().invoke(app, ["export", "ledger", str(template), "--committee", "all"])
    assert every.exit_code == 0, every.output
    with duckdb.connect(str(full_warehouse), read_only=True) as con:
        (committees,) = con.execute("SELECT count(DISTINCT committee_code) FROM core.houses").fetchone()
    assert len(list((tmp_path / "ledgers").glob(f"{template.stem}_*.xlsx"))) == committees > 1
    unknown = CliRunner().invoke(app, ["export", "ledger", str(template), "--committee", "no such place"])
    assert unknown.exit_code == 1 and "no residents' committee named" in unknown.output
