"""Latency of one new delivery: from dropping 10,000 grid-patrol records (网格巡查, JSON lines) into the
landing folder to seeing them in the published analyst copy, with the daemon and the source's landing
sensor running, as in a deployment.

    .venv/bin/python -m benchmarks.delivery_latency [--records 10000] [--keep DIR]
    .venv/bin/python -m benchmarks.delivery_latency --world DIR   # a world of `housekey generate --people N`
    .venv/bin/python -m benchmarks.delivery_latency --world DIR --keep K --load-only   # then, later:
    .venv/bin/python -m benchmarks.delivery_latency --world DIR --keep K --resume

``--load-only`` stops after the first run; ``--resume`` starts from there (a large world's first run takes many
minutes and need not happen on a quiet machine; the delivery is timed when ``--resume`` runs). The code must not
change in between: a code change makes the next run a full one.

In a temporary copy of the sample world, or of a generated one (``--world``: its file sources only, its own houses
and people for the delivery), with a new warehouse and DAGSTER_HOME: ``housekey run`` once, then
``dagster-daemon run`` with ``landing_grid_patrols`` switched on (its cursor set to the files already
there, as after weeks of running), then the drop (one rename into the folder) and polling of
``analyst.duckdb``, read-only, until the delivery's rows are all there (staged or quarantined). The time
is split with the sensor's tick and the run's events: sensor pickup, queue and launch, each step, and
the moment the new copy was swapped in.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path

from connectors.spec import sources_with

SOURCE = sources_with(events="patrols")[0]  # the grid patrols, whose exporter the sample generator has
SENSOR = f"landing_{SOURCE}"
DELIVERY_WEEK = datetime(2026, 11, 2, 8)  # the Monday after the sample world's AS_OF: every record key is new
RUN_DAY = "2026-11-09"  # the runs describe the day after that week, so its records are not in the future
REPO_ROOT = Path(__file__).resolve().parent.parent
FIRST_RUN_LOG = "first_run.log"


def write_patrol_delivery(folder: Path, records: int, people: int = 3000, seed: int = 20261101) -> Path:
    """One week of grid-patrol findings, ``records`` lines, written by the sample generator's own exporter
    on the sample world's houses, businesses and grids (so addresses resolve); event ids and record keys
    are new. Returns the file, written in ``folder`` (to be moved into the landing folder)."""
    from data_samples.generator.delivery import Deliveries
    from data_samples.generator.events import Volumes, build_events
    from data_samples.generator.noise import NoiseRates
    from data_samples.generator.world import World, build_world

    nothing = Volumes(
        complaints=0,
        patrols=0,
        repairs=0,
        urban_cases=0,
        renovations=0,
        ev_repairs=0,
        activities=0,
        care_visits_per_person=0,
        waste_checks_per_site=0,
        inspections_per_shop=0,
    )
    world = build_world(people, seed, nothing)
    rng = random.Random(f"{seed}:latency:{records}")
    patrols = replace(nothing, patrols=(records + 1) * 1000 / len(world.people))
    events = build_events(rng, world.houses, world.people, world.businesses, patrols)[:records]
    assert len(events) == records, f"the generator made {len(events)} patrol events, not {records}"
    for n, event in enumerate(events):  # all in one week after the world's day, with ids no export used
        event.event_id = f"L{n + 1:07d}"
        event.occurred = DELIVERY_WEEK + timedelta(minutes=n * 7 * 12 * 60 // records)
    out = folder / "generated"
    deliveries = Deliveries.open(SOURCE, out, seed, NoiseRates(duplicate_row=0))  # exactly `records` lines
    import_module(f"data_samples.generator.sources.{SOURCE}").export(
        World(seed, world.houses, world.people, world.businesses, events, world.subdistrict), deliveries
    )
    (written,) = deliveries.files
    path = folder / written["file"]
    os.replace(out / "landing" / SOURCE / written["file"], path)
    shutil.rmtree(out)
    return path


def visible_records(analyst: Path, file_name: str) -> int:
    """How many rows of the delivery the published analyst copy holds, staged or quarantined (0 before)."""
    import duckdb

    try:
        with duckdb.connect(str(analyst), read_only=True) as con:
            staged = con.execute(f"SELECT count(*) FROM staging.{SOURCE} WHERE _file_name = ?", [file_name]).fetchone()[
                0
            ]
            held = con.execute(
                "SELECT count(DISTINCT (sheet, row_number)) FROM quality.quarantine "
                "WHERE source = ? AND file_name = ? AND NOT is_row_kept",
                [SOURCE, file_name],
            ).fetchone()[0]
    except (duckdb.Error, OSError):  # not published yet, or swapped at this instant
        return 0
    return staged + held


def _dagster(env: dict, *args: str) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), *args, "-m", "pipelines.definitions"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"dagster {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


@contextmanager
def environment(values: dict):
    """This process's environment with ``values`` set (None: unset), as it was afterwards."""
    before = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        yield
    finally:
        for key, value in before.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def current_cursor() -> str:
    """The landing sensor's cursor over the files already in its folder: evaluated here, with the project's own
    sensor, so the daemon's first tick finds nothing new (as after weeks of running)."""
    from dagster import DagsterInstance, build_sensor_context

    from pipelines.definitions import build_definitions

    repository = build_definitions().get_repository_def()
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, repository_def=repository)
        result = repository.get_sensor_def(SENSOR).evaluate_tick(context)
    assert result.cursor, f"{SENSOR} found no files to start from"
    return result.cursor


