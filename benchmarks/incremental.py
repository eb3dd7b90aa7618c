"""A run's cost with nothing new and with a little new (issue 18): on a copy of the sample's landing zone,
``housekey run`` three times, side by side: the full run of a new warehouse, the run after it with nothing new
(a no-op: no pipeline started, every core, tags and marts table and the analyst copy unchanged, checked), and the
run after one small new delivery (grid patrols), which is a full run except that address matching parses and
matches only the addresses never seen (core.address_match_basis) and identity keeps the people it linked when the
delivery names nobody (core.identity_basis). Then a fourth run, of a new warehouse over the same deliveries at
once, and every core, tags and marts table of the two compared (benchmarks/equality.py): incremental equals full.

    .venv/bin/python -m benchmarks.incremental [--records 200]

Each run is the command itself, in a process of its own, timed from start to exit, on a copy of the code made
first (the code is one of a run's inputs: an edit in the checkout during the benchmark would make the no-op a
full run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.delivery_latency import RUN_DAY, SOURCE, write_patrol_delivery
from benchmarks.equality import compare_warehouses

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LANDING = REPO_ROOT / "data_samples" / "landing"
CODE = ("commands", "connectors", "pipelines", "quality", "resolution", "schemas", "warehouse", "benchmarks")
CODE_FILES = ("pyproject.toml", "dagster.yaml", "requirements.lock")


def _copy_code(to: Path) -> Path:
    """The packages a run imports, copied to ``to`` (the sample generator without its outputs)."""
    for name in CODE:
        shutil.copytree(REPO_ROOT / name, to / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(
        REPO_ROOT / "data_samples",
        to / "data_samples",
        ignore=shutil.ignore_patterns("landing", "truth", "__pycache__"),
    )
    for name in CODE_FILES:
        shutil.copy(REPO_ROOT / name, to / name)
    return to


def _run(env: dict, code: Path) -> tuple[float, str]:
    """``housekey run`` from the copy of the code: its seconds and its output; a run that exits 2 (a usage
    error) stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from commands.housekey import app; app()", "run"],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"housekey run exited {done.returncode}:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def _checksums(warehouse: Path) -> dict:
    import duckdb

    from warehouse.fingerprint import layer_checksums

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return layer_checksums(con)


def _matching(warehouse: Path) -> dict:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        reused, matched, why = con.execute(
            "SELECT addresses_reused, addresses_matched, rematched_because FROM core.address_match_basis"
        ).fetchone()
    return {"addresses_reused": reused, "addresses_matched": matched, "rematched_because": why}


def _identity(warehouse: Path) -> dict:
    """Per entity, whether the run linked again and why (NULL: it kept the latest linking)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT entity, relinked_because FROM core.identity_basis ORDER BY entity").fetchall()
    return {entity: why or "kept" for entity, why in rows}


def measure(records: int = 200) -> dict:
    """Seconds of the full, no-op and after-a-delivery runs, and what each did."""
    with tempfile.TemporaryDirectory(prefix="housekey-incremental-") as tmp:
        root = Path(tmp)
        code = _copy_code(root / "code")
        shutil.copytree(SAMPLE_LANDING, root / "landing")
        warehouse = root / "warehouse" / "housekey.duckdb"
        env = {
            **os.environ,
            "HOUSEKEY_LANDING": str(root / "landing"),
            "HOUSEKEY_WAREHOUSE": str(warehouse),
            "DAGSTER_HOME": str(root / "dagster"),
            "HOUSEKEY_AS_OF": RUN_DAY,  # the day after the new delivery's week, for all three runs
            "PYTHONPATH": str(code),  # before the checkout the editable install puts on the path
        }
        env.setdefault("HOUSEKEY_TOKEN_KEY_1", "housekey-benchmark-key-not-secret")
        env.pop("HOUSEKEY_SUBDISTRICTS", None)
        full, _ = _run(env, code)
        tables = _checksums(warehouse)
        analyst = warehouse.with_name("analyst.duckdb").stat().st_mtime_ns
        noop, said = _run(env, code)
        unchanged = (
            _checksums(warehouse) == tables and warehouse.with_name("analyst.duckdb").stat().st_mtime_ns == analyst
        )
        delivery = write_patrol_delivery(root, records)
        os.replace(delivery, root / "landing" / SOURCE / delivery.name)
        after, _ = _run(env, code)
        # the same deliveries in one run of a new warehouse: what the two runs above must have built
        once = root / "once" / "housekey.duckdb"
        _run({**env, "HOUSEKEY_WAREHOUSE": str(once)}, code)
        comparison = compare_warehouses(once, warehouse)
        return {
            "full_run_s": round(full, 1),
            "noop_run_s": round(noop, 1),
            "noop_says": said.strip().splitlines()[0][:120] if said.strip() else "",
            "noop_left_tables_and_analyst_copy_unchanged": unchanged,
            f"run_after_{records}_new_records_s": round(after, 1),
            "matching_after_the_delivery": _matching(warehouse),
            "identity_after_the_delivery": _identity(warehouse),
            "incremental_equals_full": comparison.equal,
            "incremental_against_full": comparison.summary(),
        }


def report(figures: dict) -> None:
    for key, value in figures.items():
        print(f"{key:>44}: {json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200, help="records of the small new delivery")
    report(measure(parser.parse_args(argv).records))


if __name__ == "__main__":
    main()
