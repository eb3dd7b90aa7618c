"""House assignment on a sample world, against the generator's truth: precision, recall, throughput.

    .venv/bin/python -m benchmarks.address_matching            # the committed sample
    .venv/bin/python -m benchmarks.address_matching --people 200000

Precision: of the records given a house_id, the share given their true house. Recall: of the
records whose address names a house of the register, the share given it. Records whose address
names only a building (waste checks, EV chargers, some flood points: the truth says which) are
scored apart: the share matched at building level to the right building.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

# Truth says per record whether its address names a house or only the building (waste checks, EV chargers).
SCORE_SQL = """
WITH scored AS (
    SELECT m.house_id, m.match_level, m.candidates, t.house_id AS true_house, t.names,
           t.house_id IN (SELECT house_id FROM core.houses) AS in_register
    FROM core.address_matches m JOIN truth t
      ON t.source = m.source AND t.file = m._file_name AND coalesce(t.sheet, '') = coalesce(m._sheet, '')
     AND t.row_number = m._row_number::VARCHAR
), buildings AS (
    SELECT s.*, (SELECT count(*) FROM core.houses a, core.houses b WHERE a.house_id = s.true_house
                 AND b.house_id = s.candidates[1] AND a.road = b.road AND a.lane_no IS NOT DISTINCT FROM b.lane_no
                 AND a.door_no IS NOT DISTINCT FROM b.door_no AND a.building_no IS NOT DISTINCT FROM b.building_no) > 0
           AS same_building
    FROM scored s
)
SELECT count(house_id), count(*) FILTER (WHERE house_id = true_house),
       count(*) FILTER (WHERE in_register AND names = 'house'),
       count(*) FILTER (WHERE house_id = true_house AND names = 'house'),
       count(*) FILTER (WHERE names = 'building'),
       count(*) FILTER (WHERE names = 'building' AND match_level = 'building' AND same_building),
       count(*)
FROM buildings
"""


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
        figures = con.execute(SCORE_SQL).fetchone()
        assigned, correct, houses, found, buildings, buildings_found, records = figures
        review = con.execute("SELECT count(*), sum(records) FROM quality.address_review").fetchone()
        distinct = con.execute("SELECT count(DISTINCT address) FROM core.address_matches").fetchone()[0]
    return {
        "records_with_truth": records,
        "precision": round(correct / max(assigned, 1), 4),
        "recall": round(found / max(houses, 1), 4),
        "records_naming_a_building": buildings,
        "building_found": round(buildings_found / max(buildings, 1), 4),
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
