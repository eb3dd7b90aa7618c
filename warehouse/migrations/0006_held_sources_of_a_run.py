"""Held runs: ``meta.runs`` counts the sources a delivery holds (``held_sources``); such a run's status is ``held``.

A run that ran to the end while the quality gate (or schema drift under contract: stop) held a delivery
said ``success``. Runs recorded before keep ``held_sources`` empty and their status as it was: which
sources were held then was not recorded and is not guessed.
"""

import duckdb


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE IF EXISTS meta.runs ADD COLUMN IF NOT EXISTS held_sources INTEGER")
