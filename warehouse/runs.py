"""Run summaries: what each run did for each source, kept in ``meta.runs`` and ``meta.run_sources``.

A summary is read from the run's Dagster event log (how long each source's steps took, which step
failed and why) and from the warehouse (the deliveries the run landed, and what became of their
rows: staged, quarantined, matched to a house), so runs started by ``housekey run``, a sensor or the
nightly schedule are summarised alike. A failure names the source, the file when one is to blame,
and the step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import duckdb

from connectors.spec import SourceSpec
from schemas.clock import run_day
from warehouse.catalogue import table_exists
from warehouse.database import transaction

SOURCE_LAYERS = ("raw", "staging")
"""The layers whose steps belong to one source; core and publish steps serve them all."""


@dataclass
class SourceRun:
    """One source's part of a run: the deliveries it landed and what became of their rows."""

    source: str
    files: int = 0
    rows_delivered: int = 0
    rows_landed: int = 0
    rows_quarantined: int = 0
    """Rows unreadable on landing or holding a value staging could not read (with reasons in
    quality.quarantine); delivered = staged + quarantined."""
    duplicates: int = 0
    """Files skipped because the same content was delivered before."""
    rows_staged: int = 0
    rows_matched: int = 0
    """Staged rows whose address is matched to a house."""
    seconds: float = 0.0
    status: str = "ok"
    """ok, held (the quality gate, or schema drift under contract: stop, holds a delivery of it: none of that
    delivery is staged), failed (a step or a file failed, or its database was not read), skipped (its database
    not configured here: warehouse/pull.py) or not run (an upstream step failed first)."""
    failures: list[Failure] = field(default_factory=list)
    note: str | None = None
    """Why a skipped source was not read, or why a held one is held."""
    unread: bool = False
    """Its database was required and not read: the run fails until a later run catches up."""


@dataclass(frozen=True)
class Failure:
    """What failed: the source, the file when one is to blame, the step and the first line of why."""

    source: str
    step: str
    message: str
    file_name: str | None = None

    def __str__(self) -> str:
        return f"{self.source}, {f'file {self.file_name}, ' if self.file_name else ''}step {self.step}: {self.message}"


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    trigger: str
    """What started the run: ``command:run``, ``sensor:<name>``, ``schedule:<name>`` or ``manual``."""
    status: str
    """success, held (the run succeeded but holds a delivery of ``held_sources`` of its sources), failure or
    canceled: Dagster's status, except that a source whose database was not read fails the run."""
    started_at: dt.datetime
    finished_at: dt.datetime
    sources: tuple[SourceRun, ...]
    failures: tuple[Failure, ...]
    """Every failure of the run, the source ones and those of shared steps (matching, publishing)."""
    subdistrict: str | None = None
    """The subdistrict code the run was for (its partition); None for an unpartitioned run."""
    as_of: dt.date | None = None
    """The run day its tags, marts and freshness describe (schemas/clock.py)."""
    held_sources: int = 0
    """Its sources a delivery holds (quality/gate.py held_sources), whatever else became of them."""

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def summarise_run(
    instance, run_id: str, sources: Mapping[str, SourceSpec] | Iterable[str], con: duckdb.DuckDBPyConnection
) -> RunSummary:
    """The summary of a finished run, per source among ``sources``: the registry, or only its names (then no
    source is found held: a held delivery is judged by its spec)."""
    from dagster import DagsterEventType

    record = instance.get_run_record_by_id(run_id)
    run = record.dagster_run
    by_source: dict[str, SourceRun] = {}
    started: dict[str, float] = {}
    failures: list[Failure] = []
    names = sorted(sources, key=len, reverse=True)  # longest first: "people" must not claim "people_2"
    first = last = None
    for entry in instance.all_logs(run_id):
        first, last = first or entry.timestamp, entry.timestamp
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        source = _step_source(event.step_key, names)
        part = by_source.setdefault(source, SourceRun(source)) if source else None
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            if part is not None and event.step_key in started:
                part.seconds += entry.timestamp - started[event.step_key]
            if event.event_type == DagsterEventType.STEP_FAILURE:
                message = _first_line(_root_cause(event.step_failure_data.error))
                failures.append(Failure(source or "(all sources)", event.step_key, message))
                if part is not None:
                    part.status = "failed"
                    part.failures.append(failures[-1])
        elif event.event_type == DagsterEventType.STEP_SKIPPED and part is not None and part.status == "ok":
            part.status = "not run"
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION and part is not None:
            _add_outcome(part, event.event_specific_data.materialization.metadata, failures)
    started_at = _utc(record.start_time or first)
    finished_at = _utc(record.end_time or last or first)
    from quality.gate import held_sources  # Great Expectations: a no-op run records its row without it

    held = held_sources(con, {name: sources[name] for name in by_source}) if isinstance(sources, Mapping) else {}
    for part in by_source.values():
        _add_deliveries(con, part, started_at, finished_at)
        failures += [failure for failure in part.failures if failure.step == "raw" and failure.file_name]
        if part.source in held and part.status == "ok":
            part.status, part.note = "held", held[part.source]
    ordered = tuple(by_source[name] for name in sorted(by_source))
    # a source not read fails the run; a failed file is its own named failure and the source was read
    status = "failure" if any(part.unread for part in ordered) else run.status.value.lower()
    if status == "success" and held:  # it ran to the end, but what it was given is not all staged
        status = "held"
    return RunSummary(
        run_id,
        _trigger(run.tags),
        status,
        started_at,
        finished_at,
        ordered,
        tuple(failures),
        run.tags.get("dagster/partition"),
        run_day(),
        len(held),
    )


