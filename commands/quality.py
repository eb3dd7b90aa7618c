"""``housekey quality …``: the quality report, and the lines ``housekey run`` prints about quality."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text


def run_report(con, registry, warehouse=None) -> list[Text]:
    """Write the quality report after a run (beside ``warehouse``, default ``warehouse_path()``); one line per
    held delivery, then where the report is."""
    from quality.gate import THRESHOLD_RULE
    from quality.report import report_path, write_report
    from warehouse.database import warehouse_path

    held = con.execute(
        f"SELECT note FROM meta.validations WHERE rule = '{THRESHOLD_RULE}' AND NOT success "
        "ORDER BY source, delivery_id"
    ).fetchall()
    path = write_report(con, registry, report_path(warehouse or warehouse_path()))
    return [
        *(Text.assemble(("✗ ", "red"), note) for (note,) in held),
        Text.assemble("Quality report (pass rates, held deliveries, freshness): ", (str(path), "bold")),
    ]


def register(app: typer.Typer) -> None:
    """Add the ``quality`` commands to the ``housekey`` command line."""
    quality = typer.Typer(
        help="Quality gates: expectation suites, quarantine, the quality report.", no_args_is_help=True
    )

    @quality.command("report")
    def report_command(
        out: Path = typer.Option(None, "--out", help="Where to write the HTML (default: next to the warehouse)."),
    ) -> None:
        """Write the quality report of the warehouse as it is now: deliveries, pass rates, failing rules, freshness."""
        from connectors.spec import load_registry
        from quality.report import report_path, write_report
        from warehouse.database import connect, warehouse_path

        try:
            con = connect(read_only=True)
        except FileNotFoundError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from error
        with con:
            path = write_report(con, load_registry(), out or report_path(warehouse_path()))
        typer.echo(f"Quality report: {path}")

    app.add_typer(quality, name="quality")
