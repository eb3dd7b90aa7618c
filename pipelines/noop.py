"""Whether a subdistrict's run has anything to do: a run with nothing new since the last finished one (no new
delivery in the sources it lands, and every input's digest as that run left it: warehouse/fingerprint.py) is a
no-op, answered in seconds without starting the pipeline; anything else is the full run, with why.

``housekey run`` asks ``since_last_run`` before it starts the subdistrict's job, records a ``running`` row in
``meta.run_inputs`` (``begin_full_run``) and, once the whole pipeline succeeded, the inputs as the run left
them (``finish_full_run``). A run that stops at staging (``--source`` without the register) or fails leaves
its ``running`` row, so the next run is full.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from connectors.spec import SourceSpec
from schemas.clock import run_day, wall_clock
from warehouse.database import connect
from warehouse.fingerprint import (
    LastRun,
    changed_inputs,
    finish_run_inputs,
    input_digests,
    last_run,
    record_run_inputs,
)
from warehouse.pending import new_deliveries
from warehouse.routed_files import routed_spec
from warehouse.runs import RunSummary, record_run
from warehouse.subdistricts import Subdistrict


@dataclass(frozen=True)
class Verdict:
    """What a run has to do."""

    nothing_new: bool
    why: str
    """Why the full run: the inputs that changed and the sources with new deliveries (empty for a no-op)."""
    last: LastRun | None = None
    inputs: Mapping[str, str] | None = None


def since_last_run(
    place: Subdistrict, registry: Mapping[str, SourceSpec], selected: Mapping[str, SourceSpec]
) -> Verdict:
    """Whether the ``selected`` sources' run of ``place`` would change nothing since its last finished run."""
    if not place.warehouse.exists():
        return Verdict(False, "a new warehouse")
    with connect(place.warehouse) as con:  # a warehouse of another version was refused before this
        last = last_run(con)
        if last is None:
            return Verdict(False, "no earlier run recorded its inputs")
        if last.outcome == "running":
            return Verdict(False, f"run {last.run_id[:8]} did not finish", last)
        inputs = input_digests(con, registry, _city_ids(place))
        changed = changed_inputs(last.inputs, inputs)
        delivering = {  # a district-wide database source comes as routed files
            name: routed_spec(spec) if name in place.district_sources else spec
            for name, spec in selected.items()
            if place.delivers(name)
        }
        news = new_deliveries(con, delivering, place.landing)
    why = [*(f"{label} changed" for label in changed), *(f"new in {found}" for found in news)]
    return Verdict(not why, "; ".join(why), last, inputs)


def record_noop(place: Subdistrict, verdict: Verdict, run_id: str, seconds: float) -> None:
    """A no-op run's rows: in meta.run_inputs the inputs it found and the verdict of the run it repeats, in
    meta.runs status ``no-op`` with no source and the held sources of the run whose warehouse it leaves as it was."""
    finished = wall_clock()
    with connect(place.warehouse) as con:
        record_run_inputs(con, run_id, place.code, "no-op", verdict.inputs, None, verdict.last.succeeded, seconds)
        held = con.execute("SELECT held_sources FROM meta.runs WHERE run_id = ?", [verdict.last.follows]).fetchone()
        started = finished - dt.timedelta(seconds=seconds)
        summary = RunSummary(run_id, "command:run", "no-op", started, finished, (), (), place.code, run_day())
        record_run(con, dataclasses.replace(summary, held_sources=held[0] if held else 0))


def begin_full_run(place: Subdistrict, run_id: str, why: str) -> None:
    """A full run's ``running`` row, before the pipeline writes anything (none before the warehouse exists)."""
    if place.warehouse.exists():
        with connect(place.warehouse) as con:
            record_run_inputs(con, run_id, place.code, "running", {}, why)


def finish_full_run(
    place: Subdistrict, registry: Mapping[str, SourceSpec], run_id: str, why: str, succeeded: bool, seconds: float
) -> None:
    """The whole pipeline ran: its ``running`` row becomes ``full``, with the inputs as the run left them."""
    with connect(place.warehouse) as con:
        finish_run_inputs(
            con, run_id, place.code, input_digests(con, registry, _city_ids(place)), why, succeeded, seconds
        )


def _city_ids(place: Subdistrict) -> Path:
    """The city person ids ``core/city_person_ids`` reads back for ``place`` (pipelines/city.py)."""
    from resolution.city.link import city_ids_file
    from resolution.city.records import city_identity_root

    return city_ids_file(city_identity_root(), place.code)
