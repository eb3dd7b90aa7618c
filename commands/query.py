"""``housekey query``: SQL on the warehouse, read-only, every statement's result printed whole.

Values are never cut: piped or redirected, a table is as wide as its widest row; on a terminal long values
fold onto more lines. ``--format csv`` and ``json`` write data only to standard output (the row counts go to
standard error), so the output can be read back. While a run writes the private warehouse it is locked: the
query is answered from the analyst copy, and one line says so.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

errors = Console(stderr=True, soft_wrap=True)  # a path or message is never cut into lines


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    vertical = "vertical"


def register(app: typer.Typer) -> None:
    """Add ``query`` to the ``housekey`` command line."""
    app.command()(query)


def query(
    sql: str = typer.Argument(
        ..., help='SQL to run, e.g. "SELECT * FROM meta.deliveries"; several statements run in turn.'
    ),
    limit: int = typer.Option(50, help="Show at most this many rows of each result (0: all)."),
    output: Format = typer.Option(Format.table, "--format", help="table, csv, json (a list of objects) or vertical."),
    analyst: bool = typer.Option(
        False, "--analyst", help="Ask the analyst copy (masked, tokens) instead of the private warehouse."
    ),
) -> None:
    """Run SQL on the warehouse (read-only) and print every statement's result."""
    import duckdb

    if not sql.strip():
        _fail('no SQL given: e.g. housekey query "SELECT * FROM meta.deliveries"')
    con = _open(analyst)
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        _fail(_first_line(error))
    if not statements:
        _fail("no SQL statement in the text given (only comments or semicolons?)")
    for number, statement in enumerate(statements, 1):
        try:
            cursor = con.execute(statement)
            columns = [d[0] for d in cursor.description or ()]
            rows = (cursor.fetchall() if limit <= 0 else cursor.fetchmany(limit + 1)) if columns else []
        except duckdb.Error as error:
            where = f"statement {number}: " if len(statements) > 1 else ""
            _fail(where + _first_line(error))
        if len(statements) > 1 and output in (Format.table, Format.vertical):
            print(f"-- statement {number}: {statement.query.strip()}")
        if not columns:
            errors.print("done")
            continue
        shown = rows if limit <= 0 else rows[:limit]
        _print(output, columns, shown)
        more = "" if limit <= 0 or len(rows) <= limit else f" (first {limit} shown; --limit 0 shows all)"
        count = f"{len(shown):,} row{'s' * (len(shown) != 1)}{more}"
        if output in (Format.table, Format.vertical):
            print(count)
        else:
            errors.print(count)


def _open(analyst: bool):
    """A read-only connection to the private warehouse, or to the analyst copy when asked or when a run holds the lock."""
    import duckdb

    from warehouse.database import warehouse_path
    from warehouse.publish import analyst_path

    private = warehouse_path()
    copy = analyst_path(private)
    if not analyst:
        if not private.exists():
            _fail(f"no warehouse at {private} yet: run `housekey run` first")
        try:
            return duckdb.connect(str(private), read_only=True)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or not copy.exists():
                _fail(_first_line(error))
            errors.print(f"the warehouse is locked by a run that is writing it: answering from the analyst copy {copy}")
    if not copy.exists():
        _fail(f"no analyst copy at {copy} yet: `housekey run` publishes it")
    try:
        return duckdb.connect(str(copy), read_only=True)
    except duckdb.Error as error:
        _fail(_first_line(error))


def _print(output: Format, columns: list[str], rows: list[tuple]) -> None:
    if output is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else _text(v) for v in row] for row in rows])
    elif output is Format.json:
        json.dump(
            [dict(zip(columns, map(_plain, row), strict=True)) for row in rows],
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        print()
    elif output is Format.vertical:
        width = max(map(len, columns))
        for number, row in enumerate(rows, 1):
            print(f"-[ row {number} ]" + "-" * 20)
            for column, value in zip(columns, row, strict=True):
                print(f"{column.ljust(width)} | {'NULL' if value is None else _text(value)}")
    else:
        _table(columns, rows)


def _table(columns: list[str], rows: list[tuple]) -> None:
    """A rich table; piped, as wide as it needs (nothing cut), on a terminal folded to its width."""
    console = Console()
    table = Table(show_lines=False)
    for name in columns:
        table.add_column(Text(name), overflow="fold")
    cells = [[Text("NULL", style="dim") if v is None else Text(_text(v)) for v in row] for row in rows]
    for row in cells:
        table.add_row(*row)
    if not console.is_terminal:  # a file or a pipe has no width: every value whole, each row on one line
        widest = [cell_len(name) for name in columns]
        for row in cells:
            widest = [max(w, cell_len(c.plain)) for w, c in zip(widest, row, strict=True)]
        console = Console(width=sum(widest) + 3 * len(columns) + 1, no_color=True)
    console.print(table)


def _text(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)


def _plain(value: object) -> object:
    """A JSON value: dates as ISO text, decimals as numbers, anything else unknown as its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return _text(value)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def _fail(message: str):
    errors.print(Text(message, style="red"))
    raise typer.Exit(1)
