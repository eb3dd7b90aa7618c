"""Analyst-facing marts: one row per business entity, built from core and tags, each saying its run day."""

import datetime as dt

import duckdb

from warehouse.catalogue import tables, tables_with_column
from warehouse.database import quote_literal, quote_name


def stamp_run_day(con: duckdb.DuckDBPyConnection, day: dt.date) -> list[str]:
    """Give every marts table a step just rebuilt its run day, ``as_of``; the rebuilt ones are those without it
    (``CREATE OR REPLACE`` drops it), so a mart not rebuilt keeps the day it describes. Returns the tables stamped."""
    dated = set(tables_with_column(con, "marts", ["as_of"]))
    stamped = [table for table in tables(con, "marts") if table not in dated]
    for table in stamped:
        con.execute(
            f"ALTER TABLE marts.{quote_name(table)} ADD COLUMN as_of DATE DEFAULT {quote_literal(day.isoformat())}::DATE"
        )
    return stamped
