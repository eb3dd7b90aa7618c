"""Parties of an event: core.person_counterparts gets ``party`` (counterpart or reporter).

An event may name, besides the person it is about, another party (a group rental's landlord) and who
reported it (a complainant); both are kept in core.person_counterparts, told apart by ``party``, and the
next run finds each record's person again by its record_id and party. Every existing row is a rental
contract's or title deed's second party, the only other party there was: it gets ``counterpart``.
"""

import duckdb


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE IF EXISTS core.person_counterparts ADD COLUMN IF NOT EXISTS party VARCHAR")
    if con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'core' AND table_name = 'person_counterparts'"
    ).fetchone()[0]:
        con.execute("UPDATE core.person_counterparts SET party = 'counterpart' WHERE party IS NULL")
