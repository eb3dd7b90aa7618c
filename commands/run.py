"""``housekey run``: the pipeline for every subdistrict, with its progress and a summary of what landed.

Dagster and DuckDB are imported inside the command, so ``housekey --help`` answers at once.
Runs are recorded in the Dagster instance at ``$DAGSTER_HOME`` (default ``var/dagster``), so
``housekey ui`` shows the runs ``housekey run`` made.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from commands.quality import run_report as quality_lines

if TYPE_CHECKING:
    from warehouse.raw import SourceLanding
    from warehouse.runs import RunSummary

REPO_ROOT = Path(__file__).resolve().parent.parent
# Dagster's console logger would interleave with the progress display; the UI keeps every log.
QUIET_RUN = {
    "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    # at the command line a database that is down fails at once; scheduled runs retry it
    "execution": {"config": {"retries": {"disabled": {}}}},
}

# piped or redirected (a log, CI, make demo | tee) there is no width to fit: a wide page, so no figure is cut to `6,0…`
console = Console() if sys.stdout.isatty() else Console(width=200)
errors = Console(stderr=True, soft_wrap=True)  # a path or message is never cut into lines


def dagster_home() -> Path:
    """``$DAGSTER_HOME`` (set to ``<repo>/var/dagster`` if unset), with a dagster.yaml that switches
    telemetry off: without it the CLI writes ~/.dagster even when DAGSTER_HOME is set."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / "var" / "dagster")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def register(app: typer.Typer) -> None:
    """Add ``run`` to the ``housekey`` command line."""
    app.command()(run)


def run(
    source: list[str] = typer.Option(
        None,
        "--source",
        "-s",
        help="Only this source (repeatable): land and stage it, then run what depends on it (matching, identity, "
        "tags, marts, publish) over the whole warehouse; those are left out, and the run says so, while the house "
        "register has never been staged.",
    ),
    subdistrict: list[str] = typer.Option(
        None,
        "--subdistrict",
        help="Only this subdistrict code (repeatable); "
        "default every subdistrict of $HOUSEKEY_SUBDISTRICTS, one after another.",
    ),
    full: bool = typer.Option(
        False,
        "--full",
        "--force",
        help="Rebuild even when nothing is new (no new delivery and every input as the last run left it: "
        "specs, register, reviewers' decisions, tag catalogue, code, run day), which is otherwise a no-op.",
    ),
) -> None:
    """Land every pending delivery of every source (or the named ones) in the warehouse, per subdistrict.

    Exits 1 when a delivery failed or is held (quality gate, or schema drift under contract: stop), or a required
    database was not read; 2 on a usage error.
    """
    from warehouse.privacy import MissingTokenKey, require_token_key

    try:
        require_token_key()  # before any work: production never publishes tokens under a missing or weak key
    except MissingTokenKey as error:
        typer.echo(str(error), err=True)  # one line, never wrapped
        raise typer.Exit(2) from error
    with console.status("starting Dagster…"):
        from dagster import DagsterInstance

        from connectors.spec import load_registry
        from pipelines.recovery import reclaim_dead_runs
        from warehouse.subdistricts import SubdistrictsError, load_subdistricts
        from warehouse.versions import WarehouseOutOfDate, check_version

    registry = load_registry()
    if unknown := sorted(set(source or ()) - set(registry)):
        errors.print(Text(f"unknown source {', '.join(unknown)}; known: {', '.join(registry)}", style="red"))
        raise typer.Exit(2)
    try:
        configured = load_subdistricts()
    except SubdistrictsError as error:
        errors.print(Text(str(error), style="red"))
        raise typer.Exit(2) from error
    if unknown := sorted(set(subdistrict or ()) - set(configured)):
        errors.print(
            Text(f"unknown subdistrict {', '.join(unknown)}; configured: {', '.join(configured)}", style="red")
        )
        raise typer.Exit(2)
    selected = {name: spec for name, spec in registry.items() if not source or name in source}
    dagster_home()
    instance = DagsterInstance.get()
    for run_id in reclaim_dead_runs(instance):
        console.print(
            Text(f"run {run_id} was killed before it finished: marked failed, its slot freed", style="yellow")
        )
    codes = [code for code in configured if not subdistrict or code in subdistrict]
    for code in codes:  # a mistyped HOUSEKEY_LANDING would otherwise read as "nothing new" from every source
        for folder in (configured[code].landing, configured[code].district_landing):
            if folder is not None and not Path(folder).is_dir():
                message = f"subdistrict {code}: no landing folder {folder} (HOUSEKEY_LANDING, HOUSEKEY_SUBDISTRICTS)"
                typer.echo(message, err=True)  # one line, never wrapped
                raise typer.Exit(2)
    try:  # an older warehouse is upgraded on purpose, by `housekey migrate`, never half by a run
        for code in codes:
            check_version(configured[code].warehouse)
    except WarehouseOutOfDate as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    results = [_run_subdistrict(instance, registry, selected, configured[code], len(codes) > 1, full) for code in codes]
    from warehouse.routing_ledger import district_routing

    if routing := district_routing(list(configured.values())):
        console.print(Text(str(routing)))  # where the district's exports went, every row counted once
    raise typer.Exit(0 if all(results) else 1)


