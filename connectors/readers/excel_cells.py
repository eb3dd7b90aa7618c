"""What calamine does not say directly about a workbook's cells: how Excel displays a value, which
columns of an xlsx sheet are hidden, which formula cells carry no computed value, which cells hold
an error value or the phantom date 1900-02-29, and whether a stray cell lies far to the right.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
import zlib
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree


def cell_text(value: object) -> str | None:
    """A calamine cell value as text, as a person sees it in Excel: "" -> None, strings unchanged,
    12.0 -> "12", numbers in General format (310101195001011234 -> "3.10101E+17": the digits are
    already lost and are not invented back), dates "2026-03-05", datetimes "2026-03-05 14:30:00",
    times "14:30:00", durations "26:00:00", booleans "TRUE"/"FALSE". A 15-digit whole number (an
    old-style ID number typed as a number) keeps its digits, which a double holds exactly."""
    if type(value) is str:  # most cells
        return value or None
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and 1e14 <= abs(value) < 1e15:
            return str(int(value))  # a 15-digit old-style ID number typed as a number: exact in a double
        return general_number(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        hours, rest = divmod(round(value.total_seconds()), 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return str(value)


def general_number(value: float) -> str:
    """A number as Excel's General format shows it in a standard-width cell: at most 11 characters
    (12 with a minus sign), switching to scientific notation with 6 significant digits when the
    number does not fit. Follows the SheetJS SSF port of Excel's rules."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if value.is_integer() and abs(value) < 1e11:  # a whole number of up to 11 digits shows as its digits
        return str(int(value))
    width = 12 if value < 0 else 11
    exponent = math.floor(math.log10(abs(value)))
    if -4 <= exponent <= -1:
        text = _precision(value, 10 + exponent)
    elif abs(exponent) <= 9:
        text = _strip(f"{value:.12f}")
        if len(text) > width:
            text = _precision(value, 10)
        if len(text) > width:
            text = f"{value:.5e}"
    elif exponent == 10:
        text = f"{value:.10f}"[:12]
    else:
        text = _strip(f"{value:.11f}")
        if len(text) > width or text in ("0", "-0"):
            text = _precision(value, 6)
    return _strip(text).upper()


def _precision(value: float, digits: int) -> str:
    """JavaScript's Number.toPrecision: fixed unless the exponent is < -6 or >= digits."""
    exponent = math.floor(math.log10(abs(float(f"{value:.{digits - 1}e}"))))
    if exponent < -6 or exponent >= digits:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{max(digits - 1 - exponent, 0)}f}"


def _strip(text: str) -> str:
    """Drop trailing zeros of the decimal part (and a bare point), keeping any exponent."""
    mantissa, e, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def hidden_columns(path: Path) -> dict[str, list[tuple[int, int]]]:
    """Hidden column ranges (0-based, inclusive) per sheet name of an xlsx workbook, read from the
    sheets' <cols> element without parsing their cells; {} for xls or an unreadable package."""
    try:
        with zipfile.ZipFile(path) as package:
            return {name: _hidden_in(package, part) for name, part in _sheet_parts(package).items()}
    except (zipfile.BadZipFile, zlib.error, KeyError, ElementTree.ParseError, ValueError, OSError):
        return {}


def formulas_without_values(path: Path, sheets: Container[str] | None = None) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet name (of ``sheets``, default all), the formula text ("=1+1") of each cell (0-based row,
    column) that holds a formula but no value computed by Excel, as programs that write workbooks leave
    them; calamine reads such a cell as empty. {} for xls or an unreadable package."""
    try:
        with zipfile.ZipFile(path) as package:
            return {
                name: found
                for name, part in _sheet_parts(package).items()
                if (sheets is None or name in sheets) and (found := _unvalued_formulas(package.read(part)))
            }
    except (zipfile.BadZipFile, zlib.error, KeyError, ElementTree.ParseError, ValueError, OSError):
        return {}


ERRORS = ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!", "#GETTING_DATA")
"""The error values Excel caches in a cell whose formula failed."""


@dataclass
class SheetScan:
    """What one pass over an xlsx sheet's XML found that calamine does not say."""

    wide_cell: str | None = None
    """The first cell past the column limit ("XFD7"), if any."""
    last_row: int = 0
    """1-based number of the last row element."""
    last_column: int = 0
    """0-based index of the right-most cell (counted from column AA on: 25 for narrower sheets)."""
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    """Cells (0-based row, column) holding an error value, with its text ("#N/A")."""
    serial_60: set[tuple[int, int]] = field(default_factory=set)
    """Cells holding the number 60: as a date, Excel's phantom 1900-02-29."""
    may_hold_formulas: bool = False
    """Whether "<f" or ":f" occurs, as in every formula element: False rules formulas out."""


