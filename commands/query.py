"""``housekey query``: SQL on the warehouse, read-only, printed as a table."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console()
errors = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add ``query`` to the ``housekey`` command line."""
    app.command()(query)


def query(
    sql: str = typer.Argument(..., help='SQL to run, e.g. "SELECT * FROM meta.deliveries".'),
    limit: int = typer.Option(50, help="Show at most this many rows."),
) -> None:
    """Run SQL on the warehouse (read-only) and print the result as a table."""
    import duckdb

    from warehouse.database import connect

    try:
        con = connect(read_only=True)
        cursor = con.execute(sql)
        rows = cursor.fetchmany(limit + 1) if cursor.description else []
    except (FileNotFoundError, duckdb.Error) as error:
        errors.print(Text(str(error), style="red"))
        raise typer.Exit(1) from error
    if not cursor.description:
        console.print("done")
        return
    table = Table(show_lines=False)
    for name, *_ in cursor.description:
        table.add_column(Text(name))
    for row in rows[:limit]:
        table.add_row(*(Text("NULL", style="dim") if value is None else Text(str(value)) for value in row))
    console.print(table)
    if len(rows) > limit:
        console.print(f"first {limit} rows shown; raise --limit to see more")
