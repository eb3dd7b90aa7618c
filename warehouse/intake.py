"""Intake: take in whatever a source has newly delivered, files from the landing zone or a pull
from its database, and land it in the raw layer.

A database that cannot be reached is skipped with a one-line note, so the main job runs on a
laptop without database servers.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.landing import pending_deliveries
from connectors.readers import Delivered, ReadError, read_delivery
from connectors.spec import SourceSpec
from warehouse.database import transaction
from warehouse.raw import LandingResult, Status, land, record_failure, stopped_by_drift, write_delivery


@dataclass(frozen=True)
class SourceLanding:
    """What one run landed for one source."""

    source: str
    deliveries: tuple[LandingResult, ...] = ()
    note: str | None = None
    """Why nothing was landed, when nothing was (no new files, database unreachable, no changes)."""

    @property
    def rows_delivered(self) -> int:
        return sum(result.rows_delivered for result in self.deliveries)

    @property
    def rows_loaded(self) -> int:
        return sum(result.rows_loaded for result in self.deliveries)

    @property
    def rows_quarantined(self) -> int:
        return sum(result.rows_quarantined for result in self.deliveries)

    def count(self, status: Status) -> int:
        """How many deliveries ended with this status."""
        return sum(result.status == status for result in self.deliveries)


def land_source(con: duckdb.DuckDBPyConnection, spec: SourceSpec, root: Path | None = None) -> SourceLanding:
    """Land everything new from one source: pending files (below the landing ``root``, default
    ``$HOUSEKEY_LANDING``), or a pull from its database."""
    return pull_database(con, spec) if spec.is_database else land_files(con, spec, root)


def land_files(con: duckdb.DuckDBPyConnection, spec: SourceSpec, root: Path | None = None) -> SourceLanding:
    """Read and land every pending file of a file source; an unreadable file never stops the rest.

    Files already recorded under the same name and content are not offered again; failed files are.
    """
    recorded = set(
        con.execute(
            "SELECT file_name, file_hash FROM meta.deliveries WHERE source = ? AND status <> 'failed'",
            [spec.name],
        ).fetchall()
    )
    results = []
    for file in pending_deliveries(spec, recorded, root):
        if file.refused:
            error = ReadError(file.refused)
            results.append(record_failure(con, spec, file.file_name, file.file_hash, file.file_bytes, error))
            continue
        try:
            delivered = read_delivery(file.path, spec)
        except ReadError as error:
            results.append(record_failure(con, spec, file.file_name, file.file_hash, file.file_bytes, error))
            continue
        if held := stopped_by_drift(delivered, spec):
            results.append(record_failure(con, spec, file.file_name, file.file_hash, file.file_bytes, held))
            break  # later deliveries of a source held back by drift wait for the spec, in order
        results.append(land(con, spec, delivered, file.file_name, file.file_hash, file.file_bytes))
    return SourceLanding(spec.name, tuple(results), note=None if results else "no new deliveries")


def pull_database(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> SourceLanding:
    """Pull a database source from its cursor in ``meta.cursors`` and land the rows as one delivery
    named ``<format>:<table>``; the cursor advances in the same transaction as the rows.

    A pull identical to content already loaded (an unchanged snapshot) records nothing.
    """
    from connectors.readers.sql import SourceUnavailable, pull

    row = con.execute("SELECT cursor_value FROM meta.cursors WHERE source = ?", [spec.name]).fetchone()
    since = row[0] if row else None
    file_name = f"{spec.format}:{spec.sql.table}"
    try:
        delivered, new_cursor = pull(spec, since)
    except SourceUnavailable as error:
        return SourceLanding(spec.name, note=f"skipped: {error}")
    except ReadError as error:
        failed_id = f"{spec.name}:{since or 'full'}:failed"
        return SourceLanding(spec.name, (record_failure(con, spec, file_name, None, None, error, failed_id),))
    if not delivered.row_count and not delivered.unreadable:
        return SourceLanding(spec.name, note=f"no changes since {since}" if since else "the table is empty")

    rows_hash = _rows_hash(delivered)
    earlier = con.execute(
        "SELECT delivery_id FROM meta.deliveries WHERE source = ? AND file_hash = ? AND status = 'loaded'",
        [spec.name, rows_hash],
    ).fetchone()
    if earlier:
        return SourceLanding(spec.name, note=f"unchanged since delivery {earlier[0]}")
    with transaction(con):
        result = write_delivery(
            con, spec, delivered, file_name, rows_hash, None, f"{spec.name}:{since or 'full'}:{rows_hash[:12]}"
        )
        con.execute(
            "INSERT OR REPLACE INTO meta.cursors (source, cursor_value, updated_at)"
            " VALUES (?, ?, current_timestamp)",
            [spec.name, new_cursor],
        )
    return SourceLanding(spec.name, (result,))


def _rows_hash(delivered: Delivered) -> str:
    """sha256 of the pulled headers and rows, row by row so a large pull is not serialised twice."""
    digest = hashlib.sha256()
    for part in delivered.parts:
        digest.update(json.dumps(part.header, ensure_ascii=False).encode())
        for values in part.rows:
            digest.update(json.dumps(values, ensure_ascii=False).encode())
    return digest.hexdigest()
