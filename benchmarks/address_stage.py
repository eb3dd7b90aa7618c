"""The address stage alone (core.address_matches and quality.address_review from staging), timed on a copy of a
staged warehouse: wall and CPU seconds (this process and its workers).

    .venv/bin/python -m benchmarks.address_stage --world /tmp/world50k --staged /tmp/staged50k.duckdb
    .venv/bin/python -m benchmarks.address_stage --staged /tmp/staged50k.duckdb --out /tmp/matches_now

With ``--world``, the world's file sources are landed and staged into ``--staged`` first (minutes) and the
register built; without it, ``--staged`` is used as it is, so two releases can be timed on one input, one after
the other. ``--out DIR`` writes both tables as Parquet (the matches ordered by record_id) to compare releases.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb


def _cpu() -> float:
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def stage(world: Path, staged: Path) -> None:
    """Land and stage the world's file sources into ``staged``, and build core.houses."""
    from benchmarks.address_matching import _land_and_stage
    from resolution.address.register import build_core_houses

    _land_and_stage(world, staged)
    with duckdb.connect(str(staged)) as con:
        build_core_houses(con)


def measure(staged: Path, out: Path | None = None) -> dict:
    """Resolve every address of a copy of ``staged``; seconds, and what was matched."""
    from resolution.address.register import Register
    from resolution.address.resolve import resolve_addresses

    with tempfile.TemporaryDirectory(prefix="housekey-address-stage-") as folder:
        copy = Path(folder) / "warehouse.duckdb"
        shutil.copy(staged, copy)
        with duckdb.connect(str(copy)) as con:
            cpu, began = _cpu(), time.perf_counter()
            levels = resolve_addresses(con, Register.from_warehouse(con))
            seconds, cpu = time.perf_counter() - began, _cpu() - cpu
            matched = con.execute("SELECT addresses_matched FROM core.address_match_basis").fetchone()[0]
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                con.execute(
                    f"COPY (SELECT * FROM core.address_matches ORDER BY record_id) TO '{out / 'matches.parquet'}'"
                )
                con.execute(f"COPY (SELECT * FROM quality.address_review) TO '{out / 'review.parquet'}'")
    return {
        "records": sum(levels.values()),
        "distinct_addresses_matched": matched,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "levels": levels,
    }


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--world", type=Path, help="a generated world to stage first (housekey generate --out)")
    cli.add_argument("--staged", type=Path, required=True, help="the staged warehouse (written with --world)")
    cli.add_argument("--out", type=Path, help="write core.address_matches and quality.address_review here")
    args = cli.parse_args()
    if args.world:
        stage(args.world, args.staged)
    for key, value in measure(args.staged, args.out).items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