def _run_subdistrict(instance, registry, selected, place, heading: bool, full: bool = False) -> bool:
    """Materialise one subdistrict's partition in-process and print its summary; whether it succeeded. With
    nothing new since its last finished run (and not ``full``), only say so: a no-op."""
    from pipelines.noop import begin_full_run, finish_full_run, record_noop, since_last_run
    from pipelines.recovery import live_runs_of, run_tags

    if heading:
        console.rule(Text(f"{place.code} {place.name}", style="bold"))
    if busy := live_runs_of(instance, place.code):
        errors.print(
            Text(
                f"subdistrict {place.code}: run {busy[0]} is still writing its warehouse {place.warehouse};"
                " try again when it has finished",
                style="red",
            )
        )
        return False
    started = time.perf_counter()
    verdict = since_last_run(place, registry, selected)
    if verdict.nothing_new and not full:
        record_noop(place, verdict, str(uuid.uuid4()), time.perf_counter() - started)
        console.print(_noop_line(verdict, time.perf_counter() - started), soft_wrap=True)  # one line, never wrapped
        return bool(verdict.last.succeeded)
    # what a full run needs, imported after the no-op answered: Great Expectations, pandas, altair take seconds
    from pipelines.definitions import pipeline_assets, run_in_process, run_selection  # builds the definitions: 2 s
    from pipelines.partitions import subdistrict_partitions
    from quality.gate import held_sources
    from warehouse.accounting import row_accounts
    from warehouse.database import connect
    from warehouse.runs import record_run, summarise_run
    from warehouse.site import site_path

    why = "--full" if full else verdict.why
    console.print(Text(f"full run: {why}", style="dim"))
    run_id = str(uuid.uuid4())  # known before the run starts, so its events can be followed
    begin_full_run(place, run_id, why)
    landed: dict[str, SourceLanding] = {}
    if stops_at_staging := _stops_at_staging(place.warehouse, registry, selected):
        console.print(Text(stops_at_staging, style="yellow"))
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("landing sources", total=len(selected))

        def on_landed(landing: SourceLanding) -> None:
            landed[landing.source] = landing
            progress.console.print(_progress_line(landing))
            progress.advance(task)

        assets = pipeline_assets(registry, on_landed, subdistrict_partitions())
        instance.add_event_listener(run_id, _stage_reporter(assets, progress, task, started))
        result = run_in_process(  # the subdistrict job, as the UI on this instance knows it
            assets,
            None if selected == registry else run_selection(assets, selected, downstream=not stops_at_staging),
            instance=instance,
            run_config=QUIET_RUN,
            raise_on_error=False,
            partition_key=place.code,
            run_id=run_id,
            tags={"housekey/command": "run", **run_tags()},
        )
    with connect(place.warehouse) as con:
        summary = summarise_run(instance, result.run_id, registry, con)
        record_run(con, summary)
    console.print(_summary(summary))
    for failure in summary.failures:
        console.print(Text.assemble(("✗ ", "red"), str(failure)))
    for line in _notes(landed):
        console.print(line)
    with connect(place.warehouse) as con:
        console.print(_accounts(row_accounts(con, list(selected))))
        console.print(*quality_lines(con, registry, place.warehouse), sep="\n")
        if line := _matching_line(con):
            console.print(line)
        held = held_sources(con, selected)
    # a failing database, file or held delivery fails the run
    succeeded = (
        result.success and summary.status != "failure" and not held and not _with_status(summary, "failed", held)
    )
    if result.success and not stops_at_staging:  # the whole pipeline ran: the next run compares with it
        finish_full_run(place, registry, result.run_id, why, succeeded, time.perf_counter() - started)
    console.print(_outcome_line(len(selected), summary, held, time.perf_counter() - started))
    console.print(Text.assemble("Warehouse: ", (str(place.warehouse), "bold")))
    if (analyst := place.warehouse.with_name("analyst.duckdb")).exists():
        console.print(Text.assemble("Analyst copy (ID numbers and phones masked): ", (str(analyst), "bold")))
    if (site := site_path(place.warehouse) / "index.html").exists():
        console.print(Text.assemble("Report site (offline, names masked, owner-only): ", (str(site), "bold")))
    console.print(Text('Open it with `housekey query "SELECT * FROM meta.deliveries"`, or any DuckDB client.'))
    return succeeded


