"""City identity across subdistricts, some of whose people moved between them, linked on DuckDB and on Spark
(local mode): pairwise precision and recall across subdistricts, and seconds.

    .venv/bin/python -m benchmarks.city_identity                # 3 subdistricts of 2,000 persons, 10% movers
    .venv/bin/python -m benchmarks.city_identity --people 500 --movers 0.2
    .venv/bin/python -m benchmarks.city_identity --district DIR  # a district of `housekey generate --district`
    .venv/bin/python -m benchmarks.city_identity --district DIR --routed  # its district deliveries routed too

Without ``--district`` the district is made here from the generator's names, ID numbers and phones, straight
into each subdistrict's ``core.people``: a mover is one person in two subdistricts, at a different house; the
second subdistrict may not know the ID number (``--no-id``), and then may also have another phone. With
``--district`` each subdistrict's own landing zone runs through the pipeline (file sources; the district's
deliveries and the database sources are left out), and each warehouse person stands for the true person most of
its records are (the world's record truth), a human of ``DIR/truth/city_people.csv``. With ``--routed`` the
district's deliveries (12345, market entities, the rental register) are routed into copies of the landing zones
first, as production routes them, and run with each subdistrict's own.

Pairwise: of the pairs of persons of two subdistricts given one city id, the share truly one person (precision);
of the pairs truly one person, the share given one city id (recall). A pair the model doubts (under 0.99) is
not joined but held in ``city.person_review`` (``held_for_review``).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from datetime import timedelta
from pathlib import Path

import duckdb

from benchmarks.city_scoring import link_both
from data_samples.generator.identifiers import id_number, mobile
from data_samples.generator.population import AS_OF, DIVISIONS, GIVEN, SURNAMES

SUBDISTRICTS = ("310101002", "310101013", "310101023")  # 南京东路, 外滩, 瑞金二路
PEOPLE_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE OR REPLACE TABLE core.people (person_id VARCHAR, name VARCHAR, sex VARCHAR, birth_date DATE,
                                     id_number VARCHAR, phone VARCHAR, house_id VARCHAR);
"""


def random_person(rng: random.Random, used: set[str]) -> dict:
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
            person = random_person(rng, used)
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


def truth_of(rows: dict[str, list[tuple]]) -> list[tuple]:
    """(subdistrict, person_id, true person) of a district built by ``build_district``."""
    return [(code, r[0], r[7]) for code, people in rows.items() for r in people]


def measure(people: int = 2000, movers: float = 0.1, no_id: float = 0.3) -> dict[str, object]:
    """The district built here, linked on both engines; figures of both."""
    rows = build_district(people, movers, no_id)
    with tempfile.TemporaryDirectory(prefix="housekey-city-") as tmp:
        warehouses = write_district(rows, Path(tmp) / "subdistricts")
        return {"persons": sum(len(r) for r in rows.values())} | link_both(warehouses, truth_of(rows), Path(tmp))


def report(figures: dict[str, object]) -> None:
    for key, value in figures.items():
        print(f"{key:>22}: {json.dumps(value) if isinstance(value, dict) else value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="persons per subdistrict (before movers)")
    parser.add_argument("--movers", type=float, default=0.1)
    parser.add_argument("--no-id", type=float, default=0.3, help="share of movers whose new ledgers lack the ID number")
    parser.add_argument("--district", type=Path, help="a district of `housekey generate --district` instead")
    parser.add_argument("--routed", action="store_true", help="with --district: route the district's deliveries too")
    args = parser.parse_args()
    if args.district:
        from benchmarks.city_district import measure_district

        report(measure_district(args.district, routed=args.routed))
    else:
        report(measure(args.people, args.movers, args.no_id))


if __name__ == "__main__":
    main()
