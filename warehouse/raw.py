"""The raw layer: every delivery as delivered, every value a string, nothing lost.

``raw.<source>`` keeps the delivered (Chinese) headers as column names, all VARCHAR, and grows a
column when a delivery brings a header the table lacks. Every row carries its provenance:
``_source, _delivery_id, _file_name, _file_hash, _sheet, _row_number``, and its key ``_record_id``
(``record_id_sql``), which every later layer joins on. Each delivery is written in
one transaction and recorded in ``meta.deliveries``; rows the reader could not read, and files it
could not read at all, go to ``quality.quarantine`` with the reason. Columns the spec drops never get
here: they are cut from the delivery as it is read (``without_dropped``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

import duckdb
import pyarrow as pa

from connectors.drift import Drift, detect_drift, empty_columns
from connectors.readers import Delivered, Part, ReadError, Unreadable
from connectors.spec import SourceSpec
from warehouse import catalogue
from warehouse.database import quote_name, transaction

PROVENANCE = {
    **dict.fromkeys(("_source", "_delivery_id", "_file_name", "_file_hash", "_sheet"), "VARCHAR"),
    "_row_number": "BIGINT",
    "_record_id": "VARCHAR",
}
Status = Literal["loaded", "duplicate", "failed"]


@dataclass(frozen=True)
class LandingResult:
    """What became of one delivery."""

    source: str
    delivery_id: str
    file_name: str
    status: Status
    rows_loaded: int = 0
    rows_quarantined: int = 0
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """Notes a person must see (a mapped column empty in every row); also among ``notes``."""

    @property
    def rows_delivered(self) -> int:
        return self.rows_loaded + self.rows_quarantined


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


def record_id_sql(delivery_id: str = "_delivery_id", sheet: str = "_sheet", row_number: str = "_row_number") -> str:
    """SQL for a row's key from its provenance columns: ``<delivery_id>#<row>``, or ``<delivery_id>#<sheet>!<row>``
    for a workbook's sheet. Readable, the same whenever the same row of the same delivery is keyed (a delivery
    id holds no ``#``, a row number no ``!``), and computed in bulk; NULL for a whole-file quarantine row."""
    return f"{delivery_id} || '#' || coalesce({sheet} || '!', '') || {row_number}"


def file_delivery_id(source: str, file_hash: str) -> str:
    """The delivery id of a file: the source and the first 12 hex digits of its content hash."""
    return f"{source}:{file_hash[:12]}"


def land(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    delivered: Delivered,
    file_name: str,
    file_hash: str,
    file_bytes: int | None,
    delivery_id: str | None = None,
) -> LandingResult:
    """Write one delivery into ``raw.<spec.name>`` in one transaction: all of it or none of it.

    ``delivery_id`` defaults to ``file_delivery_id(source, file_hash)``. Content already loaded for
    the source (same hash, status 'loaded') is a re-delivery: no rows are written, and a
    ``meta.deliveries`` row with status 'duplicate' records the file name under the earlier
    delivery's id, so the file is not offered again. A successful load replaces any earlier
    'failed' record of the same delivery and file.
    """
    with transaction(con):
        return write_delivery(con, spec, delivered, file_name, file_hash, file_bytes, delivery_id)


