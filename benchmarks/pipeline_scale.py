"""The whole pipeline on a large generated world: end-to-end time, time per stage, peak memory, and
the ratio to the floor (only reading every file into DuckDB), measured side by side in one run.

    .venv/bin/python -m benchmarks.pipeline_scale --people 200000      # about 2.2 million records

Database sources are left out (a generated world has no server behind it); every file source runs.
The floor and the pipeline each run in a fresh process, so each peak memory is its own. CPU seconds (user
and system, every thread and worker process) are printed beside wall seconds: on a machine shared with other
work they move less than wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _file_sources():
    from connectors.spec import load_registry

    return {name: spec for name, spec in load_registry().items() if not spec.is_database}


def floor(world: Path, warehouse: Path) -> dict:
    """Read every delivered file with its reader and insert its rows, as text, into DuckDB; nothing else."""
    import duckdb
    import pyarrow as pa

    from connectors.readers import read_delivery

    started, rows = time.perf_counter(), 0
    con = duckdb.connect(str(warehouse))
    for name, spec in _file_sources().items():
        for n, path in enumerate(sorted((world / "landing" / name).glob(spec.files))):
            for m, part in enumerate(read_delivery(path, spec).parts):
                delivered = pa.table(
                    {f"c{i}": pa.array([r[i] for r in part.rows], pa.string()) for i in range(len(part.header))}
                )
                con.execute(f'CREATE TABLE "{name}_{n}_{m}" AS SELECT * FROM delivered')
                rows += delivered.num_rows
    con.close()
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 1)}


def pipeline(world: Path, warehouse: Path) -> dict:
    """Materialise every asset of the file sources (landing to publishing), timed per stage."""
    from dagster import DagsterEventType, DagsterInstance, materialize

    from pipelines.definitions import pipeline_assets, warehouse_resources

    os.environ["HOUSEKEY_LANDING"] = str(world / "landing")
    os.environ["HOUSEKEY_WAREHOUSE"] = str(warehouse)
    sources = _file_sources()
    started = time.perf_counter()
    result = materialize(
        pipeline_assets(sources),
        resources=warehouse_resources(),
        instance=DagsterInstance.ephemeral(),
        run_config=QUIET,
        raise_on_error=False,
    )
    seconds = time.perf_counter() - started
    stages: dict[str, float] = defaultdict(float)
    for record in result.all_events:
        if record.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            data = record.event_specific_data
            duration = getattr(data, "duration_ms", None)
            if duration is not None:
                layer = record.step_key.split("__")[0]  # raw and staging summed over sources, later assets apart
                stages[layer if layer in ("raw", "staging") else record.step_key] += duration / 1000
    failed = [
        f"{e.step_key}: {e.step_failure_data.error.message.strip().splitlines()[-1]}"
        for e in result.get_step_failure_events()
    ]
    return {
        "success": result.success,
        "failed_steps": failed,
        "seconds": round(seconds, 1),
        "stages": {stage: round(s, 1) for stage, s in sorted(stages.items(), key=lambda kv: -kv[1])},
    }


def _in_fresh_process(stage: str, world: Path, warehouse: Path) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.pipeline_scale",
            "--stage",
            stage,
            "--world",
            str(world),
            "--warehouse",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(world: Path) -> dict:
    """Floor, then pipeline, on a generated world, each in its own process; figures side by side."""
    manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="housekey-scale-") as tmp:
        read_only = _in_fresh_process("floor", world, Path(tmp) / "floor.duckdb")
        full = _in_fresh_process("pipeline", world, Path(tmp) / "housekey.duckdb")
    return {
        "records_generated": manifest["records"],
        "rows_read_by_floor": read_only["rows"],
        "floor_seconds": read_only["seconds"],
        "floor_peak_rss_mb": read_only["peak_rss_mb"],
        "pipeline_success": full["success"],
        "failed_steps": full["failed_steps"],
        "pipeline_seconds": full["seconds"],
        "pipeline_peak_rss_mb": full["peak_rss_mb"],
        "ratio_to_floor": round(full["seconds"] / max(read_only["seconds"], 0.1), 2),
        "floor_cpu_seconds": read_only["cpu_seconds"],
        "pipeline_cpu_seconds": full["cpu_seconds"],
        "cpu_ratio_to_floor": round(full["cpu_seconds"] / max(read_only["cpu_seconds"], 0.1), 2),
        "records_per_second": round(manifest["records"] / max(full["seconds"], 0.1)),
        "stage_seconds": full["stages"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--world", type=Path, help="an already generated world (skips generation)")
    parser.add_argument("--stage", choices=("floor", "pipeline"), help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:  # one measured stage in this fresh process: one JSON line out
        figures = (floor if args.stage == "floor" else pipeline)(args.world, args.warehouse)
        usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of the process, DuckDB's included
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # and the worker processes it waited for
        figures["peak_rss_mb"] = round(usage.ru_maxrss / 1024)
        figures["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime + workers.ru_utime + workers.ru_stime, 1)
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory(prefix="housekey-world-") as tmp:
        world = args.world
        if world is None:
            from data_samples.generator.generate import generate

            world = Path(tmp)
            generate(world, args.people)
        report = measure(world)
    for key, value in report.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
