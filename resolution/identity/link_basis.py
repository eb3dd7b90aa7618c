"""What identity's latest linking was made from (``core.identity_basis``, a row per entity: ``person``,
``business``), so a run that brings nothing new for people keeps the people it has instead of linking every
record again (issue 18).

The basis is a digest of every record linking reads (all their columns, with their houses: a new delivery, a
changed spec or a changed register or address decision shows up there), of the reviewers' decisions on the
entity and of the linking code (this package, the record backbone it reads and the canonical schemas). While all
three are as the latest linking left them, its tables stand as they are: linking again would give the same rows.
When one changed, everything is linked again (the Splink model learns from every record, so linking only the new
records would not give what one run over all of them gives) and the row says why.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.catalogue import table_exists
from warehouse.fingerprint import REPO_ROOT, code_digest, table_digest

BASIS_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.identity_basis (
    entity            VARCHAR PRIMARY KEY,  -- person or business
    records           VARCHAR NOT NULL,     -- digest of every record the linking read
    decisions         VARCHAR NOT NULL,     -- digest of the reviewers' decisions on the entity
    code              VARCHAR NOT NULL,     -- digest of the linking code and rules
    records_linked    BIGINT,               -- records the latest linking read
    relinked_because  VARCHAR,              -- why this run linked again (NULL: it kept the latest linking)
    checked_at        TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
"""
LINKING_CODE = (
    Path(__file__).resolve().parent,
    REPO_ROOT / "resolution" / "address" / "records.py",
    *(
        REPO_ROOT / "schemas" / name
        for name in ("__init__.py", "record_kinds.py", "record_kinds.yaml", "identifiers.py")
    ),
)
"""What a link is made by besides its records and decisions."""
LABELS = {"records": "the records", "decisions": "the reviewers' decisions", "code": "the code"}


def linking_basis(con: duckdb.DuckDBPyConnection, records_sql: str, decisions: str) -> dict[str, str | int]:
    """The basis of a linking of the rows ``records_sql`` selects under the decisions of table ``core.<decisions>``."""
    count, digest = records_digest(con, records_sql)
    return {
        "records": digest,
        "decisions": table_digest(con, "core", decisions),
        "code": code_digest(LINKING_CODE),
        "records_linked": count,
    }


def records_digest(con: duckdb.DuckDBPyConnection, records_sql: str) -> tuple[int, str]:
    """(rows, digest) of the rows ``records_sql`` selects."""
    # each row's hash summed, in no order: a million records digest in a fraction of a second, where sorting their
    # text took seconds on every run (a changed row changes the sum but for a chance of one in 2^64)
    return con.execute(
        f"SELECT count(*), sha256(coalesce(sum(hash(*COLUMNS(*)))::VARCHAR, '')) FROM ({records_sql})"
    ).fetchone()


def linked_records(con: duckdb.DuckDBPyConnection, entity: str) -> tuple[int, str] | None:
    """(rows, digest) of the records the ``entity``'s latest linking read (None: none recorded)."""
    con.execute(BASIS_SQL)
    earlier = con.execute(
        "SELECT records_linked, records FROM core.identity_basis WHERE entity = ?", [entity]
    ).fetchone()
    return tuple(earlier) if earlier else None


def why_link_again(
    con: duckdb.DuckDBPyConnection, entity: str, basis: dict[str, str | int], outputs: tuple[str, ...]
) -> str | None:
    """Why the ``entity`` must be linked again (None: the latest linking, in ``outputs``, stands as it is)."""
    con.execute(BASIS_SQL)
    if not all(table_exists(con, *name.split(".")) for name in outputs):
        return "no earlier linking"
    earlier = con.execute(
        "SELECT records, decisions, code FROM core.identity_basis WHERE entity = ?", [entity]
    ).fetchone()
    if earlier is None:
        return "no earlier linking recorded its basis"
    changed = [label for (name, label), value in zip(LABELS.items(), earlier, strict=True) if basis[name] != value]
    return f"{' and '.join(changed)} changed since the latest linking" if changed else None


def record_basis(con: duckdb.DuckDBPyConnection, entity: str, basis: dict[str, str | int], why: str | None) -> None:
    """The entity's row: the basis the tables now stand on, and why they were linked again (None: kept)."""
    con.execute(BASIS_SQL)
    con.execute("DELETE FROM core.identity_basis WHERE entity = ?", [entity])
    con.execute(
        "INSERT INTO core.identity_basis (entity, records, decisions, code, records_linked, relinked_because) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [entity, basis["records"], basis["decisions"], basis["code"], basis["records_linked"], why],
    )