@contextmanager
def running_daemon(env: dict, log: Path):
    """``dagster-daemon run`` on the project's definitions, in its own process group (it starts a code server
    and a process per run); stopped with its children at the end."""
    import signal

    with log.open("w") as out:
        daemon = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-m", "pipelines.definitions"],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield daemon
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()
            # its run (the site after the copy) may outlive it: the folder is removed once the whole group is gone
            if not _gone(daemon.pid, 30):
                os.killpg(daemon.pid, signal.SIGKILL)
                _gone(daemon.pid, 30)


def _gone(group: int, seconds: float) -> bool:
    """Whether every process of the group has ended within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _wait(condition, timeout: float, what: str, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise TimeoutError(f"{what} within {timeout:.0f} s")


def sensor_ticks(instance):
    """The landing sensor's ticks, newest first."""
    from dagster._core.scheduler.instigation import InstigatorType

    (state,) = [s for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR) if s.name == SENSOR]
    return instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=50)


def breakdown(instance, run_id: str, dropped: float, visible: float) -> dict:
    """Drop-to-visible split by the sensor's tick and the run's events (seconds, wall clock)."""
    from dagster import DagsterEventType

    (tick,) = [t for t in sensor_ticks(instance) if run_id in t.run_ids]
    records = instance.all_logs(run_id)
    first = {}
    for record in records:
        if record.dagster_event is not None:
            first.setdefault(record.dagster_event.event_type, record.timestamp)
    steps, step_started = {}, {}
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            step_started[event.step_key] = record.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            steps[event.step_key] = (step_started[event.step_key], record.timestamp)
    publish_key = next(key for key in steps if key.startswith("publish"))
    enqueued = first.get(DagsterEventType.RUN_ENQUEUED, tick.timestamp)
    started = first[DagsterEventType.RUN_START]
    step_seconds = {key: round(end - start, 2) for key, (start, end) in sorted(steps.items(), key=lambda kv: kv[1])}
    return {
        "drop_to_visible_s": round(visible - dropped, 1),
        "sensor_pickup_s": round(tick.timestamp - dropped, 1),  # settling, and waiting for the sensor's next tick
        "tick_to_run_queued_s": round(enqueued - tick.timestamp, 1),
        "queued_to_run_started_s": round(started - enqueued, 1),  # dequeue, a run process, loading the code
        "steps_s": round(steps[publish_key][0] - started, 1),  # every step before publishing, gaps included
        "publish_swap_s": step_seconds[publish_key],  # the masked copy written and renamed into place
        "swap_to_seen_s": round(visible - steps[publish_key][1], 1),  # this benchmark's polling
        "steps": len(steps),
        "step_seconds": {k: v for k, v in step_seconds.items() if k != publish_key},
    }


