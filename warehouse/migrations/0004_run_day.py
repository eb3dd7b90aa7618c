"""Run day: ``meta.runs`` says which day each run described (``as_of``), as its tags, marts and freshness do.

Runs recorded before it keep ``as_of`` empty: the day they ran for was not recorded and is not guessed.
"""

import duckdb


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE IF EXISTS meta.runs ADD COLUMN IF NOT EXISTS as_of DATE")
