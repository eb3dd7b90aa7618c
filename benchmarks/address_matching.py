"""House assignment on a sample world, against the generator's truth: precision, recall, throughput.

    .venv/bin/python -m benchmarks.address_matching            # the committed sample
    .venv/bin/python -m benchmarks.address_matching --people 200000

Precision: of the records given a house_id, the share given their true house. Recall: of the
records whose true house is in the register, the share given it. Building-level sources (EV
chargers, waste checks, flood points) name no room, so recall is also shown without them, and
their building-level matches are checked against the true house's building.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

BUILDING_LEVEL = ("ev_charger_repairs", "waste_sorting", "flood_risk_points")


def _land_and_stage(samples: Path, warehouse: Path) -> None:
    from dagster import DagsterInstance, materialize

    from connectors.spec import load_registry
    from pipelines.definitions import source_assets, warehouse_resources

    os.environ["HOUSEKEY_LANDING"] = str(samples / "landing")
    os.environ["HOUSEKEY_WAREHOUSE"] = str(warehouse)
    files = {name: spec for name, spec in load_registry().items() if not spec.is_database}
    assert materialize(source_assets(files), resources=warehouse_resources(), instance=DagsterInstance.ephemeral()).success


def measure(samples: Path) -> dict:
    from resolution.address.register import Register, build_core_houses
    from resolution.address.resolve import resolve_addresses

    with tempfile.TemporaryDirectory(prefix="housekey-match-") as tmp:
        warehouse = Path(tmp) / "bench.duckdb"
        _land_and_stage(samples, warehouse)
        con = duckdb.connect(str(warehouse))
        build_core_houses(con)
        register = Register.from_warehouse(con)
        started = time.perf_counter()
        levels = resolve_addresses(con, register)
        seconds = time.perf_counter() - started
        con.execute(f"CREATE TEMP TABLE truth AS SELECT * FROM read_csv('{samples / 'truth' / 'records.csv'}', all_varchar=true)")
        figures = con.execute(f"""
            WITH scored AS (
                SELECT m.source, m.house_id, m.match_level, t.house_id AS true_house,
                       t.house_id IN (SELECT house_id FROM core.houses) AS in_register
                FROM core.address_matches m JOIN truth t
                  ON t.source = m.source AND t.file = m._file_name AND coalesce(t.sheet, '') = coalesce(m._sheet, '')
                 AND t.row_number = m._row_number::VARCHAR
            )
            SELECT count(*) FILTER (WHERE house_id IS NOT NULL),
                   count(*) FILTER (WHERE house_id = true_house),
                   count(*) FILTER (WHERE in_register),
                   count(*) FILTER (WHERE in_register AND source NOT IN {BUILDING_LEVEL}),
                   count(*) FILTER (WHERE house_id = true_house AND source NOT IN {BUILDING_LEVEL}),
                   count(*)
            FROM scored""").fetchone()
        assigned, correct, in_register, room_sources, room_correct, records = figures
        review = con.execute("SELECT count(*), sum(records) FROM quality.address_review").fetchone()
        distinct = con.execute("SELECT count(DISTINCT address) FROM core.address_matches").fetchone()[0]
    return {
        "records_with_truth": records,
        "precision": round(correct / max(assigned, 1), 4),
        "recall": round(correct / max(in_register, 1), 4),
        "recall_room_level_sources": round(room_correct / max(room_sources, 1), 4),
        "levels": levels,
        "review_queue_addresses": review[0],
        "review_queue_records": int(review[1] or 0),
        "distinct_addresses": distinct,
        "distinct_per_second": round(distinct / seconds),
        "records_per_second": round(sum(levels.values()) / seconds),
    }


def main() -> None:
    from data_samples.generator.generate import SAMPLES, generate

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=0, help="generate a world of this size instead of the sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="housekey-world-") as tmp:
        samples = SAMPLES
        if args.people:
            samples = Path(tmp)
            generate(samples, args.people)
        for key, value in measure(samples).items():
            print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
