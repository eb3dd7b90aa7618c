"""Writers of the native shapes departments export, each returning where every data row landed.

A ``Table`` is what an exporter hands over: header, rows and, aligned with the rows, the truth of
what each row refers to. Writers return the 1-based row number (line, Excel row, record index) of
each data row, so the truth can name the exact row a reader will report.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

_FIXED_TIME = datetime(2026, 11, 1, 8, 0, 0)  # workbook metadata time, so the same seed gives the same bytes


@dataclass
class Table:
    header: list[str]
    rows: list[list]
    truth: list[dict]
    """One dict per row: house_id, person_id, business_id, event_id (any may be missing)."""
    sheet: str | None = None
    title: str | None = None
    notes: list[str] = field(default_factory=list)
    groups: list[tuple[str, int, int]] = field(default_factory=list)
    """Merged top header cells over data columns: (label, first column, last column), 0-based.
    Columns inside a group are named 'label/sub' once flattened; others span both header rows."""
    totals: bool = False
    footnotes: list[str] = field(default_factory=list)
    hidden: bool = False
    hidden_columns: list[int] = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".6G")  # what Excel shows for a number in General format
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def write_csv(path: Path, table: Table, encoding: str = "utf-8", delimiter: str = ",") -> list[int]:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(table.header)
    numbers, line = [], 2
    for row in table.rows:
        values = [_text(v) for v in row]
        writer.writerow(values)
        numbers.append(line)
        line += 1 + sum(v.count("\n") for v in values)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return numbers


def write_json(path: Path, table: Table, records_path: str | None = None, envelope: dict | None = None) -> list[int]:
    records = [{k: v for k, v in zip(table.header, row, strict=False) if v is not None} for row in table.rows]
    document: object = records
    if records_path:
        document = dict(envelope or {})
        document[records_path] = records
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return list(range(1, len(records) + 1))


def write_jsonl(path: Path, table: Table) -> list[int]:
    lines = [
        json.dumps(
            {k: v for k, v in zip(table.header, row, strict=False) if v is not None}, ensure_ascii=False, default=str
        )
        for row in table.rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return list(range(1, len(lines) + 1))


def write_fixed_width(path: Path, table: Table, widths: list[int], encoding: str = "gb18030") -> list[int]:
    """No header line: old systems document the layout, not the columns. Widths count characters."""
    lines = ["".join(_text(v)[:w].ljust(w) for v, w in zip(row, widths, strict=False)) for row in table.rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return list(range(1, len(lines) + 1))


def write_xlsx(path: Path, tables: list[Table]) -> list[list[int]]:
    """A workbook with one sheet per table: title, notes, a merged two-row header, totals, footnotes."""
    import xlsxwriter

    # Constant-memory mode writes row by row, which loses the cells of vertically merged headers.
    streaming = not any(t.groups for t in tables)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": streaming, "strings_to_numbers": False})
    workbook.set_properties({"created": _FIXED_TIME, "author": "housekey sample world"})
    bold = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    placed = []
    for table in tables:
        sheet = workbook.add_worksheet(table.sheet)
        row = 0
        if table.title:
            sheet.merge_range(row, 0, row, max(1, len(table.header) - 1), table.title, bold)
            row += 1
        for note in table.notes:
            sheet.write_string(row, 0, note)
            row += 1
        row = _write_header(sheet, row, table, bold)
        numbers = []
        for values in table.rows:
            for col, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(row, col, value, time_format)
                elif isinstance(value, date):
                    sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), date_format)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(row, col, value)
                else:
                    sheet.write_string(row, col, str(value))
            numbers.append(row + 1)
            row += 1
        if table.totals:
            sheet.write_string(row, 0, "合计")
            sheet.write_string(row, 1, f"共{len(table.rows)}条")
            row += 1
        if table.footnotes:
            row += 1  # a blank line before the signature block, as ledgers have
            for note in table.footnotes:
                sheet.write_string(row, 0, note)
                row += 1
        for col in table.hidden_columns:
            sheet.set_column(col, col, None, None, {"hidden": True})
        if table.hidden:
            sheet.hide()
        placed.append(numbers)
    workbook.close()
    return placed


def _write_header(sheet, row: int, table: Table, bold) -> int:
    if not table.groups:
        for col, name in enumerate(table.header):
            sheet.write_string(row, col, name, bold)
        return row + 1
    grouped = {}
    for label, first, last in table.groups:
        sheet.merge_range(row, first, row, last, label, bold)
        for col in range(first, last + 1):
            grouped[col] = label
    for col, name in enumerate(table.header):
        if col in grouped:
            sheet.write_string(row + 1, col, name.split("/", 1)[1], bold)
        else:
            sheet.merge_range(row, col, row + 1, col, name, bold)
    return row + 2


def write_xls(path: Path, tables: list[Table]) -> list[list[int]]:
    """A legacy BIFF workbook (Excel 97-2003), one sheet per table, header on the first row."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    placed = []
    for table in tables:
        sheet = book.add_sheet(table.sheet or "Sheet1")
        for col, name in enumerate(table.header):
            sheet.write(0, col, name)
        for r, values in enumerate(table.rows, start=1):
            for col, value in enumerate(values):
                if isinstance(value, date):
                    sheet.write(r, col, value, date_style)
                elif value is not None:
                    sheet.write(r, col, value)
        placed.append(list(range(2, len(table.rows) + 2)))
    book.save(str(path))
    return placed
