"""The landing files' content hashes as last read, by their stat, so a run reads again only the files that changed.

``meta.file_hashes`` is a cache made on first use (a warehouse without it hashes every file once, as before it
existed); ``connectors.landing.survey`` takes what it holds and says what it hashed anew. Only a run that lands
writes it, and only when it hashed something: a run with nothing new changes nothing.
"""

from __future__ import annotations

import duckdb

from warehouse.catalogue import table_exists
from warehouse.database import transaction

FILE_HASHES_SQL = """CREATE TABLE IF NOT EXISTS meta.file_hashes (
    source    VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    stat      VARCHAR NOT NULL,  -- connectors.landing.file_stat when it was hashed
    file_hash VARCHAR NOT NULL   -- sha256 of its bytes then
)"""


def known_hashes(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, str]]:
    """File name -> (stat, hash) of the source's landing files as last hashed (read-only)."""
    if not table_exists(con, "meta", "file_hashes"):
        return {}
    rows = con.execute("SELECT file_name, stat, file_hash FROM meta.file_hashes WHERE source = ?", [source])
    return {name: (stat, file_hash) for name, stat, file_hash in rows.fetchall()}


def remember_hashes(con: duckdb.DuckDBPyConnection, source: str, hashed: dict[str, tuple[str, str]]) -> None:
    """Keep the files just hashed, each in place of what its name held."""
    if not hashed:
        return
    with transaction(con):
        con.execute(FILE_HASHES_SQL)
        con.execute(
            "DELETE FROM meta.file_hashes WHERE source = ? AND list_contains(?::VARCHAR[], file_name)",
            [source, list(hashed)],
        )
        con.executemany(
            "INSERT INTO meta.file_hashes VALUES (?, ?, ?, ?)",
            [[source, name, stat, file_hash] for name, (stat, file_hash) in sorted(hashed.items())],
        )
