"""Fill a department's Excel ledger (台账) from the warehouse, so a social worker no longer re-types it.

A template is any .xlsx whose header row names its columns in Chinese, maybe under a title row.
schemas/ledger_fields.yaml says, per ledger, which rows it lists and which warehouse field fills each
column; the template's file name names the ledger. ``【居委会】`` in a title cell becomes the
committee's name. Everything else in the template (styles, widths, other sheets) is kept. Every text
from the warehouse is written as a text cell, so a value such as ``=cmd|' /C calc'!A0`` (or one starting
with ``+``, ``-``, ``@``, a tab or a return) shows as it is and never runs as a formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import yaml

from connectors.spec import sources_with
from schemas.clock import run_day
from warehouse.marts.roles import event_sources

LEDGERS_FILE = Path(__file__).resolve().parents[1] / "schemas" / "ledger_fields.yaml"
SEQUENCE = "序号"
COMMITTEE_PLACEHOLDER = "【居委会】"
TEXT = "s"  # openpyxl's data type of a string cell: Excel shows it, never evaluates it
HEADER_SEARCH_ROWS = 10  # the header row is among the first rows (a title row or two may come first)


@dataclass
class FilledLedger:
    """What was written: the file, the ledger, its rows, and the template columns no field fills."""

    path: Path
    ledger: str
    rows: int
    unknown_columns: list[str]


def load_ledgers() -> dict:
    return yaml.safe_load(LEDGERS_FILE.read_text(encoding="utf-8"))


def ledger_for(template: Path, ledgers: dict) -> str:
    """The ledger a template is for: the declared ledger name its file name contains."""
    names = [name for name in ledgers if name in template.stem]
    if not names:
        raise ValueError(f"{template.name}: no ledger of {LEDGERS_FILE.name} in its name; known: {', '.join(ledgers)}")
    return max(names, key=len)


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
    for row in sheet.iter_rows(min_row=1, max_row=header - 1):
        for cell in row:
            if isinstance(cell.value, str) and COMMITTEE_PLACEHOLDER in cell.value:
                cell.value = cell.value.replace(COMMITTEE_PLACEHOLDER, committee)
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
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.number_format = "@"  # ID numbers and phones stay text, never 3.10101E+17
                cell.data_type = TEXT  # openpyxl makes "=cmd|' /C calc'!A0" a live formula; data is never one
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    out.touch(mode=0o600)  # owner-only: a ledger lists ID numbers and phones in clear
    book.save(out)
    return FilledLedger(out, name, len(records), unknown)