_CHUNK = 4 * 2**20
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_REF = re.compile(rb'\sr="([A-Z]+)([0-9]+)"')
_TYPE = re.compile(rb'\st="(\w+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)<")
# literal-led patterns, which the regex engine finds fast (attributes are separated by one space in
# the XML that Excel, LibreOffice and the Python writers save)
_VALUE_60 = re.compile(rb"v>60(?:\.0+)?</")
_ERROR_TYPE = re.compile(rb' t="e"')
_ROW = re.compile(rb' r="([0-9]+)"')  # only a row's reference is digits alone


def scan_sheets(path: Path, max_columns: int) -> dict[str, SheetScan]:
    """Per sheet name of an xlsx workbook: its first cell past ``max_columns`` (so a stray cell in
    column XFD fails before calamine builds a grid 16,384 columns wide), the extent of its grid, its
    error cells and its cells valued 60. Streams each sheet's XML in chunks, searching for literal
    patterns in C: linear time, bounded memory. {} for xls, ods or an unreadable package."""
    letters = min(len(column_letter(max_columns - 1)), 2)  # columns A-Z never matter past 26 columns
    columns = re.compile(rb' r="([A-Z]{%d,3})[0-9]' % letters)
    try:
        with zipfile.ZipFile(path) as package:
            return {name: _scan(package, part, columns, max_columns) for name, part in _sheet_parts(package).items()}
    except (zipfile.BadZipFile, zlib.error, KeyError, ElementTree.ParseError, ValueError, OSError, EOFError):
        return {}


def _scan(package: zipfile.ZipFile, part: str, columns: re.Pattern, max_columns: int) -> SheetScan:
    scan, carry, last_byte = SheetScan(last_column=25), b"", b""
    with package.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            buffer = carry + chunk
            cut = buffer.rfind(b"</row>") + 6
            if cut < 6 or len(buffer) - cut > _CHUNK:  # no row ends here: scan it all rather than grow
                cut = len(buffer)
            block, carry = buffer[:cut], buffer[cut:]
            if not scan.may_hold_formulas and block:
                scan.may_hold_formulas, last_byte = _formula_like(last_byte, block), block[-1:]
            if rows := _ROW.findall(block[-_CHUNK // 4 :]) or _ROW.findall(block):
                scan.last_row = max(scan.last_row, int(rows[-1]))
            if found := {_column_index(c.decode()) for c in set(columns.findall(block))}:
                scan.last_column = max(scan.last_column, *found)
                if scan.wide_cell is None and (wide := min((c for c in found if c >= max_columns), default=None)):
                    row = re.search(rb' r="%s([0-9]+)"' % column_letter(wide).encode(), block)[1]
                    scan.wide_cell = column_letter(wide) + row.decode()
            for match in _ERROR_TYPE.finditer(block):
                if (cell := _cell_at(block, match.start())) and cell[2] is not None:
                    scan.errors[cell[0]] = cell[2]
            for match in _VALUE_60.finditer(block):
                if (cell := _cell_at(block, match.start())) and cell[1] in (None, "n"):
                    scan.serial_60.add(cell[0])
    scan.may_hold_formulas = scan.may_hold_formulas or _formula_like(last_byte, carry)
    return scan


def _formula_like(before: bytes, block: bytes) -> bool:
    """Whether ``block``, after the byte ``before``, holds "<f" or ":f", as every formula element does."""
    return any(tag in block or tag == before + block[:1] for tag in (b"<f", b":f"))


def _cell_at(block: bytes, position: int) -> tuple[tuple[int, int], str | None, str | None] | None:
    """The cell around ``position``: its (row, column), type and cached value; None outside a cell."""
    start = max(block.rfind(b"<c ", 0, position), block.rfind(b":c ", 0, position))
    if start < 0:
        return None
    end = _CELL_END.search(block, position)
    cell = block[start : end.end() if end else len(block)]
    ref, kind, value = _REF.search(cell), _TYPE.search(cell, 0, cell.find(b">")), _VALUE.search(cell)
    if ref is None:
        return None
    return (
        (int(ref[2]) - 1, _column_index(ref[1].decode())),
        kind[1].decode() if kind else None,
        value[1].decode() if value else None,
    )


def column_letter(index: int) -> str:
    """Excel's letters for a 0-based column index (0 -> A, 16383 -> XFD)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


def _unvalued_formulas(sheet: bytes) -> dict[tuple[int, int], str]:
    if not _FORMULA_TAG.search(sheet):  # most sheets hold no formula: skip parsing their cells
        return {}
    found = {}
    for cell in ElementTree.fromstring(sheet).iter():
        if _local(cell.tag) != "c":
            continue
        children = {_local(child.tag): child for child in cell}
        formula, value = children.get("f"), children.get("v")
        ref = _CELL_REF.fullmatch(cell.get("r") or "")
        if formula is not None and formula.text and (value is None or not value.text) and ref:
            found[(int(ref[2]) - 1, _column_index(ref[1]))] = "=" + formula.text
    return found


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relations}
    parts = {}
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rel_id = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        target = targets.get(rel_id, "")
        if target:
            parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _hidden_in(package: zipfile.ZipFile, part: str) -> list[tuple[int, int]]:
    hidden = []
    with package.open(part) as stream:
        for _, element in ElementTree.iterparse(stream, events=("start",)):
            tag = _local(element.tag)
            if tag == "col" and element.get("hidden") in ("1", "true"):
                hidden.append((int(element.get("min")) - 1, int(element.get("max")) - 1))
            elif tag == "sheetData":  # <cols> comes before the cells; stop before reading them
                break
    return hidden


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
