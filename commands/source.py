"""``housekey source init``, ``accept`` and ``check``: onboarding a source without Python."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from connectors.spec import SourceSpec

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``source`` commands to the housekey command line."""
    source = typer.Typer(
        help="Onboard a source system: draft its spec from a sample, dry-run a delivery.", no_args_is_help=True
    )
    source.command("init")(init)
    source.command("accept")(accept)
    source.command("check")(check)
    app.add_typer(source, name="source")


def init(
    sample: Path = typer.Argument(..., help="A sample export of the system, exactly as it delivers it."),
    name: str = typer.Option(..., "--name", help="The source's name (lower_case), e.g. elderly_meals."),
    out: Path = typer.Option(None, "--out", help="Draft file (default connectors/sources/NAME.yaml)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing spec."),
    owner: str = typer.Option(None, "--owner", help="The owning department, e.g. 黄浦区民政局; sets the level."),
) -> None:
    """Profile SAMPLE and write a draft spec mapping its columns to the canonical model.

    Headers that reviewed specs in connectors/sources/ map are mapped as they were reviewed; the
    rest by connectors/onboarding/synonyms.yaml and by the values' shapes."""
    from connectors.onboarding.draft import draft_spec
    from connectors.onboarding.profile import profile
    from connectors.onboarding.render import render
    from connectors.readers import ReadError
    from connectors.spec import SOURCES_DIR

    target = out or SOURCES_DIR / f"{name}.yaml"
    if target.exists() and not force:
        _fail(f"{target} exists: pass --force to overwrite it")
    if target.stem != name:
        console.print(Text(f"note: the spec must be saved as {name}.yaml before housekey can use it", style="yellow"))
    try:
        found = profile(sample)
    except ReadError as error:
        _fail(str(error))
    draft = draft_spec(found, name, owner)
    layout = {
        "csv": f"delimiter {found.delimiter!r}",
        "fixed_width": f"field widths {found.widths}",
        "json": f"records at {found.records_path or 'the top level'}",
        "excel": f"sheets {', '.join(found.sheets)}; header at row {found.header_row}"
        + (", two merged rows" if found.header_rows == 2 else ""),
    }.get(found.format, "")
    console.print(
        f"[bold]{sample.name}[/]: {found.format}, {found.encoding or 'workbook'}, {found.rows:,} rows; " + layout
    )
    for note in _collapsed(found.notes):
        console.print(Text(f"  {note}", style="dim"))
    table = Table(
        title_justify="left",
        title=f"record kind guessed: {draft.spec['record_kind']}  ({draft.why['record_kind'].removeprefix('guess: ')})",
    )
    for heading in ("column", "shape", "filled", "distinct", "maps to", "examples"):
        table.add_column(heading)
    for column in found.columns:
        mapped = draft.spec["columns"].get(column.name, {}).get("to") or next(
            (out for out in ("ignore", "drop") if column.name in draft.spec[out]), None
        )
        shape = column.shape + (f" ({column.checksum_ok:.0%} check ok)" if column.checksum_ok is not None else "")
        table.add_row(
            column.name,
            shape,
            f"{column.filled:.0%}",
            f"{column.distinct:.0%}",
            mapped or Text("unmapped", style="yellow"),
            " | ".join(s[:30] for s in column.samples[:2]),
        )
    console.print(table)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(draft), encoding="utf-8")
    console.print(
        f"Draft written to {target}. Review the lines marked guess, check and fill in, "
        f"then run: housekey source check {name} {sample}"
    )


def accept(
    name: str = typer.Argument(..., help="The source's name (its spec is connectors/sources/NAME.yaml)."),
    sample: Path = typer.Argument(None, help="The sample it was drafted from (default: its newest landing file)."),
) -> None:
    """Mark a reviewed spec accepted: later drafts learn its mapping; says what the review changed.

    Nothing is stored beside the spec: the committed spec is the reviewed mapping, and ``source init``
    reads every spec without the draft marker line as one (connectors/onboarding/learned.py). This
    command removes that line, after re-drafting the sample to show what the reviewer changed."""
    from connectors.landing import delivery_paths
    from connectors.onboarding.draft import draft_spec
    from connectors.onboarding.learned import accept as accept_spec
    from connectors.onboarding.learned import reviewer_changes
    from connectors.onboarding.profile import profile
    from connectors.readers import ReadError

    path, spec = _registered(name)
    sample = sample or max(delivery_paths(spec), key=lambda p: p.stat().st_mtime, default=None)
    if sample is not None and not spec.is_database:
        try:
            found = profile(sample)
        except ReadError as error:
            _fail(str(error))
        headers = [c.name for c in found.columns]
        changes = reviewer_changes(draft_spec(found, name, spec.owner).spec, spec, headers)
        console.print(f"{name}: {len(headers) - len(changes)} of {len(headers)} columns of {sample.name} as drafted")
        for column, drafted, reviewed in changes:
            console.print(f"  {column}: draft {drafted or 'unmapped'} → reviewed {reviewed or 'unmapped'}")
    if accept_spec(path):
        console.print(f"{path.name} accepted: later drafts map its headers as it does.")
    else:
        console.print(f"{path.name} was accepted already: later drafts map its headers as it does.")