def _noop_line(verdict, seconds: float) -> Text:
    """``nothing new since run 1a2b3c4d (…)``: the no-op run's one line, red when the run it repeats failed."""
    last = verdict.last
    line = (
        f"nothing new since run {last.follows[:8]} (as of {verdict.inputs['as_of']}): no new delivery and every input "
        f"as it left them, so the warehouse and the analyst copy stay as they were ({seconds:.1f} s; --full rebuilds)."
    )
    if not last.succeeded:
        line += " That run failed or held a delivery: see meta.runs."
    return Text(line, style="" if last.succeeded else "red")


def _stops_at_staging(warehouse: Path, registry, selected) -> str | None:
    """Why a run of the selected sources cannot go on after staging (None: it goes on to publishing)."""
    from connectors.spec import register_source
    from warehouse.catalogue import table_exists
    from warehouse.database import connect

    register = register_source(registry)
    if selected == registry or register is None or register in selected:
        return None
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            if table_exists(con, "staging", register):
                return None
    return (
        f"only landing and staging {', '.join(selected)}: matching, identity, tags, marts and publishing need the "
        f"house register, which this warehouse has not staged yet; run `housekey run` (or add --source {register})"
    )


def _outcome_line(sources: int, summary: RunSummary, held: dict[str, str], seconds: float) -> Text:
    """``28 of 29 sources landed, 1 held: rental_registration (61.2 s).``, naming the sources skipped (a database not
    configured here), held and failed; red when one is held or failed."""
    skipped, failed = _with_status(summary, "skipped", held), _with_status(summary, "failed", held)
    line = f"{sources - len(skipped) - len(held) - len(failed)} of {sources} sources landed"
    for label, names in (("skipped", skipped), ("held", sorted(held)), ("failed", failed)):
        line += f", {len(names)} {label}: {', '.join(names)}" if names else ""
    return Text(f"{line} ({seconds:.1f} s).", style="red" if held or failed else "")


def _with_status(summary: RunSummary, status: str, held: dict[str, str]) -> list[str]:
    """The run's sources with this status in its summary that are not held, by name."""
    return sorted(part.source for part in summary.sources if part.status == status and part.source not in held)


# what a stage does, by the first part of its assets' keys: a line each as the run reaches it
STAGES = {
    "raw": "landing sources",
    "staging": "typing and validating deliveries (staging, quality gate)",
    "core": "matching addresses, linking people and businesses, attributing events",
    "quality": "review queues",
    "tags": "evaluating tags",
    "marts": "building marts",
    "meta": "data dictionary",
    "publish": "publishing the analyst copy",
}


def _stage_reporter(assets, progress: Progress, task, started: float):
    """A Dagster event listener printing a line when the run enters a stage, and naming the step under way."""
    stage_of = {d.node_def.name: next(iter(d.keys)).path[0] for d in assets}
    shown: list[str] = []

    def on_event(entry) -> None:
        event = entry.dagster_event
        if event is None or event.event_type_value != "STEP_START":
            return
        stage = stage_of.get(event.step_key)
        if stage is None:  # an asset check's step: part of its asset's stage
            return
        if stage != "raw":
            progress.update(task, description=f"{STAGES.get(stage, stage)}: {event.step_key.replace('__', '/')}")
        if stage not in shown:
            shown.append(stage)
            progress.console.print(
                Text(f"▸ {STAGES.get(stage, stage)}  ({time.perf_counter() - started:.0f} s)", style="dim")
            )

    return on_event


