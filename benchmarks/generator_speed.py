"""How fast the sample-world generator writes a large world, and how many source records it emits.

.venv/bin/python -m benchmarks.generator_speed --people 200000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from data_samples.generator.generate import generate


def measure(people: int, seed: int = 20261101, out: Path | None = None) -> dict:
    """Generate a world into ``out`` (kept) or a temporary folder (removed), timed."""
    with tempfile.TemporaryDirectory(prefix="housekey-bench-") as tmp:
        out = out or Path(tmp)
        started = time.perf_counter()
        manifest = generate(out, people, seed=seed)
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "people": people,
        "sources": len(manifest["sources"]),
        "records": manifest["records"],
        "seconds": round(elapsed, 1),
        "records_per_second": round(manifest["records"] / elapsed),
        "megabytes_written": round(size / 2**20),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=200_000)
    args = parser.parse_args()
    result = measure(args.people)
    for key, value in result.items():
        print(f"{key:>20}: {value}")
    print(
        "PASS"
        if result["records"] >= 2_000_000 and result["seconds"] < 600
        else "target: >= 2,000,000 records in < 600 s"
    )


if __name__ == "__main__":
    main()
