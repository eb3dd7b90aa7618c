"""City identity on a generated district: persons of three subdistricts, some of whom moved between them,
linked on DuckDB and on Spark (local mode); pairwise precision and recall across subdistricts, and seconds.

    .venv/bin/python -m benchmarks.city_identity                # 3 subdistricts of 2,000 persons, 10% movers
    .venv/bin/python -m benchmarks.city_identity --people 500 --movers 0.2

The district is made from the generator's names, ID numbers and phones. A mover is one person in two
subdistricts' ``core.people``, at a different house; the second subdistrict may not know the ID number
(``--no-id``), and then may also have another phone. Pairwise: of the pairs of persons of two subdistricts
given one city id, the share truly one person (precision); of the pairs truly one person, the share given
one city id (recall). A pair the model doubts (under 0.99) is not joined but held in ``city.person_review``
(``held_for_review``): a mover with a new house, a new phone and no ID number in one subdistrict is such a pair.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import duckdb

from data_samples.generator.identifiers import id_number, mobile
from data_samples.generator.population import AS_OF, DIVISIONS, GIVEN, SURNAMES

SUBDISTRICTS = ("310101002", "310101013", "310101023")  # 南京东路, 淮海中路, 瑞金二路
PEOPLE_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE OR REPLACE TABLE core.people (person_id VARCHAR, name VARCHAR, sex VARCHAR, birth_date DATE,
                                     id_number VARCHAR, phone VARCHAR, house_id VARCHAR);
"""


def _person(rng: random.Random, used: set[str]) -> dict:
    sex, age = rng.choice("MF"), rng.randrange(1, 95)
    birth = AS_OF - timedelta(days=age * 365 + rng.randrange(365))
    division = rng.choices([d for d, _ in DIVISIONS], [w for _, w in DIVISIONS])[0]
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return {
        "name": name,
        "sex": sex,
        "birth_date": birth,
        "id_number": id_number(rng, division, birth, sex, used),
        "phone": mobile(rng),
    }


def build_district(
    people: int = 2000, movers: float = 0.1, no_id: float = 0.3, seed: int = 20
) -> dict[str, list[tuple]]:
    """Each subdistrict's ``core.people`` rows (person_id, name, sex, birth_date, id_number, phone, house_id,
    true person): ``people`` persons in each, a share ``movers`` of them also in another subdistrict."""
    rng = random.Random(seed)
    used: set[str] = set()
    rows: dict[str, list[tuple]] = {code: [] for code in SUBDISTRICTS}

    def add(code: str, truth: str, person: dict) -> None:
        n = len(rows[code]) + 1
        house = f"H{code}{rng.randrange(1, people):06d}"
        rows[code].append(
            (
                f"PSN{n:010d}",
                person["name"],
                person["sex"],
                person["birth_date"],
                person["id_number"],
                person["phone"],
                house,
                truth,
            )
        )

    for code in SUBDISTRICTS:
        for _ in range(people):
            truth = f"T{len(used):07d}"
            person = _person(rng, used)
            if rng.random() < 0.1:  # known by name, birth date and phone only
                person["id_number"] = None
            add(code, truth, person)
            if rng.random() < movers:
                elsewhere = dict(person)
                if rng.random() < no_id:  # the new subdistrict's ledgers lack the ID number
                    elsewhere["id_number"] = None
                    if rng.random() < 0.3:
                        elsewhere["phone"] = mobile(rng)
                add(rng.choice([c for c in SUBDISTRICTS if c != code]), truth, elsewhere)
    return rows


def write_district(rows: dict[str, list[tuple]], folder: Path) -> dict[str, Path]:
    """One warehouse file per subdistrict holding its ``core.people``; the files by code."""
    warehouses = {}
    for code, people in rows.items():
        path = folder / code / "housekey.duckdb"
        path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(path)) as con:
            con.execute(PEOPLE_SQL)
            con.executemany("INSERT INTO core.people VALUES (?, ?, ?, ?, ?, ?, ?)", [r[:7] for r in people])
        warehouses[code] = path
    return warehouses


PAIRS_SQL = """
WITH persons AS (SELECT * FROM city.person_ids JOIN _truth USING (subdistrict, person_id)),
pairs AS (SELECT a.city_person_id = b.city_person_id AS predicted, a.truth = b.truth AS actual
          FROM persons a JOIN persons b ON a.subdistrict < b.subdistrict
           AND (a.city_person_id = b.city_person_id OR a.truth = b.truth))
SELECT count(*) FILTER (WHERE predicted AND actual), count(*) FILTER (WHERE predicted),
       count(*) FILTER (WHERE actual) FROM pairs
"""


def score(city_file: Path, rows: dict[str, list[tuple]]) -> dict[str, float]:
    """Pairwise precision and recall of the city ids over pairs of persons of two subdistricts."""
    truth = [(code, r[0], r[7]) for code, people in rows.items() for r in people]
    with duckdb.connect(str(city_file), read_only=True) as con:
        con.execute("CREATE TEMP TABLE _truth (subdistrict VARCHAR, person_id VARCHAR, truth VARCHAR)")
        con.executemany("INSERT INTO _truth VALUES (?, ?, ?)", truth)
        right, predicted, actual = con.execute(PAIRS_SQL).fetchall()[0]
    return {
        "pairs_true": actual,
        "pairs_predicted": predicted,
        "precision": round(right / max(predicted, 1), 4),
        "recall": round(right / max(actual, 1), 4),
    }


def measure(people: int = 2000, movers: float = 0.1, no_id: float = 0.3) -> dict[str, object]:
    """Export, link on DuckDB, link on Spark, each in a fresh city root; figures of both."""
    from resolution.city.link import CITY_FILE, link_city
    from resolution.city.records import export_person_records
    from resolution.city.spark import local_spark

    rows = build_district(people, movers, no_id)
    figures: dict[str, object] = {"persons": sum(len(r) for r in rows.values())}
    with tempfile.TemporaryDirectory(prefix="housekey-city-") as tmp:
        warehouses = write_district(rows, Path(tmp) / "subdistricts")
        started = time.perf_counter()
        spark = local_spark()
        figures["spark_start_seconds"] = round(time.perf_counter() - started, 2)
        for engine in ("duckdb", "spark"):
            root = Path(tmp) / engine
            for code, warehouse in warehouses.items():
                export_person_records(warehouse, code, root)
            started = time.perf_counter()
            run = link_city(root, engine, spark)
            figures[f"{engine}_seconds"] = round(time.perf_counter() - started, 2)
            figures[engine] = score(root / CITY_FILE, rows) | {
                k: run[k] for k in ("city_persons", "pairs", "held_for_review")
            }
        spark.stop()
    return figures


def report(figures: dict[str, object]) -> None:
    for key, value in figures.items():
        print(f"{key:>22}: {json.dumps(value) if isinstance(value, dict) else value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="persons per subdistrict (before movers)")
    parser.add_argument("--movers", type=float, default=0.1)
    parser.add_argument("--no-id", type=float, default=0.3, help="share of movers whose new ledgers lack the ID number")
    args = parser.parse_args()
    print(json.dumps(measure(args.people, args.movers, args.no_id), indent=2))


if __name__ == "__main__":
    main()