def _add_outcome(part: SourceRun, metadata, failures: list[Failure]) -> None:
    """A raw step's ``outcome`` (pipelines/sources.py landing_metadata): its database not read."""
    outcome, reason = metadata.get("outcome"), metadata.get("reason")
    if outcome is None:
        return
    reason = _first_line(reason.value if reason is not None else "not read")
    if outcome.value == "failed":
        part.status, part.unread = "failed", True
        failures.append(Failure(part.source, "raw", reason))
        part.failures.append(failures[-1])
    elif part.status == "ok":
        part.status, part.note = "skipped", reason


def record_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    """Write the summary to ``meta.runs`` and ``meta.run_sources``, replacing an earlier one of the run."""
    with transaction(con):
        con.execute("DELETE FROM meta.run_sources WHERE run_id = ?", [summary.run_id])
        con.execute("DELETE FROM meta.runs WHERE run_id = ?", [summary.run_id])
        con.execute(
            "INSERT INTO meta.runs (run_id, trigger, status, started_at, finished_at, seconds, sources, rows_landed,"
            " rows_quarantined, failures, failure_messages, subdistrict, as_of, held_sources)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                summary.run_id,
                summary.trigger,
                summary.status,
                summary.started_at,
                summary.finished_at,
                round(summary.seconds, 3),
                len(summary.sources),
                sum(s.rows_landed for s in summary.sources),
                sum(s.rows_quarantined for s in summary.sources),
                len(summary.failures),
                [str(failure) for failure in summary.failures],
                summary.subdistrict,
                summary.as_of,
                summary.held_sources,
            ],
        )
        if not summary.sources:  # a no-op run touches no source
            return
        con.executemany(
            "INSERT INTO meta.run_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    summary.run_id,
                    s.source,
                    s.status,
                    s.files,
                    s.rows_delivered,
                    s.rows_landed,
                    s.rows_quarantined,
                    s.duplicates,
                    s.rows_staged,
                    s.rows_matched,
                    round(s.seconds, 3),
                    s.failures[0].step if s.failures else None,
                    s.failures[0].file_name if s.failures else None,
                    s.failures[0].message if s.failures else s.note,
                    len(s.failures),
                ]
                for s in summary.sources
            ],
        )


