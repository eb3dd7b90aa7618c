"""Record key: every raw row gets ``_record_id`` and every quarantine row of a row ``record_id``.

Landing now keys each row ``<delivery_id>#<row>``, or ``<delivery_id>#<sheet>!<row>`` for a workbook's sheet
(warehouse/raw.py ``record_id_sql``), and every later layer joins on that key. Existing rows get the same key
from their provenance columns; a quarantine row about a whole file keeps none. A delivered header already
named ``_record_id`` is data: it moves aside to ``_record_id_2`` (the name landing now gives such a header).
Staging and core are rebuilt by the next run.
"""

import duckdb

from warehouse.database import quote_name

_KEY = "{delivery} || '#' || coalesce({sheet} || '!', '') || {row}"


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE IF EXISTS quality.quarantine ADD COLUMN IF NOT EXISTS record_id VARCHAR")
    if _columns(con, "quality", "quarantine"):
        key = _KEY.format(delivery="delivery_id", sheet="sheet", row="row_number")
        con.execute(f"UPDATE quality.quarantine SET record_id = {key} WHERE record_id IS NULL")
    raw_tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'raw'"
    ).fetchall()
    for (name,) in raw_tables:
        table, columns = f"raw.{quote_name(name)}", _columns(con, "raw", name)
        if "_record_id" in columns:
            aside = next(f"_record_id_{n}" for n in range(2, len(columns) + 3) if f"_record_id_{n}" not in columns)
            con.execute(f"ALTER TABLE {table} RENAME COLUMN {quote_name('_record_id')} TO {quote_name(aside)}")
        con.execute(f"ALTER TABLE {table} ADD COLUMN _record_id VARCHAR")
        key = _KEY.format(delivery="_delivery_id", sheet="_sheet", row="_row_number")
        con.execute(f"UPDATE {table} SET _record_id = {key}")


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The table's column names, lower case (DuckDB's names are case-insensitive)."""
    return {
        name.lower()
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
