"""Record key in identity: core.person_records, person_counterparts and business_records get ``record_id``.

The next run keeps each record's person and business id by finding it again in these tables of the last
run, now by its ``record_id`` (``<delivery_id>#<row>``, or ``<delivery_id>#<sheet>!<row>`` for a sheet) instead
of by source, delivery, sheet and row number; existing rows get the key from those columns.
"""

import duckdb

_KEY = "_delivery_id || '#' || coalesce(_sheet || '!', '') || _row_number"


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("person_records", "person_counterparts", "business_records"):
        con.execute(f"ALTER TABLE IF EXISTS core.{table} ADD COLUMN IF NOT EXISTS record_id VARCHAR")
        if con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = 'core' AND table_name = ?",
            [table],
        ).fetchone()[0]:
            con.execute(f"UPDATE core.{table} SET record_id = {_KEY} WHERE record_id IS NULL")