def check(
    name: str = typer.Argument(..., help="The source's name (its spec is connectors/sources/NAME.yaml)."),
    files: list[Path] = typer.Argument(None, help="Files to check (default: pending landing files)."),
) -> None:
    """Dry run: what would load, what would be quarantined and why, and drift. Writes nothing.

    Exits 1 when a file cannot be read, a delivery would be held (contract stop, quality gate) or 0 rows would load.
    """
    from connectors.onboarding.learned import is_reviewed
    from pipelines.dry_run import check_source

    path, spec = _registered(name)
    if spec.is_database:
        _fail(f"{name} is a {spec.format} table: check works on files; `housekey run --source {name}` pulls it")
    report = check_source(spec, files or None)
    if not report.files:
        console.print(f"{name}: no pending files in its landing folder; name a file to check it.")
        return
    summary = (
        f"[bold]{name}[/]: {len(report.files)} file(s), {report.rows_read:,} rows read, "
        f"{report.rows_staged:,} would load, {report.rows_quarantined:,} would be quarantined"
    )
    if report.rows_unreadable:
        summary += f" ({report.rows_unreadable:,} rows unreadable)"
    console.print(summary + ("" if report.balanced else "  [red](rows do not add up)[/]"))
    for line in report.failed + report.held:
        console.print(Text.assemble(("✗ ", "red"), line))
    for line in report.warnings:
        console.print(Text.assemble(("! ", "yellow"), line))
    for reason in report.reasons:
        where = reason.column or "the row"
        what = "values (their rows load)" if reason.is_row_kept else "rows"
        console.print(Text.assemble(("! ", "yellow"), f"{reason.rows:,} {what}: {reason.rule} in {where}"))
        for file, sheet, row, column, value, why in reason.examples:
            place = f"{file}{' / ' + sheet if sheet else ''} row {row}"
            console.print(Text(f"    {place}, {column or '-'}: {value!r}: {why}"))
    for line in report.drift:
        console.print(Text.assemble(("~ drift ", "cyan"), line, f"  (contract: {spec.contract})"))
    for line in _collapsed(report.notes):
        console.print(Text(f"  {line}", style="dim"))
    if report.addresses:
        against = "a road of the register" if report.roads_known else "a road (no register in the warehouse yet)"
        console.print(
            f"{report.addresses_parseable:,} of {report.addresses:,} addresses "
            f"({report.addresses_parseable / report.addresses:.0%}) name {against} and a number."
        )
    if refusal := report.refusal:
        console.print(Text(f"{name}: a run would not load this as it is: {refusal}", style="red"))
        raise typer.Exit(1)
    if not is_reviewed(path):
        console.print(
            f"{path.name} is still a draft: once it is right, `housekey source accept {name}` lets later drafts learn it."
        )


def _collapsed(notes: list[str]) -> list[str]:
    """Notes that differ only in the sheet they are about, said once with the number of sheets."""
    general = [re.sub(r"sheet '[^']*'", "sheet …", note) for note in notes]
    counts = Counter(general)
    return list(
        dict.fromkeys(
            note if counts[key] == 1 else f"{key} ({counts[key]} sheets)"
            for note, key in zip(notes, general, strict=False)
        )
    )


def _registered(name: str) -> tuple[Path, SourceSpec]:
    """The path and spec of a source in connectors/sources/; fails naming what is wrong."""
    from connectors.spec import SOURCES_DIR, SpecError, load_spec

    path = SOURCES_DIR / f"{name}.yaml"
    if not path.exists():
        _fail(f"no spec {path}: draft one with `housekey source init SAMPLE --name {name}`")
    try:
        return path, load_spec(path)
    except SpecError as error:
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    console.print(Text(message, style="red"))
    raise typer.Exit(1)
