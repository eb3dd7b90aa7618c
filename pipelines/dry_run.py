"""``housekey source check``: a dry run of one source on an in-memory warehouse.

The files are read, landed and staged by the pipeline's own code (read_delivery, raw.land,
staging.stage) in a throwaway DuckDB, and the report says what would load, what would be
quarantined and why, which deliveries would be held, what the readers noted, how the columns drifted
from the spec (with the renames the synonyms suggest), which mapped columns come empty, and how many
addresses look matchable. Nothing is written to the real warehouse; it is at most read, read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors.drift import Drift, proposed_renames
from connectors.landing import content_hash, delivery_paths
from connectors.onboarding.sensitive import SAMPLE_VALUES, unprotected
from connectors.readers import ReadError, read_delivery
from connectors.spec import SourceSpec
from warehouse.database import create_bookkeeping, quote_name, warehouse_path
from warehouse.raw import land, record_failure, stopped_by_drift
from warehouse.staging import stage

EXAMPLES = 3


@dataclass
class Reason:
    """One reason rows would be quarantined, with a few of them."""

    rule: str
    """transform_<type> (a value staging cannot read) or unreadable_row (a row the reader could not split)."""
    column: str | None
    rows: int
    examples: list[tuple]
    """(file, sheet, row, column, value, reason), up to EXAMPLES."""
    is_row_kept: bool = False
    """Only the values are quarantined: their rows load with the value empty."""


@dataclass
class CheckReport:
    """What a run would make of a source's files."""

    source: str
    files: list[str]
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    rows_unreadable: int = 0
    """Of the quarantined rows, those the reader could not split into columns."""
    failed: list[str] = field(default_factory=list)
    """One line per file that cannot be read, or that the contract 'stop' holds back for drift."""
    held: list[str] = field(default_factory=list)
    """One line per delivery the quality gate would hold (too many failing rows, an empty or cut-short snapshot)."""
    warnings: list[str] = field(default_factory=list)
    """Mapped columns that come empty in every row of a delivery."""
    reasons: list[Reason] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    addresses: int = 0
    addresses_parseable: int = 0
    """Addresses naming a road (of the register, when the warehouse has one) and a lane or door number."""
    roads_known: bool = False
    """Whether the roads were checked against the register's road names."""

    @property
    def values_quarantined(self) -> int:
        """Values quarantined alone, their rows loading with the value empty."""
        return sum(reason.rows for reason in self.reasons if reason.is_row_kept)

    @property
    def balanced(self) -> bool:
        """Every row read is either staged or quarantined."""
        return self.rows_read == self.rows_staged + self.rows_quarantined

    @property
    def refusal(self) -> str | None:
        """Why a run would not load these files as they are, in a line: failed, held or nothing to load (None: it would)."""
        reasons = [
            f"{len(self.failed)} file(s) failed or held back" if self.failed else "",
            f"{len(self.held)} delivery(ies) held by the quality gate" if self.held else "",
            "0 rows would load" if self.files and not self.rows_staged else "",
        ]
        return ", ".join(r for r in reasons if r) or None


def pending_files(spec: SourceSpec) -> list[Path]:
    """The source's files in its landing folder that the warehouse has not loaded yet (all of them
    when there is no warehouse). The warehouse is opened read-only, and only if it exists."""
    recorded: set[tuple[str, str]] = set()
    path = warehouse_path()
    if path.exists():
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                recorded = set(
                    con.execute(
                        "SELECT file_name, file_hash FROM meta.deliveries WHERE source = ? AND status <> 'failed'",
                        [spec.name],
                    ).fetchall()
                )
        except duckdb.Error:
            pass  # locked by a running pipeline or not yet set up: treat every file as pending
    return [p for p in delivery_paths(spec) if (p.name, content_hash(p)) not in recorded]


def check_source(spec: SourceSpec, files: list[Path] | None = None) -> CheckReport:
    """Dry-run the given files (default: the pending files in the source's landing folder)."""
    files = pending_files(spec) if files is None else files
    report = CheckReport(spec.name, [f.name for f in files])
    with duckdb.connect(":memory:") as con:
        create_bookkeeping(con)
        for path in files:
            _land(con, spec, path, report)
        report.drift = _drift(con, spec)
        staged = stage(con, spec)
        report.rows_staged, report.held = staged.rows_staged, [held.message for held in staged.held]
        _count(con, report)
        _addresses(con, spec, report)
        report.notes += _sensitive_columns(con, spec)
    return report