def _progress_line(landing: SourceLanding) -> Text:
    if not landing.deliveries:
        return Text.assemble(("– ", "dim"), (landing.source, "bold"), f"  {landing.note}")
    failed = landing.count("failed")
    mark = ("! ", "yellow") if failed or landing.rows_quarantined else ("✓ ", "green")
    return Text.assemble(
        mark,
        (landing.source, "bold"),
        f"  {landing.count('loaded')} files, {landing.rows_loaded:,} rows landed, {landing.rows_quarantined:,} quarantined"
        + (f", {landing.count('duplicate')} duplicates" if landing.count("duplicate") else "")
        + (f", {failed} failed" if failed else ""),
    )


def _summary(summary: RunSummary) -> Table:
    """The run's summary per source, as recorded in meta.run_sources."""
    where = f" of subdistrict {summary.subdistrict}" if summary.subdistrict else ""
    table = Table(
        title=f"This run{where} as of {summary.as_of} ({summary.run_id[:8]}, in meta.runs): new deliveries and their rows",
        title_justify="left",
    )
    table.add_column("source", no_wrap=True)
    headings = ("files", "rows", "landed", "quar.", "dup.", "staged", "matched")
    for heading in (*headings, "s"):
        table.add_column(heading, justify="right")
    table.add_column("status")
    fields = ("files", "rows_delivered", "rows_landed", "rows_quarantined", "duplicates", "rows_staged", "rows_matched")
    for part in summary.sources:
        status = Text(part.status, style={"ok": "green", "failed": "red"}.get(part.status, "yellow"))
        table.add_row(part.source, *(f"{getattr(part, name):,}" for name in fields), f"{part.seconds:.1f}", status)
    table.add_section()
    table.add_row(
        Text("total", style="bold"),
        *(f"{sum(getattr(p, name) for p in summary.sources):,}" for name in fields),
        f"{summary.seconds:.1f}",
        summary.status,
    )
    return table


def _notes(landed: dict[str, SourceLanding]) -> list[Text]:
    """Skipped sources and the landings' warnings (a mapped column empty in every row), one line each, under the
    summary (failed files and databases are among the run's failures)."""
    from warehouse.pull import FAILED

    lines = []
    for name, landing in landed.items():
        if not landing.deliveries and landing.note and not landing.note.startswith(FAILED):
            lines.append(Text.assemble(("– ", "dim"), f"{name}: {landing.note}"))
        lines += [Text.assemble(("! ", "yellow"), f"{name}: {w}") for r in landing.deliveries for w in r.warnings]
    return lines


def _accounts(accounts) -> Table:
    table = Table(title="All deliveries so far: delivered = staged + quarantined", title_justify="left")
    table.add_column("source", no_wrap=True)
    for heading in ("delivered", "staged", "quarantined", "balanced", "values quarantined"):
        table.add_column(heading, justify="right")
    for a in accounts:
        table.add_row(
            a.source,
            f"{a.delivered:,}",
            f"{a.staged:,}",
            f"{a.quarantined:,}",
            Text(f"yes, {a.pending:,} pending" if a.pending else "yes", style="green")
            if a.balanced
            else Text("NO", style="red"),
            f"{a.values_quarantined:,}",
        )
    table.add_section()
    totals = {
        k: f"{sum(getattr(a, k) for a in accounts):,}"
        for k in ("delivered", "staged", "quarantined", "values_quarantined")
    }
    table.add_row(
        Text("total", style="bold"),
        totals["delivered"],
        totals["staged"],
        totals["quarantined"],
        "",
        totals["values_quarantined"],
    )
    return table


def _matching_line(con) -> Text | None:
    """How the run's addresses matched the house register, in one line (None before any matching)."""
    from warehouse.catalogue import table_exists

    if not table_exists(con, "core", "address_matches"):
        return None
    levels = dict(con.execute("SELECT match_level, count(*) FROM core.address_matches GROUP BY 1").fetchall())
    review = con.execute("SELECT count(*) FROM quality.address_review").fetchone()[0]
    shown = ", ".join(f"{levels.get(level, 0):,} {level}" for level in ("room", "door", "building", "road", "none"))
    outside = levels.get("out_of_area", 0)
    return Text(
        f"Addresses matched to the house register: {shown}; {outside:,} out of the subdistrict (no house, no person "
        f"made); {review:,} addresses wait in quality.address_review."
    )
