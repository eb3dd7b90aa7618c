"""Scoring city identity against truth, shared by both modes of ``benchmarks.city_identity``: link a district's
warehouses on DuckDB and on Spark (local mode), and count pairs across subdistricts.

Pairwise: of the pairs across subdistricts given one city id, the share truly one person (precision); of the pairs
truly one person, the share given one city id (recall).
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

# a unit is a person of a subdistrict, or every person of one human in a subdistrict (a human its own linking split
# in two is one unit): two units are joined when any of their persons share a city id
PAIRS_SQL = """
WITH persons AS (SELECT * FROM city.person_ids JOIN _truth USING (subdistrict, person_id)),
units AS (SELECT DISTINCT subdistrict, {unit} AS unit, truth, city_person_id FROM persons),
pairs AS (SELECT bool_or(a.city_person_id = b.city_person_id) AS predicted, a.truth = b.truth AS actual
          FROM units a JOIN units b ON a.subdistrict < b.subdistrict
           AND (a.city_person_id = b.city_person_id OR a.truth = b.truth)
          GROUP BY a.subdistrict, a.unit, a.truth, b.subdistrict, b.unit, b.truth)
SELECT count(*) FILTER (WHERE predicted AND actual), count(*) FILTER (WHERE predicted),
       count(*) FILTER (WHERE actual) FROM pairs
"""
UNITS = {"human": "truth", "person": "person_id"}


def score(city_file: Path, truth: list[tuple], per: str = "human") -> dict[str, float]:
    """Pairwise precision and recall of the city ids over pairs across subdistricts, against ``truth`` (subdistrict,
    person_id, true person): pairs of one true person's persons in two subdistricts (``per="human"``; a subdistrict
    that made two persons of one human counts once), or pairs of persons (``per="person"``)."""
    with duckdb.connect(str(city_file), read_only=True) as con:
        con.execute("CREATE TEMP TABLE _truth (subdistrict VARCHAR, person_id VARCHAR, truth VARCHAR)")
        con.executemany("INSERT INTO _truth VALUES (?, ?, ?)", truth)
        right, predicted, actual = con.execute(PAIRS_SQL.format(unit=UNITS[per])).fetchall()[0]
    return {
        "pairs_true": actual,
        "pairs_predicted": predicted,
        "precision": round(right / max(predicted, 1), 4),
        "recall": round(right / max(actual, 1), 4),
    }


def link_both(
    warehouses: dict[str, Path],
    truth: list[tuple],
    folder: Path,
    per_person: bool = False,
    engines: tuple[str, ...] = ("duckdb", "spark"),
) -> dict:
    """Export every warehouse's people, link on each engine (DuckDB, then Spark), each in a fresh city root under
    ``folder``; the figures of each against ``truth``, per human (and per person: ``<engine>_per_person``)."""
    from resolution.city.link import CITY_FILE, link_city
    from resolution.city.records import export_person_records
    from resolution.city.spark import local_spark

    figures: dict[str, object] = {}
    spark = None
    if "spark" in engines:
        started = time.perf_counter()
        spark = local_spark()
        figures["spark_start_seconds"] = round(time.perf_counter() - started, 2)
    for engine in engines:
        root = folder / engine
        for code, warehouse in warehouses.items():
            export_person_records(warehouse, code, root)
        started = time.perf_counter()
        run = link_city(root, engine, spark)
        figures[f"{engine}_seconds"] = round(time.perf_counter() - started, 2)
        figures[engine] = score(root / CITY_FILE, truth) | {
            k: run[k] for k in ("persons", "city_persons", "pairs", "held_for_review")
        }
        if per_person:
            figures[f"{engine}_per_person"] = score(root / CITY_FILE, truth, "person")
    if spark is not None:
        spark.stop()
    return figures