def summary_lines(summary: RunSummary) -> list[str]:
    """The summary as plain text lines: one per source, then one per failure."""
    header = (
        f"{'source':<28}{'files':>6}{'rows':>9}{'landed':>9}{'quar.':>7}{'staged':>9}{'matched':>9}{'s':>7}  status"
    )
    where = f" for subdistrict {summary.subdistrict}" if summary.subdistrict else ""
    held = f" ({summary.held_sources} held)" if summary.held_sources else ""
    lines = [
        (
            f"run {summary.run_id[:8]} ({summary.trigger}){where}, as of {summary.as_of}: {summary.status}{held}"
            f" in {summary.seconds:.1f} s"
        ),
        header,
    ]
    for s in summary.sources:
        lines.append(
            f"{s.source:<28}{s.files:>6,}{s.rows_delivered:>9,}{s.rows_landed:>9,}{s.rows_quarantined:>7,}"
            f"{s.rows_staged:>9,}{s.rows_matched:>9,}{s.seconds:>7.1f}  {s.status}"
        )
    lines += [f"✗ {failure}" for failure in summary.failures]
    return lines


def _step_source(step_key: str, names: list[str]) -> str | None:
    """The source a step works for (``raw__people``, ``staging__people_rows_add_up``); None for shared steps."""
    layer, _, rest = step_key.partition("__")
    if layer not in SOURCE_LAYERS:
        return None
    return next((name for name in names if rest == name or rest.startswith(name + "_")), None)


def _add_deliveries(con, part: SourceRun, since: dt.datetime, until: dt.datetime) -> None:
    """The figures of the deliveries the source landed between ``since`` and ``until``; a failed file
    becomes a failure naming it."""
    window = [part.source, since, until + dt.timedelta(seconds=1)]  # a run starts before it lands anything
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _run_deliveries AS SELECT * FROM meta.deliveries"
        " WHERE source = ? AND loaded_at BETWEEN ? AND ?",
        window,
    )
    part.files, part.rows_delivered, part.rows_landed, part.duplicates = con.execute(
        "SELECT count(*) FILTER (status = 'loaded'), coalesce(sum(rows_delivered) FILTER (status = 'loaded'), 0),"
        " coalesce(sum(rows_loaded), 0), count(*) FILTER (status = 'duplicate') FROM _run_deliveries"
    ).fetchone()
    part.rows_quarantined = con.execute(
        "SELECT count(*) FROM quality.quarantined_rows q"
        " JOIN _run_deliveries d USING (delivery_id) WHERE q.source = ? AND d.status = 'loaded'",
        [part.source],
    ).fetchone()[0]
    if table_exists(con, "staging", part.source):
        part.rows_staged = con.execute(
            f'SELECT count(*) FROM staging."{part.source}"'
            " WHERE _delivery_id IN (SELECT delivery_id FROM _run_deliveries)"
        ).fetchone()[0]
    if table_exists(con, "core", "address_matches"):
        part.rows_matched = con.execute(
            "SELECT count(*) FROM core.address_matches WHERE source = ? AND house_id IS NOT NULL"
            " AND _delivery_id IN (SELECT delivery_id FROM _run_deliveries)",
            [part.source],
        ).fetchone()[0]
    for file_name, notes in con.execute(
        "SELECT file_name, notes FROM _run_deliveries WHERE status = 'failed' ORDER BY loaded_at"
    ).fetchall():
        part.status = "failed"
        part.failures.append(Failure(part.source, "raw", _first_line(notes or "unreadable"), file_name))
    con.execute("DROP TABLE _run_deliveries")


def _trigger(tags) -> str:
    for tag, kind in (
        ("dagster/schedule_name", "schedule"),
        ("dagster/sensor_name", "sensor"),
        ("housekey/command", "command"),
    ):
        if tag in tags:
            return f"{kind}:{tags[tag]}"
    return "manual"


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def _root_cause(error) -> str:
    """The message of the error the step's code raised, not of Dagster's wrapper around it."""
    while error is not None and error.cause is not None:
        error = error.cause
    return error.message if error is not None else "failed"


def _first_line(text: str) -> str:
    return (str(text).strip().splitlines() or [""])[0]
