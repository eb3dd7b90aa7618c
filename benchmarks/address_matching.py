"""House assignment on a sample world, against the generator's truth: precision, recall, throughput,
per source and per kind of noise.

    .venv/bin/python -m benchmarks.address_matching            # the committed sample
    .venv/bin/python -m benchmarks.address_matching --people 200000
    .venv/bin/python -m benchmarks.address_matching --world /tmp/world   # one world, two releases side by side

Precision: of the records given a house_id, the share given their true house; a record whose address lies
outside the subdistrict (truth names = out_of_area, no house) counts as a wrong house whenever it gets one.
Recall: of the records whose address names a house of the register, the share given it. Out-of-area
records are also scored on their own: the share whose match_level is 'out_of_area'. Per house form
(石库门 room names, 甲/乙 doors, addresses written in English or pinyin), the same precision and recall
over the records of that form. Records whose address
names only a building (waste checks, EV chargers, some flood points: the truth says which) are
scored apart: the share matched at building level to the right building. Per kind of noise, every
house of the register is written once with only that noise (all of it, always) and matched.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import duckdb

from data_samples.generator.geography import ROOM_NAMES

# Truth says per record whether its address names a house, only the building (waste checks, EV chargers),
# or a place outside the subdistrict (out_of_area: no house is right).
SCORED_SQL = """
    SELECT m.source, m.address, m.house_id, m.match_level, m.candidates, t.house_id AS true_house, t.names,
           t.house_id IN (SELECT house_id FROM core.houses) AS in_register
    FROM core.address_matches m JOIN truth t
      ON t.source = m.source AND t.file = m._file_name AND coalesce(t.sheet, '') = coalesce(m._sheet, '')
     AND t.row_number = m._row_number::VARCHAR
"""
SCORE_SQL = (
    """
WITH scored AS ("""
    + SCORED_SQL
    + """), buildings AS (
    SELECT s.*, (SELECT count(*) FROM core.houses a, core.houses b WHERE a.house_id = s.true_house
                 AND b.house_id = s.candidates[1] AND a.road = b.road AND a.lane_no IS NOT DISTINCT FROM b.lane_no
                 AND a.door_no IS NOT DISTINCT FROM b.door_no AND a.building_no IS NOT DISTINCT FROM b.building_no) > 0
           AS same_building
    FROM scored s
)
SELECT {group} count(house_id), count(*) FILTER (WHERE house_id = true_house),
       count(*) FILTER (WHERE in_register AND names = 'house'),
       count(*) FILTER (WHERE house_id = true_house AND names = 'house'),
       count(*) FILTER (WHERE names = 'building'),
       count(*) FILTER (WHERE names = 'building' AND match_level = 'building' AND same_building),
       count(*),
       count(*) FILTER (WHERE names = 'out_of_area'),
       count(*) FILTER (WHERE names = 'out_of_area' AND match_level = 'out_of_area'),
       count(house_id) FILTER (WHERE names = 'out_of_area')
FROM buildings {group_by}
"""
)
# The forms the open world added, by the true house (石库门 room names, 甲/乙 doors) or by how it is written.
FORM_SQL = (
    """
WITH scored AS ("""
    + SCORED_SQL
    + """), forms AS (
    SELECT s.*, 'room_name' AS form FROM scored s JOIN core.houses h ON h.house_id = s.true_house
     WHERE h.room_no IN ({room_names})
    UNION ALL
    SELECT s.*, 'door_suffix' FROM scored s JOIN core.houses h ON h.house_id = s.true_house
     WHERE regexp_matches(h.door_no, '[甲乙丙丁]')
    UNION ALL
    SELECT s.*, 'english_or_pinyin' FROM scored s WHERE regexp_matches(s.address, '[A-Za-z]{{2}}')
)
SELECT form, count(house_id), count(*) FILTER (WHERE house_id = true_house),
       count(*) FILTER (WHERE in_register AND names = 'house'),
       count(*) FILTER (WHERE house_id = true_house AND names = 'house'), 0, 0, count(*), 0, 0, 0
