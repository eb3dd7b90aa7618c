"""``housekey export ledger`` (fill a department's Excel ledger) and ``housekey dictionary`` (the data dictionary)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # a path or message is never cut into lines


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``dictionary`` to the ``housekey`` command line."""
    export = typer.Typer(help="Write what the warehouse knows in the shapes departments ask for.", no_args_is_help=True)

    @export.command("ledger")
    def ledger_command(
        template: Path = typer.Argument(..., exists=True, dir_okay=False, help="The department's .xlsx template."),
        committee: list[str] = typer.Option(
            ..., "--committee", help="A residents' committee by code (310101023001) or name (雁荡), or all; repeatable."
        ),
        out: Path = typer.Option(
            None, "--out", help="Where to write one committee's ledger (default: ledgers/ next to the warehouse)."
        ),
    ) -> None:
        """Fill TEMPLATE's columns with each committee's rows (schemas/ledger_fields.yaml says which), one workbook per committee."""
        from warehouse.database import connect, warehouse_path
        from warehouse.ledgers import committees, fill_ledger

        with connect(read_only=True) as con:
            try:
                chosen = list(dict.fromkeys(c for wanted in committee for c in committees(con, wanted)))
            except ValueError as error:
                errors.print(Text(str(error), style="red"))
                raise typer.Exit(1) from error
            if out and len(chosen) > 1:
                errors.print(
                    Text(
                        f"--out names one file, and {len(chosen)} committees were asked for: leave it out", style="red"
                    )
                )
                raise typer.Exit(1)
            for code, name in chosen:
                path = out or warehouse_path().parent / "ledgers" / f"{template.stem}_{name}_{code}.xlsx"
                try:
                    filled = fill_ledger(con, template, code, path)
                except ValueError as error:
                    errors.print(Text(str(error), style="red"))
                    raise typer.Exit(1) from error
                console.print(f"{filled.ledger}: {filled.rows} rows of {name} written to {filled.path}")
                if filled.unknown_columns:
                    console.print(
                        Text(f"left empty (no warehouse field): {', '.join(filled.unknown_columns)}", style="yellow")
                    )

    @app.command("dictionary")
    def dictionary_command(
        out: Path = typer.Option(None, "--out", help="Where to write the Markdown (default: docs/warehouse.md)."),
    ) -> None:
        """Write the data dictionary of the core and marts layers, and put its descriptions in DuckDB as COMMENTs."""
        from warehouse.database import connect
        from warehouse.dictionary import DICTIONARY_DOC, apply_comments, undescribed, write_dictionary

        with connect() as con:
            apply_comments(con)
            path = write_dictionary(con, out or DICTIONARY_DOC)
            missing = undescribed(con)
        console.print(f"data dictionary written to {path}")
        if missing:
            errors.print(
                Text(f"no description in schemas/warehouse_dictionary.yaml: {', '.join(missing)}", style="yellow")
            )

    app.add_typer(export, name="export")
