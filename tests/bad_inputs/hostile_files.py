"""Builders of the corpus's files: valid rows of the default person ledger, and the workbooks,
texts and links that spoil them. Everything is made in memory from code, so the corpus needs no
committed binaries and every byte of a hostile file can be read here."""

from __future__ import annotations

import io
import json
import random
import zipfile
from dataclasses import dataclass

from stdnum.cn import ric

HEADER = ["姓名", "身份证号", "出生日期", "备注"]


def resident_id(birth: str, serial: int) -> str:
    """A valid 18-digit resident ID number of 黄浦区 for a birth date written YYYY-MM-DD."""
    body = f"310101{birth.replace('-', '')}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the body from a full-length number


def person(name: str, birth: str = "1980-01-01", serial: int = 123, note: str | None = "无") -> list[str | None]:
    """One valid ledger row: name, ID number (agreeing with the birth date), birth date, note."""
    return [name, resident_id(birth, serial), birth, note]


GOOD_ROWS = [person("张三"), person("李四", "1975-06-30", 456, "独居")]


def csv_text(rows: list[list[str | None]], header: list[str] = HEADER, sep: str = ",") -> str:
    """Delimited text with CRLF line ends, as Excel writes it; values are not quoted."""
    return "".join(sep.join(v or "" for v in row) + "\r\n" for row in [header, *rows])


def jsonl_text(rows: list[list[str | None]], header: list[str] = HEADER) -> str:
    return "".join(json.dumps(dict(zip(header, row, strict=False)), ensure_ascii=False) + "\n" for row in rows)


def fixed_width_text(rows: list[list[str | None]], widths: list[int]) -> str:
    return "".join("".join((v or "").ljust(w) for v, w in zip(row, widths, strict=False)) + "\n" for row in rows)


def random_bytes(size: int, seed: int = 5) -> bytes:
    return random.Random(seed).randbytes(size)


# --- workbooks ---


def xlsx(rows: list[list[object]], header: list[str] = HEADER, sheet: str = "名册", **openpyxl_sheet) -> bytes:
    """An xlsx workbook written by openpyxl (formulas are stored without a computed value)."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in [header, *rows]:
        ws.append(row)
    for name, value in openpyxl_sheet.items():
        setattr(ws, name, value)
    return _saved(book)


def xlsx_shared_strings(rows: list[list[str | None]]) -> bytes:
    """An xlsx workbook written by xlsxwriter: text in the shared strings table, control characters
    escaped (_x0007_) where openpyxl refuses them."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("名册")
    for r, row in enumerate([HEADER, *rows]):
        ws.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def xlsx_with_cached_formulas() -> bytes:
    """Formula cells carrying the value Excel computed, as a workbook saved by Excel has them."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("名册")
    ws.write_row(0, 0, HEADER)
    for r, (row, (formula, shown)) in enumerate(
        zip(
            [person("张三"), person("李四", serial=456), person("王五", serial=789)],
            [("=1+1", 2), ('=HYPERLINK("http://x.example/a","点此")', "点此"), ("=cmd|' /C calc'!A0", 0)],
            strict=False,
        ),
        start=1,
    ):
        ws.write_row(r, 0, row[:3])
        ws.write_formula(r, 3, formula, None, shown)
    book.close()
    return buffer.getvalue()


def xlsx_merged_title_and_header() -> bytes:
    """A title merged over the table, and the 备注 header merged over two columns that both hold data."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["2026年11月 居民名册"])
    ws.merge_cells("A1:E1")
    ws.append([*HEADER, None])
    ws.merge_cells("D2:E2")
    for row in GOOD_ROWS:
        ws.append([*row, "补充"])
    return _saved(book)