def write_delivery(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    delivered: Delivered,
    file_name: str,
    file_hash: str,
    file_bytes: int | None,
    delivery_id: str | None = None,
) -> LandingResult:
    """``land()`` inside the caller's transaction, for callers that commit more with it (a cursor)."""
    delivery_id = delivery_id or file_delivery_id(spec.name, file_hash)
    _forget_failed_attempt(con, spec.name, delivery_id, file_name)
    earlier = con.execute(
        "SELECT delivery_id, file_name FROM meta.deliveries"
        " WHERE source = ? AND file_hash = ? AND status = 'loaded' LIMIT 1",
        [spec.name, file_hash],
    ).fetchone()
    if earlier:
        result = LandingResult(
            spec.name,
            earlier[0],
            file_name,
            "duplicate",
            notes=(f"same content as {earlier[1]} (delivery {earlier[0]}): nothing loaded",),
        )
        _record(con, result, file_hash, file_bytes, delivered.encoding)
        return result

    delivered = without_dropped(delivered, spec)
    warnings = empty_column_warnings(spec, delivered, file_name)
    notes = [*delivered.notes, *_clear_dropped(con, spec), *warnings]
    for part in delivered.parts:
        drift = detect_drift(spec, part.header)
        if drift.is_drift:
            notes.append(f"{part.sheet or file_name}: schema drift: {drift.describe()}")
            _record_drift(con, spec.name, delivery_id, file_name, part.sheet, drift, "loaded")
        columns, renamed = _column_names(part.header)
        notes += renamed
        _add_missing_columns(con, spec.name, columns)
        _insert_part(con, spec.name, part, columns, [spec.name, delivery_id, file_name, file_hash, part.sheet])
    _quarantine_rows(con, spec.name, delivery_id, file_name, delivered.unreadable)
    result = LandingResult(
        spec.name,
        delivery_id,
        file_name,
        "loaded",
        rows_loaded=delivered.row_count,
        rows_quarantined=len(delivered.unreadable),
        notes=tuple(notes),
        warnings=tuple(warnings),
    )
    _record(con, result, file_hash, file_bytes, delivered.encoding)
    return result


def without_dropped(delivered: Delivered, spec: SourceSpec) -> Delivered:
    """The delivery without the columns the spec drops: their values are never written anywhere. A row the
    reader could not split keeps no text when the spec drops a column (its line may hold the dropped value)."""
    if not spec.drop:
        return delivered
    parts = []
    for part in delivered.parts:
        kept = [i for i, name in enumerate(part.header) if name not in spec.drop]
        if len(kept) == len(part.header):
            parts.append(part)
            continue
        rows = [[row[i] for i in kept] for row in part.rows]
        parts.append(Part([part.header[i] for i in kept], rows, part.row_numbers, part.sheet))
    unreadable = [
        row
        if row.column is not None and row.column not in spec.drop
        else replace(row, raw=None, reason=f"{row.reason} (its text is not kept: the spec drops a column)")
        for row in delivered.unreadable
    ]
    return replace(delivered, parts=parts, unreadable=unreadable)


def empty_column_warnings(spec: SourceSpec, delivered: Delivered, file_name: str) -> list[str]:
    """One line per mapped column that is empty in every row of a part of the delivery: a changed export?"""
    return [
        f"{part.sheet or file_name}: mapped column {column} ({spec.canonical_name(column)}) is empty in every one "
        f"of its {len(part.rows):,} rows"
        for part in delivered.parts
        for column in empty_columns(spec, part)
    ]


