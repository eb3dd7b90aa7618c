"""What the open warehouse holds: its tables and their columns, as DuckDB's catalogue lists them.

Every question is asked of the open database only (``current_database()``): a copy attached beside it
(publishing attaches the analyst copy) has tables of the same names that must not answer for it.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb


def tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """The tables and views of a schema, by name."""
    return [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND table_schema = ? ORDER BY table_name",
            [schema],
        ).fetchall()
    ]


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` is a table or view of the open database."""
    return _kind(con, schema, table) is not None


def is_view(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether ``schema.name`` is a view of the open database."""
    return _kind(con, schema, name) == "VIEW"


def _kind(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    """What ``schema.name`` is in the open database: "BASE TABLE", "VIEW", or None when there is no such name."""
    found = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchone()
    return found[0] if found else None


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The columns of ``schema.table`` in their order; none when there is no such table."""
    return [name for name, _ in column_types(con, schema, table)]


def column_types(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of ``schema.table`` in their order; none when there is no such table."""
    # duckdb_columns() answers as information_schema.columns does, in 0.8 ms instead of 2 (a run asks ~150 times)
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()


def tables_with_column(con: duckdb.DuckDBPyConnection, schema: str, names: Iterable[str]) -> list[str]:
    """The tables of a schema with at least one of these columns, by name."""
    return [
        name
        for (name,) in con.execute(
            "SELECT DISTINCT table_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = ? AND column_name IN (SELECT unnest(?::VARCHAR[])) ORDER BY table_name",
            [schema, list(names)],
        ).fetchall()
    ]


def base_tables(con: duckdb.DuckDBPyConnection, schemas: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(schema, table) of every table holding rows (no views, no temporary tables), of these schemas or all."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND NOT temporary ORDER BY 1, 2"
    ).fetchall()
    wanted = None if schemas is None else set(schemas)
    return [row for row in rows if wanted is None or row[0] in wanted]


Comments = dict[tuple[str, str], tuple[str | None, dict[str, str]]]
"""(schema, table or view) -> its comment, and its columns' comments by column name."""


def comments(con: duckdb.DuckDBPyConnection) -> Comments:
    """The comments of every table and view of the open database and of their columns, read in two queries (one a
    table and view read the catalogue some 170 times a publishing)."""
    found: Comments = {
        (schema, name): (comment, {})
        for schema, name, comment in con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views() "
            "WHERE database_name = current_database()"
        ).fetchall()
    }
    for schema, name, column, comment in con.execute(
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND comment IS NOT NULL"
    ).fetchall():
        found.setdefault((schema, name), (None, {}))[1][column] = comment
    return found
