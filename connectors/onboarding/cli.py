"""``housekey source init`` and ``housekey source check``: onboarding a source without Python."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

SOURCES = Path(__file__).resolve().parents[1] / "sources"
console = Console()


def register(app: typer.Typer) -> None:
    source = typer.Typer(help="Onboard a source system: draft its spec from a sample, dry-run a delivery.",
                         no_args_is_help=True)

    @source.command("init")
    def init(sample: Path = typer.Argument(..., exists=True, dir_okay=False, help="A sample export of the system."),
             name: str = typer.Option(..., "--name", help="The source's name (lower_case), e.g. elderly_meals."),
             out: Path = typer.Option(None, help="Where to write the draft (default connectors/sources/NAME.yaml)."),
             force: bool = typer.Option(False, help="Overwrite an existing spec.")) -> None:
        """Profile SAMPLE and write a draft spec mapping its columns to the canonical model."""
        from connectors.onboarding.draft import draft_spec, render
        from connectors.onboarding.profile import profile
        from connectors.readers import ReadError

        target = out or SOURCES / f"{name}.yaml"
        if target.exists() and not force:
            console.print(Text(f"{target} exists: pass --force to overwrite it", style="red"))
            raise typer.Exit(1)
        try:
            found = profile(sample)
        except ReadError as error:
            console.print(Text(str(error), style="red"))
            raise typer.Exit(1) from error
        spec, reasons = draft_spec(found, name)
        table = Table(title=f"{sample.name}: {found.format}, {found.encoding or 'binary workbook'}, {found.rows} rows, "
                            f"record kind {spec['record_kind']}", title_justify="left")
        for heading in ("column", "shape", "filled", "distinct", "maps to", "examples"):
            table.add_column(heading)
        for column in found.columns:
            mapped = spec["columns"].get(column.name, {}).get("to", "")
            table.add_row(column.name, column.shape, f"{column.filled:.0%}", f"{column.distinct:.0%}",
                          mapped or Text("unmapped", style="yellow"), " | ".join(column.samples[:2]))
        console.print(table)
        target.write_text(render(spec, reasons, found), encoding="utf-8")
        console.print(f"Draft written to {target}: review it, then `housekey source check {name} {sample}`.")

    @source.command("check")
    def check(name: str = typer.Argument(..., help="The source's name."),
              files: list[Path] = typer.Argument(None, help="Files to check (default: its landing folder).")) -> None:
        """Dry run: what would load, what would be quarantined and why, and drift. Writes nothing."""
        from connectors.onboarding.check import check_source
        from connectors.spec import SpecError, load_spec

        try:
            spec = load_spec(SOURCES / f"{name}.yaml")
        except (SpecError, FileNotFoundError) as error:
            console.print(Text(str(error), style="red"))
            raise typer.Exit(1) from error
        report = check_source(spec, files or None)
        console.print(Text.assemble((f"{name}", "bold"), f": {len(report.files)} files, {report.rows_read:,} rows read, "
                                    f"{report.rows_staged:,} would load, {report.rows_quarantined:,} would be quarantined"
                                    + ("" if report.balanced else "  (rows do not add up!)")))
        for line in report.failed:
            console.print(Text.assemble(("✗ ", "red"), line))
        for rule, column, count, examples in report.reasons:
            console.print(Text.assemble(("! ", "yellow"), f"{count:,} rows: {rule} in {column or 'the row'}"))
            for file, sheet, row, value, reason in examples:
                console.print(f"    {file}{' / ' + sheet if sheet else ''} row {row}: {value!r}: {reason}")
        for line in report.drift:
            console.print(Text.assemble(("~ drift ", "cyan"), line))
        for line in report.notes:
            console.print(Text(f"  {line}", style="dim"))
        if report.addresses:
            console.print(f"{report.addresses_parseable:,} of {report.addresses:,} addresses name a road and a number.")
        if report.failed:
            raise typer.Exit(1)

    app.add_typer(source, name="source")
