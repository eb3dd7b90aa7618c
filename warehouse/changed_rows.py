"""Bring a table in line with the rows a query gives by writing only the keys whose rows changed (issue 18).

A run that brings one delivery leaves most derived rows as they were; writing all of them again costs what
the whole warehouse holds (and a checkpoint of it), writing the changed ones what the delivery brought.
The query's rows are hashed as they stream, never held; the keys whose rows differ from the table's are
found by each key's row hashes summed, with their count (a changed, added, removed or repeated value changes
them but for a chance of one in 2^64), and only their rows are asked of the query again. A key's rows are
replaced whole.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from warehouse.catalogue import table_exists
from warehouse.database import transaction

CHANGED_KEYS = "_changed_keys"
"""The temporary table of the keys whose rows changed, while their rows are asked for."""


def _shape(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE {relation}").fetchall()]


def rows_digest(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The table's (schema.table) columns, row count and rows' hashes summed (None if it cannot be read)."""
    schema, name = table.split(".")
    try:
        shape = con.execute(
            "SELECT list(column_name || ' ' || data_type ORDER BY column_index)::VARCHAR FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
            [schema, name],
        ).fetchone()[0]
        rows = con.execute(f"SELECT (count(*), sum(hash(t)))::VARCHAR FROM {table} t").fetchone()[0]
    except duckdb.Error:
        return None
    return f"{shape} {rows}" if shape else None


def replace_changed(
    con: duckdb.DuckDBPyConnection, table: str, rows: Callable[[str | None], str], key: str, params: dict
) -> int:
    """Make ``table`` (schema.name) hold the rows of the query ``rows(None)`` (with ``params``), replacing the
    rows of each ``key`` value whose rows differ. ``rows(CHANGED_KEYS)`` gives the rows of the keys that table
    holds only. A table missing, of other columns, or with a NULL key is written whole. Returns how many keys
    were replaced (-1: written whole)."""
    schema, name = table.split(".")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _shape AS {rows(None)} LIMIT 0", params)
    whole = not table_exists(con, schema, name) or _shape(con, table) != _shape(con, "_shape")
    con.execute("DROP TABLE _shape")
    if not whole:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {CHANGED_KEYS} AS
            WITH built AS (SELECT {key}, count(*) AS n, sum(hash(b)) AS digest FROM ({rows(None)}) b GROUP BY {key}),
                 held AS (SELECT {key}, count(*) AS n, sum(hash(h)) AS digest FROM {table} h GROUP BY {key})
            SELECT coalesce(built.{key}, held.{key}) AS {key} FROM built FULL JOIN held
                ON built.{key} IS NOT DISTINCT FROM held.{key}
            WHERE built.n IS DISTINCT FROM held.n OR built.digest IS DISTINCT FROM held.digest""",
            params,
        )
        changed, unkeyed = con.execute(f"SELECT count(*), count(*) - count({key}) FROM {CHANGED_KEYS}").fetchone()
        whole = unkeyed > 0  # rows(CHANGED_KEYS) cannot name a NULL key
    if whole:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {rows(None)}", params)
        changed = -1
    elif changed:
        with transaction(con):  # a failure leaves the rows as they were, not without the changed keys
            con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {CHANGED_KEYS})")
            con.execute(f"INSERT INTO {table} {rows(CHANGED_KEYS)}", params)
    con.execute(f"DROP TABLE IF EXISTS {CHANGED_KEYS}")
    return changed