def _clear_dropped(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> list[str]:
    """Drop from ``raw.<source>`` the columns the spec now drops, which deliveries before it landed."""
    if not spec.drop:  # most specs: spare the catalogue query
        return []
    stored = {name.lower(): name for name in catalogue.columns(con, "raw", spec.name)}
    notes = []
    for column in spec.drop:
        if (name := stored.get(column.lower())) is not None:
            con.execute(f"ALTER TABLE raw.{quote_name(spec.name)} DROP COLUMN {quote_name(name)}")
            notes.append(f"column {column} of earlier deliveries removed from raw.{spec.name}: the spec drops it")
    return notes


def stopped_by_drift(delivered: Delivered, spec: SourceSpec) -> ReadError | None:
    """Under ``contract: stop``, the error holding back a delivery with a column the spec does not know or a
    column that did not come (None: load it; a column under an alias the spec lists is known)."""
    if spec.contract != "stop":
        return None
    drifts = [(part.sheet, d) for part in delivered.parts if (d := detect_drift(spec, part.header)).is_unknown]
    if not drifts:
        return None
    where = "; ".join(f"{sheet + ': ' if sheet else ''}{d.describe()}" for sheet, d in drifts)
    return SchemaDriftError(
        f"schema drift against the spec ({where}); the contract is stop: update "
        f"connectors/sources/{spec.name}.yaml (or set contract: evolve) and run again",
        drifts,
    )


class SchemaDriftError(ReadError):
    """A delivery whose columns differ from its spec, held back by ``contract: stop``."""

    def __init__(self, message: str, drifts: list[tuple[str | None, Drift]]):
        super().__init__(message)
        self.drifts = drifts


def record_failure(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    file_name: str,
    file_hash: str | None,
    file_bytes: int | None,
    error: ReadError,
    delivery_id: str | None = None,
) -> LandingResult:
    """Record a delivery that could not be read at all, or was held back by schema drift: status
    'failed' in ``meta.deliveries`` and rule 'unreadable_file' (or 'schema_drift') in
    ``quality.quarantine``, both with the error's message.

    A failed file is offered again on the next run; its new attempt replaces this record.
    """
    delivery_id = delivery_id or file_delivery_id(spec.name, file_hash or "")
    result = LandingResult(spec.name, delivery_id, file_name, "failed", notes=(str(error),))
    drifts = error.drifts if isinstance(error, SchemaDriftError) else []
    with transaction(con):
        _forget_failed_attempt(con, spec.name, delivery_id, file_name)
        _record(con, result, file_hash, file_bytes, encoding=None)
        con.execute(
            "INSERT INTO quality.quarantine (source, delivery_id, file_name, rule, reason) VALUES (?, ?, ?, ?, ?)",
            [spec.name, delivery_id, file_name, "schema_drift" if drifts else "unreadable_file", str(error)],
        )
        for sheet, drift in drifts:
            _record_drift(con, spec.name, delivery_id, file_name, sheet, drift, "stopped")
    return result


def _record_drift(
    con: duckdb.DuckDBPyConnection,
    source: str,
    delivery_id: str,
    file_name: str,
    sheet: str | None,
    drift: Drift,
    action: str,
) -> None:
    con.execute(
        "INSERT INTO meta.schema_drift (source, delivery_id, file_name, sheet, added, missing, renamed, action)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            source,
            delivery_id,
            file_name,
            sheet,
            list(drift.added),
            list(drift.missing),
            [f"{old} → {new}" for old, new in drift.renamed],
            action,
        ],
    )


MAX_NAME_LENGTH = 255  # characters; a longer header is cut (a whole line read as one header cell)


def _column_names(header: list[str]) -> tuple[list[str], list[str]]:
    """Unique, storable column names for a delivered header, and a note for each one changed.

    A header is data: it is stored under its own name, quoted wherever it is used (``quote_name``), never
    trusted. Control characters become their ``\\xNN`` escapes, an empty header becomes ``column_<n>``, a
    header over ``MAX_NAME_LENGTH`` characters is cut. Readers already make headers unique; this also
    separates names that differ only in case (DuckDB identifiers are case-insensitive) and names that clash
    with a provenance column.
    """
    taken = {name.lower() for name in PROVENANCE}
    names, notes = [], []
    for position, delivered in enumerate(header, start=1):
        storable = _storable(delivered, position)
        name, suffix = storable, 2
        while name.lower() in taken:
            name, suffix = f"{storable}_{suffix}", suffix + 1
        if name != delivered:
            notes.append(f"header {_shown(delivered)} of column {position} stored as {_shown(name)}")
        taken.add(name.lower())
        names.append(name)
    return names, notes


def _storable(header: str, position: int) -> str:
    name = "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in header)
    if not name.strip():
        return f"column_{position}"
    return name[:MAX_NAME_LENGTH]


def _shown(name: str) -> str:
    """A header for a note: quoted, at most 60 characters."""
    return repr(name if len(name) <= 60 else name[:57] + "...")


