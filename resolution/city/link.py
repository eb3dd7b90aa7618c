"""``link_city``: score, cluster, mint city ids, and write them where each subdistrict reads its own.

The city file ``<root>/city_identity.duckdb`` keeps the city ids, their history, the pairs held for review and one
row per run; ``<root>/city.person_ids/_subdistrict=<code>/part.parquet`` gives each subdistrict its persons'
city ids (person_id, city_person_id), replaced with one rename. Clustering is the subdistrict's
(``resolution.identity.people.cluster``): a checked ID number held in two subdistricts joins first, then
pairs at ``MATCH_PROBABILITY`` strongest first, never joining two different ID numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from resolution.city.engines import ENGINES, score_on_duckdb, score_on_spark
from resolution.city.ids import TABLES_SQL, assign_city_ids
from resolution.city.model import UNIQUE_ID
from resolution.identity.people import cluster
from schemas.clock import wall_clock
from warehouse.city import PARTITION

CITY_FILE = "city_identity.duckdb"
IDS_TABLE = "city.person_ids"
REVIEW_SQL = """
CREATE OR REPLACE TABLE city.person_review (member VARCHAR, other_member VARCHAR, reason VARCHAR,
                                            match_weight DOUBLE, evidence VARCHAR)
"""


def _indexed(persons: pa.Table, pairs: pa.Table) -> pa.Table:
    """Pairs by person position, strongest first, ties by position: the order both engines cluster in."""
    position = {m: i for i, m in enumerate(persons.column(UNIQUE_ID).to_pylist())}
    rows = [
        {**row, "record_id_l": position[row[f"{UNIQUE_ID}_l"]], "record_id_r": position[row[f"{UNIQUE_ID}_r"]]}
        for row in pairs.to_pylist()
    ]
    # weights differ between engines in the last bits of a double: rounded, the order is the same
    rows.sort(key=lambda r: (-round(r["match_weight"], 6), r["record_id_l"], r["record_id_r"]))
    return pa.Table.from_pylist(rows) if rows else pa.table({"record_id_l": pa.array([], pa.int64())})


def city_clusters(persons: pa.Table, pairs: pa.Table) -> tuple[pa.Table, list[tuple]]:
    """(subdistrict, person_id, cluster) for every person, the cluster named by its first person; and the
    pairs held apart (member, other member, reason, weight, evidence)."""
    roots, _, review = cluster(persons, _indexed(persons, pairs))
    first: dict[int, int] = {}
    for i, root in enumerate(roots):
        first.setdefault(root, i)
    members = persons.column(UNIQUE_ID).to_pylist()
    held = [
        (members[left], members[right], reason, weight, evidence) for left, right, reason, weight, evidence in review
    ]
    clusters = pa.array([first[root] for root in roots], pa.int64())
    return pa.table(
        {"subdistrict": persons.column("subdistrict"), "person_id": persons.column("person_id"), "cluster": clusters}
    ), held


def link_city(root: Path, engine: str = "duckdb", spark=None) -> dict[str, int | float | str]:
    """Link every exported subdistrict of ``root`` on ``engine`` and write the city ids; the run's figures."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: one of {', '.join(ENGINES)}")
    started = wall_clock()
    if engine == "spark":
        from resolution.city.spark import local_spark

        persons, pairs = score_on_spark(root, spark or local_spark())
    else:
        persons, pairs = score_on_duckdb(root)
    members, review = city_clusters(persons, pairs)
    with duckdb.connect(str(root / CITY_FILE)) as con:
        con.execute(TABLES_SQL)
        con.begin()  # a run that stops half way leaves the last run's ids, history and review whole
        run = con.execute("SELECT coalesce(max(run), 0) + 1 FROM city.runs").fetchall()[0][0]
        changes = assign_city_ids(con, members, run)
        con.execute(REVIEW_SQL)
        if review:
            con.executemany("INSERT INTO city.person_review VALUES (?, ?, ?, ?, ?)", review)
        city_persons = con.execute("SELECT count(DISTINCT city_person_id) FROM city.person_ids").fetchall()[0][0]
        con.execute(
            "INSERT INTO city.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [run, engine, started, members.num_rows, city_persons, *changes.values()],
        )
        con.commit()
        _export(con, root)
    seconds = (wall_clock() - started).total_seconds()
    figures = {"run": run, "engine": engine, "persons": members.num_rows, "city_persons": city_persons}
    return figures | changes | {"pairs": pairs.num_rows, "held_for_review": len(review), "seconds": round(seconds, 2)}


def _export(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Each subdistrict's persons with their city id, to its own partition of ``city.person_ids``."""
    folder = root / IDS_TABLE
    written = set()
    for (subdistrict,) in con.execute("SELECT DISTINCT subdistrict FROM city.person_ids").fetchall():
        target = folder / f"{PARTITION}={subdistrict}" / "part.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = con.sql(
            "SELECT person_id, city_person_id FROM city.person_ids WHERE subdistrict = ? ORDER BY person_id",
            params=[subdistrict],
        ).to_arrow_table()
        fresh = target.with_name("part.parquet.new")
        pq.write_table(rows, fresh)
        os.replace(fresh, target)
        written.add(target)
    for stale in set(folder.glob(f"{PARTITION}=*/part.parquet")) - written:
        stale.unlink()


def city_ids_file(root: Path, subdistrict: str) -> Path:
    """The partition of the city ids a subdistrict reads back: its persons' person_id and city_person_id."""
    return root / IDS_TABLE / f"{PARTITION}={subdistrict}" / "part.parquet"


def city_ids_of(root: Path, subdistrict: str) -> dict[str, str]:
    """A subdistrict's persons' city ids, read back from its partition: person_id -> city_person_id."""
    path = city_ids_file(root, subdistrict)
    if not path.exists():
        return {}
    table = pq.read_table(path)
    return dict(zip(table.column("person_id").to_pylist(), table.column("city_person_id").to_pylist(), strict=True))