def xlsx_all_sheets_hidden() -> bytes:
    """Every sheet hidden (Excel will not save that; other programs do), the data in one of them."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "名册"
    for row in [HEADER, *GOOD_ROWS]:
        first.append(row)
    book.create_sheet("说明").append(["见名册"])
    saved = _saved(book)
    with zipfile.ZipFile(io.BytesIO(saved)) as package:
        workbook_xml = package.read("xl/workbook.xml")
    return rezipped(saved, {"xl/workbook.xml": workbook_xml.replace(b'state="visible"', b'state="hidden"')})


def xls(rows: list[list[str | None]]) -> bytes:
    """A legacy xls workbook (BIFF8, written by xlwt)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("名册")
    for r, row in enumerate([HEADER, *rows]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezipped(workbook: bytes, change: dict[str, bytes], level: int = 6) -> bytes:
    """The workbook's package with some parts replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, change.get(item.filename, source.read(item.filename)))
    return out.getvalue()


def sheet_xml(workbook: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(workbook)) as package:
        return package.read("xl/worksheets/sheet1.xml")


def with_flipped_sheet_bytes(workbook: bytes) -> bytes:
    """The workbook with bytes inside its compressed sheet stream overwritten (a damaged download)."""
    data = bytearray(workbook)
    with zipfile.ZipFile(io.BytesIO(workbook)) as package:
        info = package.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 10, start + min(info.compress_size - 2, 60)):
        data[i] ^= 0x5A
    return bytes(data)


def with_unused_shared_strings(workbook: bytes, count: int) -> bytes:
    """Many shared strings that no cell uses, as some exporters write a whole dictionary."""
    extra = "".join(f"<si><t>填充{i}</t></si>" for i in range(count))
    with zipfile.ZipFile(io.BytesIO(workbook)) as package:
        strings = package.read("xl/sharedStrings.xml").decode()
    strings = strings.replace("</sst>", extra + "</sst>")
    return rezipped(workbook, {"xl/sharedStrings.xml": strings.encode()}, level=9)


def with_padded_sheet(workbook: bytes, megabytes: int) -> bytes:
    """The sheet's XML blown up with whitespace between rows: a tiny file that unpacks large."""
    xml = sheet_xml(workbook)
    padded = xml.replace(b"</row>", b"</row>" + b" " * (megabytes * 2**20 // max(xml.count(b"</row>"), 1)))
    return rezipped(workbook, {"xl/worksheets/sheet1.xml": padded}, level=9)


def _saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Link:
    """A symbolic link in the landing folder instead of a file; ``target`` relative to the landing
    root's parent (the test's tmp folder), or a name that does not exist."""

    target: str


def ods(rows: list[list[str | None]], header: list[str] = HEADER, sheet: str = "名册") -> bytes:
    """An OpenDocument spreadsheet (LibreOffice's .ods), written as its XML by hand."""
    from xml.sax.saxutils import escape, quoteattr

    def cell(value: str | None) -> str:
        if value is None:
            return "<table:table-cell/>"
        return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'

    table = "".join("<table:table-row>" + "".join(map(cell, row)) + "</table:table-row>" for row in [header, *rows])
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet><table:table table:name={quoteattr(sheet)}>{table}</table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@dataclass(frozen=True)
class Cached:
    """A formula cell with the value Excel cached for it (an error value such as #N/A included)."""

    formula: str
    shown: object


@dataclass(frozen=True)
class Serial:
    """A number in a date-formatted cell: Excel's serial day (1900 system)."""

    day: int


def xlsx_typed(
    rows: list[list[object]],
    header: list[str | None] = HEADER,
    above: list[list[object]] = (),
    far: tuple[int, int, str] | None = None,
) -> bytes:
    """An xlsx workbook written by xlsxwriter with typed cells (bool, number, ``Cached``, ``Serial``),
    ``above`` rows before the header, and optionally one stray cell ``far`` = (row, column, text)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("名册")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate([*above, header, *rows]):
        for c, value in enumerate(row):
            if isinstance(value, Cached):
                ws.write_formula(r, c, value.formula, None, value.shown)
            elif isinstance(value, Serial):
                ws.write_number(r, c, value.day, date)
            elif value is not None:
                ws.write(r, c, value)
    if far:
        ws.write_string(*far)
    book.close()
    return buffer.getvalue()


@dataclass(frozen=True)
class Folder:
    """A folder in the landing folder where a file belongs, holding a delivery-like file."""


@dataclass(frozen=True)
class Pipe:
    """A named pipe (FIFO) where a file belongs: opening it would block forever."""


@dataclass(frozen=True)
class Fresh:
    """A file modified seconds before the run's clock: it may still be being written."""

    content: bytes
