"""``housekey migrate``: bring every subdistrict's warehouse to the structure this housekey expects, keeping its data.

The steps are the files of ``warehouse/migrations/``; each one the warehouse lacks is applied in order, in
its own transaction, so a step that fails leaves the warehouse at the version before it. ``--dry-run``
lists every step, applied (when) or pending, and changes nothing. A warehouse not made yet is left
alone: the first ``housekey run`` makes it at the latest version.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add ``migrate`` to the ``housekey`` command line."""
    app.command()(migrate)


def migrate(
    subdistrict: list[str] = typer.Option(
        None, "--subdistrict", help="Only this subdistrict code (repeatable); default every configured subdistrict."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the steps applied and pending; change nothing."),
) -> None:
    """Upgrade the warehouse's structure to this housekey's version, keeping its data (copy the file first)."""
    from warehouse.subdistricts import SubdistrictsError, load_subdistricts

    try:
        configured = load_subdistricts()
    except SubdistrictsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    if unknown := sorted(set(subdistrict or ()) - set(configured)):
        typer.echo(f"unknown subdistrict {', '.join(unknown)}; configured: {', '.join(configured)}", err=True)
        raise typer.Exit(2)
    places = [place for code, place in configured.items() if not subdistrict or code in subdistrict]
    results = [
        _migrate(place.warehouse, dry_run, f"{place.code} {place.name}: " if len(places) > 1 else "")
        for place in places
    ]
    raise typer.Exit(0 if all(results) else 1)


def _migrate(path: Path, dry_run: bool, heading: str) -> bool:
    """Upgrade (or with ``dry_run`` describe) one warehouse file; whether it is, or could be, at the latest version."""
    import duckdb

    from warehouse.database import keep_private
    from warehouse.migrations import apply_migrations
    from warehouse.versions import WarehouseOutOfDate, latest_version, schema_version

    latest = latest_version()
    if not path.exists():
        typer.echo(f"{heading}no warehouse at {path} yet: `housekey run` makes it at version {latest}")
        return True
    keep_private(path)
    try:
        con = duckdb.connect(str(path), read_only=dry_run)
    except duckdb.IOException as error:
        typer.echo(f"{heading}cannot open {path} (is a run writing it?): {error}", err=True)
        return False
    with con:
        version = schema_version(con)
        typer.echo(f"{heading}{path}: {_describe(version)}; this housekey's is {latest}")
        if dry_run:
            _list_steps(con)
            return True
        try:
            for step in _timed(apply_migrations(con)):
                typer.echo(step)
        except WarehouseOutOfDate as error:
            typer.echo(str(error), err=True)
            return False
        except duckdb.Error as error:  # the step's transaction rolled back: the warehouse is at the version before it
            typer.echo(
                f"a step failed, rolled back: {error}\nthe warehouse stays at version {schema_version(con)}", err=True
            )
            return False
        typer.echo(f"now at version {schema_version(con)}" if schema_version(con) != version else "nothing to do")
    return True


def _timed(steps):
    """One line per applied step, as each one commits."""
    started = time.perf_counter()
    for step in steps:
        yield f"  applied {step.version:04d} {step.name}: {step.summary} ({time.perf_counter() - started:.1f} s)"
        started = time.perf_counter()


def _list_steps(con) -> None:
    from warehouse.migrations import applied_steps, migrations

    applied = applied_steps(con)
    pending = [step for step in migrations() if step.version not in applied]
    for step in migrations():
        when = f"applied {applied[step.version]:%Y-%m-%d %H:%M}" if step.version in applied else "pending"
        typer.echo(f"  {step.version:04d} {step.name}: {step.summary} [{when}]")
    typer.echo(f"{len(pending)} pending: `housekey migrate` applies them" if pending else "up to date")


def _describe(version: int | None) -> str:
    if version is None:
        return "a new file, not a warehouse yet (made at the latest version)"
    return "made before versions, version 0" if version == 0 else f"version {version}"
