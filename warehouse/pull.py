"""A database source's delivery: the rows changed since the warehouse's cursor, pulled and landed with
the cursor in one transaction.

A database that is not read is a failure (``failed:`` note) when the source is required, and is
skipped with a one-line note (``skipped:``) otherwise: the local default server on a laptop without
database servers, or every database with ``HOUSEKEY_DATABASES=off`` (connectors/readers/sql.py). Either
way the cursor stays where it was, so the next run that reads the database lands what was missed.
"""

from __future__ import annotations

import hashlib
import json

import duckdb

from connectors.readers import Delivered, ReadError
from connectors.spec import SourceSpec
from warehouse.database import transaction
from warehouse.raw import SourceLanding, record_failure, write_delivery

FAILED, SKIPPED = "failed: ", "skipped: "
"""How a SourceLanding's note starts when the source was not read."""


def pull_database(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> SourceLanding:
    """Pull a database source from its cursor in ``meta.cursors`` and land the rows as one delivery
    named ``<format>:<table>``; the cursor advances in the same transaction as the rows.

    A pull identical to content already loaded (an unchanged snapshot) records nothing.
    """
    from connectors.readers.sql import DATABASES_ENV, SourceUnavailable, databases_mode, pull

    if databases_mode() == "off":
        return SourceLanding(spec.name, note=f"{SKIPPED}database sources switched off ({DATABASES_ENV}=off)")
    since = cursor_of(con, spec.name)
    file_name = f"{spec.format}:{spec.sql.table}"
    try:
        delivered, new_cursor = pull(spec, since)
    except SourceUnavailable as error:
        return SourceLanding(spec.name, note=f"{FAILED if error.required else SKIPPED}{error}")
    except ReadError as error:
        failed_id = f"{spec.name}:{since or 'full'}:failed"
        return SourceLanding(spec.name, (record_failure(con, spec, file_name, None, None, error, failed_id),))
    if not delivered.row_count and not delivered.unreadable:
        return SourceLanding(spec.name, note=f"no changes since {since}" if since else "the table is empty")

    rows_hash = pulled_rows_hash(delivered)
    if earlier := loaded_delivery(con, spec.name, rows_hash):
        return SourceLanding(spec.name, note=f"unchanged since delivery {earlier}")
    with transaction(con):
        result = write_delivery(
            con, spec, delivered, file_name, rows_hash, None, f"{spec.name}:{since or 'full'}:{rows_hash[:12]}"
        )
        con.execute(
            "INSERT OR REPLACE INTO meta.cursors (source, cursor_value, updated_at) VALUES (?, ?, current_timestamp)",
            [spec.name, new_cursor],
        )
    return SourceLanding(spec.name, (result,))


def not_read(landing: SourceLanding) -> tuple[str, str] | None:
    """("failed" or "skipped", why) when the landing read nothing from its database; else None."""
    note = landing.note or ""
    for outcome in (FAILED, SKIPPED):
        if not landing.deliveries and note.startswith(outcome):
            return outcome.rstrip(": "), note.removeprefix(outcome)
    return None


def cursor_of(con: duckdb.DuckDBPyConnection, source: str) -> str | None:
    """Where the source's last pull stopped (``meta.cursors``), None before its first."""
    row = con.execute("SELECT cursor_value FROM meta.cursors WHERE source = ?", [source]).fetchone()
    return row[0] if row else None


def loaded_delivery(con: duckdb.DuckDBPyConnection, source: str, rows_hash: str) -> str | None:
    """The delivery of the source that loaded these very rows already, if one did."""
    row = con.execute(
        "SELECT delivery_id FROM meta.deliveries WHERE source = ? AND file_hash = ? AND status = 'loaded'",
        [source, rows_hash],
    ).fetchone()
    return row[0] if row else None


def pulled_rows_hash(delivered: Delivered) -> str:
    """sha256 of the pulled headers and rows, row by row so a large pull is not serialised twice."""
    digest = hashlib.sha256()
    for part in delivered.parts:
        digest.update(json.dumps(part.header, ensure_ascii=False).encode())
        for values in part.rows:
            digest.update(json.dumps(values, ensure_ascii=False).encode())
    return digest.hexdigest()