def _add_missing_columns(con: duckdb.DuckDBPyConnection, source: str, columns: list[str]) -> None:
    """Create ``raw.<source>`` or add the columns it lacks; existing columns are never dropped."""
    existing = {name.lower() for name in catalogue.columns(con, "raw", source)}
    table = f"raw.{quote_name(source)}"
    if not existing:
        definitions = [f"{quote_name(c)} VARCHAR" for c in columns] + [f"{p} {t}" for p, t in PROVENANCE.items()]
        con.execute(f"CREATE TABLE {table} ({', '.join(definitions)})")
        return
    for column in columns:
        if column.lower() not in existing:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_name(column)} VARCHAR")


def _insert_part(
    con: duckdb.DuckDBPyConnection, source: str, part: Part, columns: list[str], provenance: list[str | None]
) -> None:
    values = list(zip(*part.rows, strict=False)) if part.rows else [()] * len(columns)
    batch = pa.table(
        {name: pa.array(column, pa.string()) for name, column in zip(columns, values, strict=False)}
        | {"_row_number": pa.array(part.row_numbers, pa.int64())}
    )
    con.register("delivered_part", batch)
    try:
        con.execute(
            f"INSERT INTO raw.{quote_name(source)} BY NAME SELECT *, {record_id_sql()} AS _record_id FROM ("
            "SELECT *, ?::VARCHAR AS _source, ?::VARCHAR AS _delivery_id, ?::VARCHAR AS _file_name,"
            " ?::VARCHAR AS _file_hash, ?::VARCHAR AS _sheet FROM delivered_part)",
            provenance,
        )
    finally:
        con.unregister("delivered_part")


def _quarantine_rows(
    con: duckdb.DuckDBPyConnection, source: str, delivery_id: str, file_name: str, rows: list[Unreadable]
) -> None:
    if not rows:
        return
    batch = pa.table(
        {
            "sheet": pa.array([r.sheet for r in rows], pa.string()),
            "row_number": pa.array([r.row_number for r in rows], pa.int64()),
            "column_name": pa.array([r.column for r in rows], pa.string()),
            "value": pa.array([r.raw for r in rows], pa.string()),
            "reason": pa.array([r.reason for r in rows], pa.string()),
        }
    )
    con.register("unreadable_rows", batch)
    try:
        con.execute(
            "INSERT INTO quality.quarantine BY NAME SELECT *, "
            f"{record_id_sql('delivery_id', 'sheet', 'row_number')} AS record_id FROM (SELECT *, ? AS source,"
            " ? AS delivery_id, ? AS file_name, 'unreadable_row' AS rule FROM unreadable_rows)",
            [source, delivery_id, file_name],
        )
    finally:
        con.unregister("unreadable_rows")


def _record(
    con: duckdb.DuckDBPyConnection,
    result: LandingResult,
    file_hash: str | None,
    file_bytes: int | None,
    encoding: str | None,
) -> None:
    con.execute(
        "INSERT INTO meta.deliveries (delivery_id, source, file_name, file_hash, file_bytes, encoding,"
        " rows_delivered, rows_loaded, rows_quarantined, notes, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.delivery_id,
            result.source,
            result.file_name,
            file_hash,
            file_bytes,
            encoding,
            result.rows_delivered,
            result.rows_loaded,
            result.rows_quarantined,
            "; ".join(result.notes) or None,
            result.status,
        ],
    )


def _forget_failed_attempt(con: duckdb.DuckDBPyConnection, source: str, delivery_id: str, file_name: str) -> None:
    """Drop the record of an earlier failed attempt at this delivery, so it is not counted twice."""
    attempt = [source, delivery_id, file_name]
    con.execute(
        "DELETE FROM meta.deliveries WHERE source = ? AND delivery_id = ? AND file_name = ? AND status = 'failed'",
        attempt,
    )
    con.execute(
        "DELETE FROM quality.quarantine"
        " WHERE source = ? AND delivery_id = ? AND file_name = ? AND rule IN ('unreadable_file', 'schema_drift')",
        attempt,
    )
    con.execute("DELETE FROM meta.schema_drift WHERE source = ? AND delivery_id = ? AND file_name = ?", attempt)
