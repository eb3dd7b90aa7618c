"""The Excel reader on real workbooks written with xlsxwriter (xlsx) and xlwt (legacy xls)."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter
import xlwt

from connectors.readers import ReadError
from connectors.readers.excel import read
from connectors.readers.excel_cells import general_number
from connectors.spec import SourceSpec


def _spec(excel: dict | None = None, columns: dict | None = None) -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "elderly_care",
            "title": "独居老人关爱台账",
            "owner": "居委会",
            "level": "S",
            "format": "excel",
            "record_kind": "person",
            "columns": columns
            or {"姓名": {"to": "name"}, "身份证号": {"to": "id_number"}, "家属/电话": {"to": "phone"}},
            **({"excel": excel} if excel else {}),
        }
    )


@pytest.fixture
def ledger(tmp_path):
    """A committee ledger: title, a notes line, merged two-row header, totals, footnotes, hidden
    ID column, and a hidden sheet."""
    path = tmp_path / "ledger.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("南京东路居委")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.merge_range("A1:F1", "2026年独居老人关爱台账")
    sheet.write("A2", "填报单位：南京东路街道")
    sheet.write("D2", "填报日期：2026-03-31")
    sheet.merge_range("A3:A4", "序号")
    sheet.merge_range("B3:B4", "姓名")
    sheet.merge_range("C3:C4", "身份证号")
    sheet.merge_range("D3:E3", "家属")
    sheet.write_row("D4", ["姓名", "电话"])
    sheet.merge_range("F3:F4", "走访日期")
    sheet.write_row("A5", [1, "张三", "310101195001011234", "张小三", "13812345678"])
    sheet.write_datetime("F5", dt.date(2026, 3, 5), date)
    sheet.write_row("A7", [2, "李四", 310101195001011234, "李小四", 13912345678])
    sheet.write_datetime("F7", dt.datetime(2026, 3, 5, 14, 30), stamp)
    sheet.write_row("A8", ["合 计", "2人"])
    sheet.write("A10", "填表人：王五")
    sheet.write("A11", "填表日期：2026年3月31日")
    sheet.set_column("C:C", None, None, {"hidden": True})
    hidden = book.add_worksheet("说明")
    hidden.write("A1", "内部使用")
    hidden.hide()
    book.close()
    return path


def test_merged_two_row_header_totals_footnotes_and_hidden_things(ledger):
    delivered = read(ledger, _spec({"header_rows": 2}))
    [part] = delivered.parts
    assert part.sheet == "南京东路居委"
    assert part.header == ["序号", "姓名", "身份证号", "家属/姓名", "家属/电话", "走访日期"]
    assert part.rows == [
        ["1", "张三", "310101195001011234", "张小三", "13812345678", "2026-03-05"],
        ["2", "李四", "3.10101E+17", "李小四", "13912345678", "2026-03-05 14:30:00"],
    ]
    assert part.row_numbers == [5, 7]
    assert delivered.notes == [
        "hidden sheets not read: 说明",
        "sheet '南京东路居委': header at row 3, rows above it skipped",
        "sheet '南京东路居委': skipped 1 totals row, 2 footnote rows",
        "sheet '南京东路居委': hidden columns read: C (身份证号)",
    ]


def test_a_hidden_sheet_named_in_the_spec_is_read(ledger):
    delivered = read(ledger, _spec({"sheets": ["说明"]}, columns={"姓名": {"to": "name"}}))
    assert [(p.sheet, p.header, p.rows) for p in delivered.parts] == [("说明", ["内部使用"], [])]
    assert delivered.notes == ["sheet '说明' is hidden; read because the spec names it"]


def test_a_missing_sheet_names_file_and_sheet(ledger):
    with pytest.raises(ReadError, match="has no sheet '3月'") as error:
        read(ledger, _spec({"sheets": ["3月"]}))
    assert str(ledger) in str(error.value)


@pytest.fixture
def monthly(tmp_path):
    """Rental registrations, one sheet per month, an empty default sheet, cell types of every kind."""
    path = tmp_path / "rentals.xlsx"
    book = xlsxwriter.Workbook(path)
    date = book.add_format({"num_format": "yyyy/m/d"})
    january = book.add_worksheet("1月")
    january.write_row("A1", ["姓名", "身份证号", "门牌", "面积", "租金", "已备案", "起租日"])
    january.write_row("A2", ["张三", 310101195001011234, "00123", 12.0, 3500.5, True])
    january.write_number("G2", 46086, date)
    january.write_row("A3", ["李四", "310101195001011234", "0012", 0.1 + 0.2, 12345678901.0, False])
    february = book.add_worksheet("2月")
    february.write_row("B3", ["姓名", "身份证号", "门牌"])
    february.write_row("B4", ["王五", "31010119800101123X", "5号"])
    february.set_column("C:C", None, None, {"hidden": True})
    book.add_worksheet("Sheet3")
    book.close()
    return path


def test_every_visible_sheet_is_a_part_with_values_as_excel_shows_them(monthly):
    delivered = read(monthly, _spec())
    january, february = delivered.parts
    assert january.sheet == "1月"
    assert january.rows == [
        ["张三", "3.10101E+17", "00123", "12", "3500.5", "TRUE", "2026-03-05"],
        ["李四", "310101195001011234", "0012", "0.3", "12345678901", "FALSE", None],
    ]
    assert january.row_numbers == [2, 3]
    assert (february.sheet, february.header, february.rows) == (
        "2月",
        ["姓名", "身份证号", "门牌"],
        [["王五", "31010119800101123X", "5号"]],
    )
    assert february.row_numbers == [4]
    assert delivered.notes == [
        "sheet '2月': header at row 3, rows above it skipped",
        "sheet '2月': hidden columns read: C (身份证号)",
        "sheet 'Sheet3' is empty",
    ]


def test_header_found_by_spec_columns_below_a_two_cell_notes_row(tmp_path):
    path = tmp_path / "notes_above.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("台账")
    sheet.write_row("A1", ["填报单位：瑞金二路街道", None, "单位：人"])
    sheet.write_row("A2", ["序号", "居民姓名", "证件号码", "联系电话"])
    sheet.write_row("A3", [1, "张三", "310101195001011234", "13812345678"])
    book.close()
    columns = {"居民姓名": {"to": "name"}, "身份证号": {"to": "id_number", "aliases": ["证件号码"]}}
    [part] = read(path, _spec(columns=columns)).parts
    assert part.header == ["序号", "居民姓名", "证件号码", "联系电话"]
    assert (part.rows, part.row_numbers) == ([["1", "张三", "310101195001011234", "13812345678"]], [3])
    # Without a row naming the spec's columns the file fails, naming the sheet, rather than guess the notes row.
    with pytest.raises(ReadError, match=r"sheet '台账': no row among the first 100 names at least half"):
        read(path, _spec(columns={"户号": {"to": "household_ref"}}))
    # An explicit header row is taken as given.
    [explicit] = read(path, _spec({"header_row": 2}, columns={"户号": {"to": "household_ref"}})).parts
    assert explicit.row_numbers == [3]


def test_a_remark_starting_with_a_footnote_word_does_not_hide_the_last_data_row(tmp_path):
    path = tmp_path / "renovations.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("装修备案")
    sheet.write_row("A1", ["姓名", "地址", "面积", "备注"])
    sheet.write_row("A2", ["张三", "长乐路1号", 80, "注：已整改"])
    sheet.write_row("A3", [None, "合 计", 80])
    sheet.write_row("A4", [None, None, "审核人：李四"])
    book.close()
    delivered = read(path, _spec(columns={"姓名": {"to": "name"}}))
    assert delivered.parts[0].rows == [["张三", "长乐路1号", "80", "注：已整改"]]
    assert delivered.notes == ["sheet '装修备案': skipped 1 totals row, 1 footnote row"]


def test_a_signature_by_the_clerk_and_a_numbered_note_on_two_rows_are_footnotes(tmp_path):
    """What issue 17's ledgers end with (tests/connectors/exports): 经办人 signs, and a note's second item
    ("2. ...") stands on a row of its own under "注：1. ..."; neither is read as a person."""
    path = tmp_path / "allowance.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("2026年10月")
    sheet.write_row("A1", ["序号", "姓名", "地址", "金额", "备注"])
    sheet.write_row("A2", [1, "张三", "长乐路1号", 300, "2. 代领"])
    sheet.write_row("A3", ["合计", None, None, 300])
    sheet.write_row("A4", ["注：1. 本名册由街道核对；"])
    sheet.write_row("A5", ["    2. 银行卡号仅供发放使用。"])
    sheet.write_row("A6", ["经办人：周敏    审核人：陈建国"])
    book.close()
    delivered = read(path, _spec(columns={"姓名": {"to": "name"}}))
    assert delivered.parts[0].rows == [["1", "张三", "长乐路1号", "300", "2. 代领"]]
    assert delivered.notes == ["sheet '2026年10月': skipped 1 totals row, 3 footnote rows"]


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_a_door_merged_down_over_a_familys_rows_is_every_members_door(tmp_path, suffix):
    """A committee roster (issue 17's family_roster export): each family's 门牌 is one cell merged down over its
    members' rows; every member's row gets it. A remark merged across columns stays in its first column."""
    path = tmp_path / f"roster.{suffix}"
    rows = [
        ["门牌", "姓名", "备注", "说明"],
        ["永嘉路8弄1号201室", "韩国娜", "同住", None],
        [None, "姚兴", None, None],
        ["永嘉路8弄1号301室", "卢菊诺", None, None],
    ]
    if suffix == "xlsx":
        book = xlsxwriter.Workbook(path)
        sheet = book.add_worksheet("永嘉路8弄")
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
        sheet.merge_range("A2:A3", "永嘉路8弄1号201室")
        sheet.merge_range("C2:D2", "同住")
        book.close()
    else:
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("永嘉路8弄")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and (r, c) not in ((1, 0), (1, 2)):
                    sheet.write(r, c, value)
        sheet.write_merge(1, 2, 0, 0, "永嘉路8弄1号201室")
        sheet.write_merge(1, 1, 2, 3, "同住")
        book.save(str(path))
    delivered = read(path, _spec(columns={"门牌": {"to": "address"}, "姓名": {"to": "name"}}))
    assert delivered.parts[0].rows == [
        ["永嘉路8弄1号201室", "韩国娜", "同住", None],
        ["永嘉路8弄1号201室", "姚兴", None, None],
        ["永嘉路8弄1号301室", "卢菊诺", None, None],
    ]
    assert "sheet '永嘉路8弄': 1 cell merged down over data rows given their merged value" in delivered.notes


def test_legacy_xls_written_by_xlwt(tmp_path):
    path = tmp_path / "veterans.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("退役军人")
    sheet.write_merge(0, 0, 0, 3, "退役军人花名册")
    sheet.write(2, 0, "姓名")
    sheet.write(2, 1, "身份证号")
    sheet.write(2, 2, "入伍日期")
    sheet.write(2, 3, "年龄")
    sheet.write(3, 0, "张三")
    sheet.write(3, 1, 310101195001011234.0)
    sheet.write(3, 2, dt.date(1968, 3, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    sheet.write(3, 3, 76)
    sheet.write(4, 0, "合计")
    hidden = book.add_sheet("草稿")
    hidden.write(0, 0, "x")
    hidden.visibility = 1
    book.save(str(path))
    delivered = read(path, _spec())
    [part] = delivered.parts
    assert (part.sheet, part.header) == ("退役军人", ["姓名", "身份证号", "入伍日期", "年龄"])
    assert (part.rows, part.row_numbers) == ([["张三", "3.10101E+17", "1968-03-01", "76"]], [4])
    assert delivered.notes == [
        "hidden sheets not read: 草稿",
        "sheet '退役军人': header at row 3, rows above it skipped",
        "sheet '退役军人': skipped 1 totals row",
    ]


def test_header_only_sheet(tmp_path):
    path = tmp_path / "header_only.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("名单").write_row("A1", ["姓名", "身份证号"])
    book.close()
    [part] = read(path, _spec()).parts
    assert (part.header, part.rows, part.row_numbers) == (["姓名", "身份证号"], [], [])


def test_truncated_workbook_names_the_file(ledger, tmp_path):
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(ledger.read_bytes()[:2000])
    with pytest.raises(ReadError, match="is not a readable workbook") as error:
        read(path, _spec())
    assert str(path) in str(error.value)


def test_empty_workbook_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(ReadError, match=f"file {path} is empty"):
        read(path, _spec())


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12.0, "12"),
        (-12.5, "-12.5"),
        (0.1 + 0.2, "0.3"),
        (3.14159265358979, "3.141592654"),
        (1234567.891234, "1234567.891"),
        (12345678901.0, "12345678901"),
        (123456789012.0, "1.23457E+11"),
        (310101195001011234.0, "3.10101E+17"),
        (1e12, "1E+12"),
        (0.00001, "0.00001"),
        (0.0000123456789, "1.23457E-05"),
        (1e-10, "1E-10"),
        (0.000123456789, "0.000123457"),
        (0.0, "0"),
    ],
)
def test_general_number_format(value, shown):
    assert general_number(value) == shown


def test_a_workbook_that_would_unpack_past_the_limit_is_refused_unread(tmp_path, monkeypatch):
    """A zip bomb is refused from the zip's own directory: sizes are read, nothing is unpacked."""
    from connectors.readers import excel

    path = tmp_path / "bomb.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("名单")
    sheet.write_row("A1", ["姓名", "身份证号"])
    for row in range(1, 20000):  # repetitive rows: about 1 MiB of sheet XML in a file of a few KiB
        sheet.write_row(row, 0, ["张三", "310101195908037127"])
    book.close()
    assert len(read(path, _spec()).parts[0].rows) == 19999  # under the default limit it reads
    monkeypatch.setattr(excel, "MAX_UNPACKED_BYTES", 2**19)
    with pytest.raises(ReadError, match=r"bomb\.xlsx would unpack to .* past the limit .*zip bomb"):
        read(path, _spec())


def test_what_calamine_reads_as_empty_or_wrong_comes_back_as_excel_shows_it(tmp_path):
    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("名册")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for row in range(3):
        sheet.write_row(row, 0, [f"说明{row}", "见附件"])  # notes with two cells above the header
    sheet.write_row(3, 0, ["姓名", "身份证号", "登记日期", "备注"])
    for row, (name, id_number, day, note) in enumerate(
        [
            ("张三", 310101800101123, 59, ("=NA()", "#N/A")),
            (True, "310101198001011234", 60, ("=1/0", "#DIV/0!")),
            ("李四", "310101198001011234", 61, ("=A1+", "#REF!")),
        ],
        start=4,
    ):
        sheet.write(row, 0, name)
        sheet.write(row, 1, id_number)
        sheet.write_number(row, 2, day, date)
        sheet.write_formula(row, 3, *note[:1], None, note[1])
    book.close()
    delivered = read(path, _spec())
    (part,) = delivered.parts
    assert part.row_numbers == [5, 6, 7]
    assert part.rows == [
        ["张三", "310101800101123", "1900-02-28", "#N/A"],
        ["TRUE", "310101198001011234", "1900-02-29", "#DIV/0!"],
        ["李四", "310101198001011234", "1900-03-01", "#REF!"],
    ]
    assert (
        "sheet '名册': 3 cells hold an Excel error value, kept as its text: D5 #N/A, D6 #DIV/0!, D7 #REF!"
        in delivered.notes
    )
    assert any("1 date cells hold serial day 60" in note and "C6" in note for note in delivered.notes)
