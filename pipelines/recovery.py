"""After a crash: runs of ``housekey run`` whose process died keep the warehouse pool's slot for ever.

A run killed mid-load (power cut, OOM killer, kill -9) never tells Dagster it ended: it stays
STARTED and holds its concurrency slot, so every later run would wait for that slot indefinitely.
Each ``housekey run`` is tagged with its host and process id; before a new one starts, runs whose
process is gone are marked failed and their slots freed.
"""

from __future__ import annotations

import os
import socket

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

HOST_TAG, PID_TAG = "housekey/host", "housekey/pid"
_UNFINISHED = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def run_tags() -> dict[str, str]:
    """The tags that let a later run tell whether this one's process is still alive."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def reclaim_dead_runs(instance: DagsterInstance) -> list[str]:
    """Mark this host's runs whose process died as failed and free their concurrency slots; their ids."""
    host = socket.gethostname()
    dead = [
        run
        for run in instance.get_runs(RunsFilter(statuses=_UNFINISHED, tags={HOST_TAG: host}))
        if not _alive(int(run.tags.get(PID_TAG, "0")))
    ]
    for run in dead:
        instance.report_run_failed(run, message=f"process {run.tags.get(PID_TAG)} ended without finishing the run")
    holding = instance.event_log_storage.get_concurrency_run_ids()
    for run_id in holding:
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:  # a finished run holds nothing
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return [run.run_id for run in dead]


def live_runs_of(instance: DagsterInstance, subdistrict: str) -> list[str]:
    """Unfinished runs of a subdistrict partition, whose steps may hold its warehouse file (after
    ``reclaim_dead_runs``, so a dead process's run is not among them)."""
    runs = instance.get_runs(RunsFilter(statuses=_UNFINISHED, tags={"dagster/partition": subdistrict}))
    return [run.run_id for run in runs]