def measure(records: int = 10_000, keep: Path | None = None, world: Path | None = None, phase: str = "all") -> dict:
    """Set up a copy of the sample world (or of ``world``), run it once, start the daemon and the sensor, drop one
    delivery of ``records`` grid-patrol findings and time it to the analyst copy. ``phase``: "load" stops after
    the first run, "resume" starts after it (in ``keep``), "all" does both."""
    loaded = keep is not None and (keep / FIRST_RUN_LOG).exists()
    if phase == "resume" and not loaded:
        raise FileNotFoundError(f"--resume {keep}: no first run there (run with --load-only first)")
    if phase != "resume" and keep is not None and keep.exists() and any(keep.iterdir()):
        raise FileExistsError(f"--keep {keep}: the folder must be new or empty")
    with tempfile.TemporaryDirectory(prefix="housekey-latency-") as tmp:
        root = keep or Path(tmp)
        landing, warehouse, home = root / "landing", root / "warehouse" / "housekey.duckdb", root / "dagster"
        manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8")) if world else {}
        if phase != "resume":
            shutil.copytree((world or REPO_ROOT / "data_samples") / "landing", landing)
            home.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
        # the one sample subdistrict, in this copy
        values = {
            "HOUSEKEY_LANDING": str(landing),
            "HOUSEKEY_WAREHOUSE": str(warehouse),
            "DAGSTER_HOME": str(home),
            "HOUSEKEY_SUBDISTRICTS": None,
            "HOUSEKEY_AS_OF": RUN_DAY,
        }
        if world:  # a generated world has no database servers behind it
            values["HOUSEKEY_DATABASES"] = "off"
        with environment(values):
            first_run = None if phase == "resume" else _first_run(root, warehouse)
            if phase == "load":
                return {"first_full_run_s": first_run, "kept": str(root)}
            figures = _measure(records, root, landing, warehouse, manifest.get("people", 3000), manifest.get("seed"))
            return {"records": records, "first_full_run_s": first_run, **figures}


def _first_run(root: Path, warehouse: Path) -> float:
    """``housekey run`` on the copied landing zone; its seconds (its output in first_run.log)."""
    started = time.perf_counter()
    first = subprocess.run(
        [str(Path(sys.executable).with_name("housekey")), "run"],
        env=dict(os.environ),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    seconds = round(time.perf_counter() - started, 1)
    if first.returncode or not warehouse.with_name("analyst.duckdb").exists():
        raise RuntimeError(
            f"housekey run failed (exit {first.returncode}):\n{first.stdout[-3000:]}{first.stderr[-3000:]}"
        )
    (root / FIRST_RUN_LOG).write_text(first.stdout + first.stderr, encoding="utf-8")  # written last: loaded
    return seconds


def _measure(records: int, root: Path, landing: Path, warehouse: Path, people: int, seed: int | None) -> dict:
    from dagster import DagsterInstance, RunsFilter

    env = dict(os.environ)
    analyst = warehouse.with_name("analyst.duckdb")

    _dagster(env, "sensor", "start", SENSOR)
    _dagster(env, "sensor", "cursor", SENSOR, "--set", current_cursor())
    incoming = root / "incoming"  # on the landing zone's file system: the drop is one rename
    incoming.mkdir(exist_ok=True)
    with running_daemon(env, root / "daemon.log"), DagsterInstance.get() as instance:
        _wait(
            lambda: any(t.status.value == "SKIPPED" for t in sensor_ticks(instance)),
            120,
            f"the daemon did not tick {SENSOR}",
        )
        delivery = write_patrol_delivery(incoming, records, people, *([seed] if seed is not None else []))
        dropped = time.time()
        os.replace(delivery, landing / SOURCE / delivery.name)
        _wait(
            lambda: visible_records(analyst, delivery.name) >= records,
            600 + people // 100,  # a full run of a large world takes minutes
            f"the {records} records did not reach the analyst copy",
        )
        visible = time.time()
        (run,) = instance.get_runs(RunsFilter(tags={"dagster/sensor_name": SENSOR}))
        _wait(lambda: instance.get_run_by_id(run.run_id).is_finished, 120, "the run did not finish")
        figures = breakdown(instance, run.run_id, dropped, visible)
        status = instance.get_run_by_id(run.run_id).status.value
    return {"file": delivery.name, "sensor_run_status": status, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (daemon.log, warehouse, instance)")
    parser.add_argument("--world", type=Path, help="a world of `housekey generate` instead of the sample")
    phase = parser.add_mutually_exclusive_group()
    phase.add_argument("--load-only", action="store_true", help="set up and run once in --keep, then stop")
    phase.add_argument("--resume", action="store_true", help="drop the delivery into --keep, loaded before")
    args = parser.parse_args()
    if (args.load_only or args.resume) and args.keep is None:
        parser.error("--load-only and --resume need --keep")
    phase = "load" if args.load_only else "resume" if args.resume else "all"
    for key, value in measure(args.records, args.keep, args.world, phase).items():
        print(f"{key:>24}: {json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value}")


if __name__ == "__main__":
    main()
