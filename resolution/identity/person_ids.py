"""Stable ``person_id``s: a re-run or a new delivery attaches records to the persons they had.

Each cluster of this run keeps the id most of its records had before (``core.person_records`` and
``core.person_counterparts`` of the last run, a record found again by its ``record_id`` and party); a
cluster whose records had no id gets a new one, ``PSN``, the subdistrict's 9-digit code and seven digits, counted
on from the subdistrict's ids in ``core.person_ids`` (resolution/identity/city_ids.py: unique in the city). A second
cluster claiming an id is a split and gets a new id; ids a cluster absorbed are merges. Both go to
``core.person_id_history``.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import duckdb
import pyarrow as pa

from resolution.identity.city_ids import person_id as minted_id
from resolution.identity.city_ids import person_prefix, subdistrict_code
from resolution.identity.stable_ids import keep_ids
from warehouse.catalogue import table_exists

TABLES_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.person_ids (person_id VARCHAR PRIMARY KEY, minted_at TIMESTAMPTZ DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS core.person_id_history (
    changed_at TIMESTAMPTZ DEFAULT current_timestamp, change VARCHAR, person_id VARCHAR,
    from_person_id VARCHAR, records BIGINT
);
"""

# Where the last run's records are, and each one's party: a row of core.person_counterparts says its own
# (a landlord, a reporter), since the migration step party_of_counterparts
_PARTY = {"person_records": "'subject'", "person_counterparts": "party"}


def _previous(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, int]]:
    """(cluster, earlier person_id, records) for this run's records that had an id last run."""
    tables = [t for t in _PARTY if table_exists(con, "core", t)]
    if not tables:
        return []
    earlier = " UNION ALL ".join(f"SELECT record_id, {_PARTY[t]} AS party, person_id FROM core.{t}" for t in tables)
    return con.execute(f"""
        SELECT l.cluster, e.person_id, count(*) FROM _person_links l JOIN ({earlier}) e
          ON e.record_id = l._record_id AND e.party = l.party
        GROUP BY ALL""").fetchall()


def assign_person_ids(con: duckdb.DuckDBPyConnection, subdistrict: str | None = None) -> dict[str, int]:
    """``_person_ids(cluster, person_id)`` for the clusters of ``_person_links``, new ids minted for ``subdistrict``
    (by default the warehouse's own, ``city_ids.subdistrict_code``); returns change counts."""
    con.execute(TABLES_SQL)
    code = subdistrict_code(con, subdistrict)
    prefix = person_prefix(code)
    sizes = dict(con.execute("SELECT cluster, count(*) FROM _person_links GROUP BY 1").fetchall())
    claims: dict[int, Counter] = defaultdict(Counter)
    for cluster, person_id, records in _previous(con):
        claims[cluster][person_id] += records
    last = con.execute(
        "SELECT max(TRY_CAST(substr(person_id, ?) AS BIGINT)) FROM core.person_ids WHERE starts_with(person_id, ?)",
        [len(prefix) + 1, prefix],
    ).fetchall()[0][0]
    numbers = itertools.count((last or 0) + 1)
    taken, minted, history = keep_ids(sizes, claims, lambda: minted_id(code, next(numbers)))
    con.register("_ids", pa.table({"cluster": pa.array(list(taken.values()), pa.int64()), "person_id": list(taken)}))
    con.execute("CREATE OR REPLACE TEMP TABLE _person_ids AS SELECT * FROM _ids")
    con.unregister("_ids")
    if minted:
        con.register("_minted", pa.table({"person_id": minted}))
        con.execute("INSERT INTO core.person_ids (person_id) SELECT person_id FROM _minted")
        con.unregister("_minted")
    if history:
        change, person_id, from_id, records = (list(column) for column in zip(*history, strict=False))
        con.register(
            "_history",
            pa.table({"change": change, "person_id": person_id, "from_person_id": from_id, "records": records}),
        )
        con.execute(
            "INSERT INTO core.person_id_history (change, person_id, from_person_id, records) SELECT * FROM _history"
        )
        con.unregister("_history")
    return {
        "minted": len(minted),
        "merges": sum(h[0] == "merge" for h in history),
        "splits": sum(h[0] == "split" for h in history),
    }
