"""City person ids stable across runs: a person keeps the city id its cluster had.

A cluster is the persons (subdistrict, person id) this run links into one person of the city. It keeps the
city id most of its members had last run; a cluster whose members had none gets a new one, ``CPN`` and ten
digits, counted on from ``city.city_person_ids``. Big clusters choose first, so a split leaves the old id
with the larger part. An id a cluster absorbs is a merge, a second cluster claiming a taken id a split:
both go to ``city.city_person_id_history`` with the run and the reason.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import duckdb
import pyarrow as pa

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
    counter = last or 0
    taken: dict[str, int] = {}
    minted, history = [], []
    for cluster in sorted(sizes, key=lambda c: (-sum(claims[c].values()), c)):
        ranked = [p for p, _ in claims[cluster].most_common() if p not in taken]
        if ranked:
            city_person_id = ranked[0]
            for other in ranked[1:]:
                moved = claims[cluster][other]
                reason = f"{moved} persons of {other} now link to {claims[cluster][city_person_id]} of {city_person_id}"
                history.append((run, "merge", city_person_id, other, moved, reason))
        else:
            counter += 1
            city_person_id = f"{PREFIX}{counter:010d}"
            minted.append(city_person_id)
            if claims[cluster]:
                before = claims[cluster].most_common(1)[0][0]
                reason = f"{sizes[cluster]} persons of {before} no longer link to the larger part, which keeps it"
                history.append((run, "split", city_person_id, before, sizes[cluster], reason))
        taken[city_person_id] = cluster
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