def _drift(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> list[str]:
    """One line per file and kind of drift; sheets that drifted alike are named together."""
    sheets_by_drift: dict[tuple[str, str], list[str]] = {}
    for file, sheet, added, missing, renamed in con.execute(
        "SELECT file_name, sheet, added, missing, renamed FROM meta.schema_drift ORDER BY 1, 2"
    ).fetchall():
        pairs = tuple(tuple(pair.split(" → ", 1)) for pair in renamed)
        what = Drift(tuple(added), tuple(missing), pairs, proposed_renames(spec, added, missing)).describe()
        sheets_by_drift.setdefault((file, what), []).extend([sheet] if sheet else [])
    return [f"{file}{_sheets(sheets)}: {what}" for (file, what), sheets in sheets_by_drift.items()]


def _sheets(sheets: list[str]) -> str:
    if not sheets:
        return ""
    return f" / {sheets[0]}" if len(sheets) == 1 else f" / {len(sheets)} sheets ({sheets[0]}, {sheets[1]}, ...)"


def _land(con: duckdb.DuckDBPyConnection, spec: SourceSpec, path: Path, report: CheckReport) -> None:
    """Land one file as the pipeline's intake would; failures become report lines, not exceptions."""
    if not path.is_file():
        report.failed.append(f"file {path} does not exist")
        return
    digest, size = content_hash(path), path.stat().st_size
    try:
        delivered = read_delivery(path, spec)
    except ReadError as error:
        record_failure(con, spec, path.name, digest, size, error)
        report.failed.append(str(error))
        return
    if held := stopped_by_drift(delivered, spec):
        record_failure(con, spec, path.name, digest, size, held)
        report.failed.append(f"{path.name}: {held}")
        return
    result = land(con, spec, delivered, path.name, digest, size)
    report.warnings += result.warnings
    report.notes += [
        f"{path.name}: {note}" for note in result.notes if "schema drift" not in note and note not in result.warnings
    ]


def _count(con: duckdb.DuckDBPyConnection, report: CheckReport) -> None:
    """Rows read, quarantined (distinct rows: one row may fail on two columns) and the reasons."""
    report.rows_read = con.execute(
        "SELECT coalesce(sum(rows_delivered), 0) FROM meta.deliveries WHERE status = 'loaded'"
    ).fetchone()[0]
    rows = "FROM quality.quarantine WHERE row_number IS NOT NULL"
    report.rows_quarantined = con.execute("SELECT count(*) FROM quality.quarantined_rows").fetchone()[0]
    report.rows_unreadable = con.execute(f"SELECT count(*) {rows} AND rule = 'unreadable_row'").fetchone()[0]
    by_reason = f"SELECT rule, column_name, is_row_kept, count(*) {rows} GROUP BY ALL ORDER BY 4 DESC, 1, 2"
    for rule, column, kept, count in con.execute(by_reason).fetchall():
        examples = con.execute(
            f"SELECT file_name, sheet, row_number, column_name, value, reason {rows} AND rule = ? "
            "AND column_name IS NOT DISTINCT FROM ? AND is_row_kept = ? ORDER BY file_name, sheet, row_number LIMIT ?",
            [rule, column, kept, EXAMPLES],
        ).fetchall()
        report.reasons.append(Reason(rule, column, count, examples, kept))


def _sensitive_columns(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> list[str]:
    """Delivered columns holding bank cards, ID numbers, passports... that the spec neither drops nor maps to a
    column the analyst copy masks for them (connectors/onboarding/sensitive.py)."""
    headers = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = ? "
        "AND NOT starts_with(column_name, '_')",
        [spec.name],
    ).fetchall()
    values = {
        header: [
            v
            for (v,) in con.execute(
                f"SELECT {quote_name(header)} FROM raw.{quote_name(spec.name)} "
                f"WHERE nullif(trim({quote_name(header)}), '') IS NOT NULL LIMIT {SAMPLE_VALUES}"
            ).fetchall()
        ]
        for (header,) in headers
    }
    return unprotected(spec, values)


def _addresses(con: duckdb.DuckDBPyConnection, spec: SourceSpec, report: CheckReport) -> None:
    """How many staged addresses name a known road and a number: a first look before matching."""
    if "address" not in {m.to for m in spec.columns.values()} or not report.rows_staged:
        return
    from resolution.address.gazetteer import Gazetteer
    from resolution.address.parse import parse

    roads = _register_roads()
    report.roads_known = bool(roads)
    gazetteer = Gazetteer.shanghai(roads) if roads else None
    staged = f'SELECT address FROM staging."{spec.name}" WHERE address IS NOT NULL'
    values = [v for (v,) in con.execute(staged).fetchall()]
    report.addresses = len(values)
    for value in values:
        parts = parse(value, gazetteer).components
        road_ok = parts.get("road") and (not roads or parts["road"] in roads)
        report.addresses_parseable += bool(road_ok and (parts.get("lane_no") or parts.get("door_no")))


def _register_roads() -> set[str]:
    """The road names of the house register in the real warehouse, read-only; empty when there is none."""
    path = warehouse_path()
    if not path.exists():
        return set()
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            roads = con.execute("SELECT DISTINCT road FROM core.houses WHERE road IS NOT NULL").fetchall()
        return {road for (road,) in roads}
    except duckdb.Error:
        return set()  # no register built yet, or the pipeline holds the file: fall back to the parser alone
