"""Rebuild a mart's rows only for the keys (houses, people, events) whose inputs changed (issue 18).

A delivery of patrols touches a few thousand houses and events; rebuilding every profile costs what the warehouse
holds. Each such mart says, per key, what its row is made of: a query of (key, hash) rows over every input row the
mart reads for that key. Their hashes summed per key, with their count, are kept in ``meta.mart_inputs``; the next
build compares them and asks the mart's query again for the keys that differ only (any changed, added, removed or
repeated input row changes them but for a chance of one in 2^64). Whatever applies to every key, the code and rules,
the run day (windows of N days, the ``as_of`` stamp), the house register, the tag catalogue and the sources of
each class of events, is the mart's basis in ``meta.mart_basis``: when it changed, or the mart's tables are
missing, the mart is rebuilt whole. The basis is removed before a mart's rows change and written when they all
have, so a build that fails half-way makes the next one whole.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from schemas.clock import run_day
from warehouse.catalogue import columns, table_exists
from warehouse.database import transaction
from warehouse.fingerprint import REPO_ROOT, code_digest, digest

CODE = (
    REPO_ROOT / "warehouse" / "marts",
    *(
        REPO_ROOT / "schemas" / name
        for name in ("event_severity.yaml", "community_lists.yaml", "clock.py", "yaml_text.py")
    ),
    REPO_ROOT / "connectors",
)
"""The marts' code and rules (severity, lists) and the code reading the specs' roles (the roles themselves are
parameters); code elsewhere reaches them only through the tables, whose rows each key's inputs hold, and an edit
of the data dictionary or the tag catalogue's files rebuilds no mart."""
CHANGED = "_mart_changed_keys"
"""The temporary table (key) of the keys whose inputs changed, while their rows are rebuilt."""

BOOKKEEPING_SQL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.mart_basis (
    mart            VARCHAR PRIMARY KEY,  -- the mart's main table (house_profiles, hotspots ...), lists for the lists
    basis           VARCHAR NOT NULL,     -- digest of what applies to every key: code, run day, register ...
    keys            BIGINT,               -- keys whose inputs the mart holds
    keys_rebuilt    BIGINT,               -- keys whose rows the latest build asked for again
    rebuilt_whole   BOOLEAN               -- the latest build rebuilt every row
);
CREATE TABLE IF NOT EXISTS meta.mart_inputs (
    mart    VARCHAR NOT NULL,
    key     VARCHAR NOT NULL,
    inputs  UBIGINT NOT NULL              -- hash of the count and the sum of the key's input rows' hashes
);
"""


class Scope:
    """``{only[column]}`` in a query's text: the condition on a key column keeping the rows being rebuilt, all
    of them (``whole``) or those of the changed keys."""

    def __init__(self, whole: bool):
        self.whole = whole

    def __getitem__(self, column: str) -> str:
        return "true" if self.whole else f"{column} IN (SELECT key FROM {CHANGED})"


def write_rows(
    con: duckdb.DuckDBPyConnection, table: str, key: str, rows: str, params: dict, whole: bool, order: str
) -> None:
    """Make marts.<table> hold ``rows`` (all of them, in ``order``), or, not ``whole``, replace the rows of the
    changed keys by ``rows`` (theirs), stamped with the run day the table's other rows have (a basis holds the run
    day: a new day rebuilds whole)."""
    if whole:
        con.execute(f"CREATE OR REPLACE TABLE marts.{table} AS {rows} ORDER BY {order}", params)
        return
    con.execute(f"DELETE FROM marts.{table} WHERE {key} IN (SELECT key FROM {CHANGED})")
    stamp = ", $as_of_stamp AS as_of" if "as_of" in columns(con, "marts", table) else ""
    con.execute(
        f"INSERT INTO marts.{table} BY NAME SELECT *{stamp} FROM ({rows})",
        {**params, "as_of_stamp": run_day()} if stamp else params,
    )


def rebuild(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    tables: list[str],
    inputs: str,
    params: dict,
    write: Callable[[bool], None],
) -> int:
    """Bring the mart ``mart`` (its ``tables``, marts.<name>) up to date: ``inputs`` is the query of its (key, h)
    input rows, ``params`` those of its rows' query (a part of the basis); ``write(whole)`` writes every row (CREATE OR REPLACE) or, ``whole`` false,
    deletes and inserts the rows of the keys in CHANGED. Returns the keys rebuilt (-1: whole)."""
    con.execute(BOOKKEEPING_SQL)
    basis = _basis(con, params)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _mart_inputs AS
        SELECT key, hash(count(*), sum(h)) AS inputs FROM ({inputs}) GROUP BY key"""
    )
    held = con.execute("SELECT basis FROM meta.mart_basis WHERE mart = ?", [mart]).fetchall()
    whole = held != [(basis,)] or not all(table_exists(con, "marts", table) for table in tables)
    if not whole:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {CHANGED} AS
            SELECT coalesce(n.key, o.key) AS key
            FROM _mart_inputs n FULL JOIN (SELECT key, inputs FROM meta.mart_inputs WHERE mart = $mart) o
                ON n.key IS NOT DISTINCT FROM o.key
            WHERE n.inputs IS DISTINCT FROM o.inputs""",
            {"mart": mart},
        )
        whole = con.execute(f"SELECT count(*) > count(key) FROM {CHANGED}").fetchone()[0]  # a NULL key: no IN finds it
    con.execute("DELETE FROM meta.mart_basis WHERE mart = ?", [mart])  # until every row is written
    with transaction(con):
        if whole:
            write(True)
            con.execute("DELETE FROM meta.mart_inputs WHERE mart = ?", [mart])
            con.execute(
                "INSERT INTO meta.mart_inputs SELECT ?, key, inputs FROM _mart_inputs WHERE key IS NOT NULL", [mart]
            )
            rebuilt = -1
        else:
            (rebuilt,) = con.execute(f"SELECT count(*) FROM {CHANGED}").fetchone()
            if rebuilt:
                write(False)
                con.execute(
                    f"DELETE FROM meta.mart_inputs WHERE mart = ? AND key IN (SELECT key FROM {CHANGED})", [mart]
                )
                con.execute(
                    f"INSERT INTO meta.mart_inputs SELECT ?, key, inputs FROM _mart_inputs "
                    f"WHERE key IN (SELECT key FROM {CHANGED})",
                    [mart],
                )
        (keys,) = con.execute("SELECT count(*) FROM _mart_inputs").fetchone()
        con.execute(
            "INSERT INTO meta.mart_basis VALUES (?, ?, ?, ?, ?)",
            [mart, basis, keys, keys if whole else rebuilt, whole],
        )
    con.execute(f"DROP TABLE IF EXISTS {CHANGED}; DROP TABLE _mart_inputs")
    return rebuilt


def _basis(con: duckdb.DuckDBPyConnection, params: dict) -> str:
    """What every key's row depends on: the code and rules, the run day, the house register, the tag catalogue,
    and the query's parameters (the sources of each class of events, the day of a window)."""
    shared = [
        con.execute(f"SELECT count(*), sum(hash(*COLUMNS(*))) FROM {schema}.{table}").fetchone()
        for schema, table in (("core", "houses"), ("tags", "catalogue"))
        if table_exists(con, schema, table)
    ]
    parts = [code_digest(CODE), run_day(), shared, sorted(params.items())]
    return digest(*parts)