FROM forms WHERE names = 'house' GROUP BY form ORDER BY form
"""
)
# The noise kinds that change how an address is written (the rest touch IDs, phones and rows).
ADDRESS_NOISE = (
    "legacy_district",
    "no_prefix",
    "no_city",
    "chinese_numerals",
    "fullwidth_digits",
    "designator_variant",
    "bare_room",
    "dash_separator",
    "road_suffix_omitted",
    "homophone_typo",
    "noise_words",
    "traditional",
)


def _rates(figures) -> dict:
    assigned, correct, houses, found, buildings, buildings_found, records, outside, recognised, housed = figures
    rates = {
        "records": records,
        "precision": round(correct / max(assigned, 1), 4),
        "recall": round(found / houses, 4) if houses else None,
        "building_found": round(buildings_found / max(buildings, 1), 4) if buildings else None,
    }
    if outside:  # a district or municipal export: its rows of other subdistricts
        rates.update(_outside(outside, recognised, housed))
    return rates


def _outside(outside: int, recognised: int, housed: int) -> dict:
    return {
        "out_of_area_records": outside,
        "out_of_area_recognised": round(recognised / outside, 4) if outside else None,
        "out_of_area_given_a_house": housed,
    }


def by_noise_kind(register, samples: Path) -> dict[str, dict]:
    """Every register house written with one kind of noise only, matched: precision and recall per kind."""
    import json
    import random
    from dataclasses import fields

    from data_samples.generator.noise import Noise, NoiseRates
    from data_samples.generator.world import build_world
    from resolution.address.gazetteer import Gazetteer
    from resolution.address.match import match_house
    from resolution.address.parse import parse

    manifest = json.loads((samples / "manifest.json").read_text(encoding="utf-8"))
    known = {h.house_id for h in register.houses}
    world = build_world(manifest["people"], manifest["seed"], subdistrict=manifest.get("subdistrict", "310101023"))
    houses = [h for h in world.houses if h.house_id in known]
    gazetteer = Gazetteer.shanghai(register.roads, register.compounds)
    silent = NoiseRates(**{f.name: 0.0 for f in fields(NoiseRates)})
    out = {}
    for kind in ("none", *ADDRESS_NOISE):
        noise = Noise(random.Random(kind), silent if kind == "none" else replace(silent, **{kind: 1.0}))
        matches = [(h.house_id, match_house(register, parse(noise.address(h), gazetteer).components)) for h in houses]
        assigned = [m for _, m in matches if m.house_id]
        correct = sum(m.house_id == true for true, m in matches)
        out[kind] = {
            "addresses": len(matches),
            "precision": round(correct / max(len(assigned), 1), 4),
            "recall": round(correct / max(len(matches), 1), 4),
            "to_review": sum(m.needs_review for _, m in matches),
        }
    return out


def _land_and_stage(samples: Path, warehouse: Path) -> None:
    from dagster import DagsterInstance, materialize

    from connectors.spec import load_registry
    from pipelines.definitions import source_assets, warehouse_resources

    os.environ["HOUSEKEY_LANDING"] = str(samples / "landing")
    os.environ["HOUSEKEY_WAREHOUSE"] = str(warehouse)
    files = {name: spec for name, spec in load_registry().items() if not spec.is_database}
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    assert materialize(
        source_assets(files), resources=warehouse_resources(), instance=DagsterInstance.ephemeral(), run_config=quiet
    ).success


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
        con.execute(
            f"CREATE TEMP TABLE truth AS SELECT * FROM read_csv('{samples / 'truth' / 'records.csv'}', all_varchar=true)"
        )
        figures = con.execute(SCORE_SQL.format(group="", group_by="")).fetchone()
        assigned, correct, houses, found, buildings, buildings_found, records, outside, recognised, housed = figures
        per_source = {
            row[0]: _rates(row[1:])
            for row in con.execute(
                SCORE_SQL.format(group="source,", group_by="GROUP BY source ORDER BY source")
            ).fetchall()
        }
        # a 12345 order may leave 诉求地址 empty and name the place only in its text: no address to recognise
        unaddressed = con.execute(
            f"SELECT count(*) FROM ({SCORED_SQL}) WHERE names = 'out_of_area' AND address IS NULL"
        ).fetchone()[0]
        names = ", ".join(f"'{name}'" for name in sorted(ROOM_NAMES))
        per_form = {row[0]: _rates(row[1:]) for row in con.execute(FORM_SQL.format(room_names=names)).fetchall()}
        per_noise = by_noise_kind(register, samples)
        review = con.execute("SELECT count(*), sum(records) FROM quality.address_review").fetchone()
        distinct = con.execute("SELECT count(DISTINCT address) FROM core.address_matches").fetchone()[0]
    return {
        "records_with_truth": records,
        "precision": round(correct / max(assigned, 1), 4),
        "recall": round(found / max(houses, 1), 4),
        "records_naming_a_building": buildings,
        "building_found": round(buildings_found / max(buildings, 1), 4),
        **_outside(outside, recognised, housed),
        "out_of_area_without_address": unaddressed,
        "levels": levels,
        "review_queue_addresses": review[0],
        "review_queue_records": int(review[1] or 0),
        "distinct_addresses": distinct,
        "distinct_per_second": round(distinct / seconds),
        "records_per_second": round(sum(levels.values()) / seconds),
        "per_source": per_source,
        "per_form": per_form,
        "per_noise_kind": per_noise,
    }


def main() -> None:
    from data_samples.generator.generate import SAMPLES, generate

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=0, help="generate a world of this size instead of the sample")
    parser.add_argument(
        "--world", type=Path, help="a world generated before (housekey generate --out), to compare releases"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="housekey-world-") as tmp:
        samples = args.world or SAMPLES
        if args.people and not args.world:
            samples = Path(tmp)
            generate(samples, args.people)
        print_report(measure(samples))


def print_report(report: dict) -> None:
    """The figures as aligned lines, then a table per source and per kind of noise."""
    for key, value in report.items():
        if not isinstance(value, dict) or key == "levels":
            print(f"{key:>26}: {value}")
    tables = (("source", report["per_source"]), ("form", report["per_form"]), ("noise kind", report["per_noise_kind"]))
    for title, table in tables:
        print(f"{title:>22} {'precision':>10} {'recall':>8} {'n':>7} {'outside':>8} {'recognised':>10}")
        for name, m in table.items():
            recall = (
                "-" if m["recall"] is None else f"{m['recall']:.4f}"
            )  # a source whose addresses name buildings only
            outside = (
                f"{m['out_of_area_records']:8d} {m['out_of_area_recognised']:10.4f}"
                if "out_of_area_records" in m
                else ""
            )
            print(f"{name:>22} {m['precision']:10.4f} {recall:>8} {m.get('records', m.get('addresses')):7d} {outside}")


if __name__ == "__main__":
    main()
