"""City person ids stable across runs: a person keeps the city id its cluster had.

A cluster is the persons (subdistrict, person id) this run links into one person of the city. It keeps the
city id most of its members had last run; a cluster whose members had none gets a new one, ``CPN`` and ten
digits, counted on from ``city.city_person_ids``. Big clusters choose first, so a split leaves the old id
with the larger part. An id a cluster absorbs is a merge, a second cluster claiming a taken id a split:
both go to ``city.city_person_id_history`` with the run and the reason.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import duckdb
import pyarrow as pa

from resolution.identity.stable_ids import keep_ids

PREFIX = "CPN"
TABLES_SQL = """
CREATE SCHEMA IF NOT EXISTS city;
CREATE TABLE IF NOT EXISTS city.city_person_ids (city_person_id VARCHAR PRIMARY KEY, run BIGINT);
CREATE TABLE IF NOT EXISTS city.person_ids (subdistrict VARCHAR, person_id VARCHAR, city_person_id VARCHAR);
CREATE TABLE IF NOT EXISTS city.city_person_id_history (
    run BIGINT, change VARCHAR, city_person_id VARCHAR, from_city_person_id VARCHAR, members BIGINT, reason VARCHAR
);
CREATE TABLE IF NOT EXISTS city.runs (run BIGINT PRIMARY KEY, engine VARCHAR, started_at TIMESTAMP,
                                      persons BIGINT, city_persons BIGINT, minted BIGINT, merges BIGINT, splits BIGINT);
"""


def assign_city_ids(con: duckdb.DuckDBPyConnection, members: pa.Table, run: int) -> dict[str, int]:
    """Replace ``city.person_ids`` with ``members`` (subdistrict, person_id, cluster) given city ids; the counts
    of minted ids, merges and splits, recorded in ``city.city_person_id_history`` under ``run``."""
    con.execute(TABLES_SQL)
    con.register("_members", members)
    sizes = dict(con.execute("SELECT cluster, count(*) FROM _members GROUP BY 1").fetchall())
    claims: dict[int, Counter] = defaultdict(Counter)
    for cluster, city_person_id, count in con.execute("""
            SELECT m.cluster, p.city_person_id, count(*) FROM _members m JOIN city.person_ids p
            USING (subdistrict, person_id) GROUP BY ALL""").fetchall():
        claims[cluster][city_person_id] += count
    last = con.execute(
        f"SELECT max(TRY_CAST(substr(city_person_id, {len(PREFIX) + 1}) AS BIGINT)) FROM city.city_person_ids"
    ).fetchall()[0][0]
    numbers = itertools.count((last or 0) + 1)
    taken, minted, changes = keep_ids(sizes, claims, lambda: f"{PREFIX}{next(numbers):010d}")
    history = [
        (run, change, kept, earlier, members, _reason(change, kept, earlier, members, claims[taken[kept]]))
        for change, kept, earlier, members in changes
    ]
    con.register(
        "_ids", pa.table({"cluster": pa.array(list(taken.values()), pa.int64()), "city_person_id": list(taken)})
    )
    con.execute("""
        CREATE OR REPLACE TABLE city.person_ids AS
        SELECT m.subdistrict, m.person_id, i.city_person_id FROM _members m JOIN _ids i USING (cluster)
        ORDER BY m.subdistrict, m.person_id""")
    con.unregister("_ids"), con.unregister("_members")
    if minted:
        con.executemany("INSERT INTO city.city_person_ids VALUES (?, ?)", [(i, run) for i in minted])
    if history:
        con.executemany("INSERT INTO city.city_person_id_history VALUES (?, ?, ?, ?, ?, ?)", history)
    return {
        "minted": len(minted),
        "merges": sum(h[1] == "merge" for h in history),
        "splits": sum(h[1] == "split" for h in history),
    }


def _reason(change: str, kept: str, earlier: str, members: int, claimed: Counter) -> str:
    if change == "merge":
        return f"{members} persons of {earlier} now link to {claimed[kept]} of {kept}"
    return f"{members} persons of {earlier} no longer link to the larger part, which keeps it"
