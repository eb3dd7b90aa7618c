"""Fill a department's Excel ledger (台账) from the warehouse, so a social worker no longer re-types it.

A template is any .xlsx whose header row names its columns in Chinese, maybe under a title row.
schemas/ledger_fields.yaml says, per ledger, which rows it lists and which warehouse field fills each
column; the template's file name names the ledger. ``【居委会】`` in a title cell becomes the
committee's name, and ``填报单位：``/``填报日期：`` are filled with the committee and the day. The sheet is made to
print: every column as wide as its widest value (long text wraps), borders on every cell of the table,
landscape A4 fitted to the page width, the title and header rows repeated on every page. Everything else in
the template (styles, other sheets) is kept. Every text
from the warehouse is written as a text cell, so a value such as ``=cmd|' /C calc'!A0`` (or one starting
with ``+``, ``-``, ``@``, a tab or a return) shows as it is and never runs as a formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
from rich.cells import cell_len

from connectors.spec import sources_with
from schemas.clock import run_day
from schemas.yaml_text import load_yaml
from warehouse.marts.roles import event_sources

LEDGERS_FILE = Path(__file__).resolve().parents[1] / "schemas" / "ledger_fields.yaml"
SEQUENCE = "序号"
COMMITTEE_PLACEHOLDER = "【居委会】"
TEXT = "s"  # openpyxl's data type of a string cell: Excel shows it, never evaluates it
HEADER_SEARCH_ROWS = 10  # the header row is among the first rows (a title row or two may come first)
FILLED_BY = re.compile(r"填报单位[:：]\s*")
FILLED_ON = re.compile(r"填报日期[:：]\s*")
WIDEST = 50  # characters of Excel's width: a longer value wraps onto more lines of its row
DATE_FORMAT = "yyyy-mm-dd"
MARGIN = 2  # characters beside the widest value, so nothing touches the border (or turns a date into ###)


@dataclass
class FilledLedger:
    """What was written: the file, the ledger, its rows, and the template columns no field fills."""

    path: Path
    ledger: str
    rows: int
    unknown_columns: list[str]


def load_ledgers() -> dict:
    return load_yaml(LEDGERS_FILE.read_text(encoding="utf-8"))


def ledger_for(template: Path, ledgers: dict) -> str:
    """The ledger a template is for: the declared ledger name its file name contains."""
    names = [name for name in ledgers if name in template.stem]
    if not names:
        raise ValueError(f"{template.name}: no ledger of {LEDGERS_FILE.name} in its name; known: {', '.join(ledgers)}")
    return max(names, key=len)


def committees(con: duckdb.DuckDBPyConnection, wanted: str) -> list[tuple[str, str]]:
    """(code, name) of the residents' committees ``wanted`` names: ``all``, a 12-digit code, or a name as people
    say it (雁荡居委会, 雁荡); a name that fits several, or none, is an error naming the committees there are."""
    known = con.execute(
        "SELECT committee_code, any_value(committee_name) FROM core.houses WHERE committee_code IS NOT NULL "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    if wanted.strip().lower() == "all":
        return known
    fits = [c for c in known if wanted.strip() in (c[0], c[1])] or [c for c in known if wanted.strip() in c[1]]
    if len(fits) != 1:
        listed = ", ".join(f"{name} ({code})" for code, name in (fits or known))
        raise ValueError(
            f"{'several' if fits else 'no'} residents' committee{'s' * bool(fits)} named {wanted!r}: {listed}"
        )
    return fits


def header_row(sheet, known: set[str]) -> int:
    """The number of the row naming the most known columns among the first rows."""

    def known_cells(row) -> int:
        return sum(1 for cell in row if isinstance(cell.value, str) and cell.value.strip() in known)

    rows = list(sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS))
    best = max(range(len(rows)), key=lambda i: known_cells(rows[i]), default=0)
    if not rows or known_cells(rows[best]) < 2:
        raise ValueError(f"no header row naming two known columns in the first {HEADER_SEARCH_ROWS} rows")
    return best + 1


def fill_ledger(
    con: duckdb.DuckDBPyConnection, template: Path, committee_code: str, out: Path, as_of: date | None = None
) -> FilledLedger:
    """Fill the template's first sheet with the committee's rows of its ledger, as of a day (default the run
    day: ages), and save it as ``out``."""
    from openpyxl import load_workbook

    declared = load_ledgers()
    name = ledger_for(template, declared["ledgers"])
    ledger, synonyms = declared["ledgers"][name], declared.get("synonyms", {})
    committee = con.execute(
        "SELECT any_value(committee_name) FROM core.houses WHERE committee_code = ?", [committee_code]
    ).fetchone()[0]
    if committee is None:
        raise ValueError(f"no residents' committee {committee_code} in core.houses")
    parameters = {
        "committee": committee_code,
        "as_of": as_of or run_day(),
        # the sources a ledger reads, by the roles their specs declare
        "registration": sources_with(business="registration"),
        "tenancies": sources_with(person_house="tenant"),
        **event_sources("complaints", "urban_cases", "care_visits"),
    }
    cursor = con.execute(ledger["rows"], {k: v for k, v in parameters.items() if f"${k}" in ledger["rows"]})
    fields = [d[0] for d in cursor.description]
    records = [dict(zip(fields, row, strict=False)) for row in cursor.fetchall()]

    book = load_workbook(template)
    sheet = book.worksheets[0]
    known = {SEQUENCE, *ledger["columns"], *(s for s, canonical in synonyms.items() if canonical in ledger["columns"])}
    header = header_row(sheet, known)
    day = parameters["as_of"]
    for row in sheet.iter_rows(min_row=1, max_row=header - 1):
        for cell in row:
            if isinstance(cell.value, str) and (
                COMMITTEE_PLACEHOLDER in cell.value or FILLED_BY.search(cell.value) or FILLED_ON.search(cell.value)
            ):
                text = cell.value.replace(COMMITTEE_PLACEHOLDER, committee)
                text = FILLED_BY.sub(lambda _: f"填报单位：{committee}    ", text)
                cell.value = FILLED_ON.sub(lambda _: f"填报日期：{day:%Y年%m月%d日}", text).rstrip()
                cell.data_type = TEXT  # the committee's name is data too
    columns, unknown = {}, []
    for cell in sheet[header]:
        title = cell.value.strip() if isinstance(cell.value, str) else None
        if not title:
            continue
        canonical = synonyms.get(title, title)
        if canonical == SEQUENCE or canonical in ledger["columns"]:
            columns[cell.column] = canonical
        else:
            unknown.append(title)
    sheet.delete_rows(header + 1, max(sheet.max_row - header, 0))  # a template's example rows go
    for number, record in enumerate(records, start=1):
        for column, canonical in columns.items():
            value = number if canonical == SEQUENCE else record[ledger["columns"][canonical]]
            cell = sheet.cell(row=header + number, column=column, value=value)
            if isinstance(value, (date, datetime)):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, str):
                cell.number_format = "@"  # ID numbers and phones stay text, never 3.10101E+17
                cell.data_type = TEXT  # openpyxl makes "=cmd|' /C calc'!A0" a live formula; data is never one
    _printable(sheet, header, len(records), [c.column for c in sheet[header] if c.value is not None])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    out.touch(mode=0o600)  # owner-only: a ledger lists ID numbers and phones in clear
    book.save(out)
    return FilledLedger(out, name, len(records), unknown)


def shown_width(cell) -> int:
    """Excel width (in characters of its default font) a cell's value needs: a Chinese character takes two,
    a date as long as its format."""
    if isinstance(cell.value, (date, datetime)):
        return len(DATE_FORMAT) if cell.number_format == DATE_FORMAT else 19
    return cell_len(str(cell.value)) if cell.value is not None else 0


def _printable(sheet, header: int, rows: int, columns: list[int]) -> None:
    """Widths that fit the content, borders on the table, landscape fitted to the page width, header repeated."""
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.utils import get_column_letter

    line = Side(style="thin")
    border = Border(left=line, right=line, top=line, bottom=line)
    last = header + rows
    for column in columns:
        cells = [sheet.cell(row=r, column=column) for r in range(header, last + 1)]
        widest = max(shown_width(c) for c in cells)
        sheet.column_dimensions[get_column_letter(column)].width = min(widest, WIDEST) + MARGIN
        for cell in cells:
            cell.border = border
            if shown_width(cell) > WIDEST:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.print_title_rows = f"1:{header}"
    setup = sheet.page_setup
    setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight = "landscape", sheet.PAPERSIZE_A4, 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
