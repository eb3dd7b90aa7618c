"""``housekey source check``: a dry run of one source on an in-memory warehouse.

It reads the files, lands and stages them with the pipeline's own code, and reports what would
load, what would be quarantined and why, schema drift, and how many addresses look matchable.
Nothing is written to the real warehouse.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors.landing import content_hash, delivery_paths
from connectors.readers import ReadError, read_delivery
from connectors.spec import SourceSpec
from warehouse.database import create_bookkeeping
from warehouse.raw import land, record_failure, stopped_by_drift
from warehouse.staging import stage

EXAMPLES = 3


@dataclass
class CheckReport:
    source: str
    files: list[str]
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    failed: list[str] = field(default_factory=list)
    """One line per file that could not be read or was held back by drift."""
    reasons: list[tuple[str, str, int, list[tuple]]] = field(default_factory=list)
    """(rule, column, count, examples of (file, sheet, row, value, reason))."""
    drift: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    addresses: int = 0
    addresses_parseable: int = 0

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_staged + self.rows_quarantined


def check_source(spec: SourceSpec, files: list[Path] | None = None) -> CheckReport:
    """Dry-run the given files (default: every file in the source's landing folder)."""
    files = files if files is not None else delivery_paths(spec)
    report = CheckReport(spec.name, [f.name for f in files])
    con = duckdb.connect(":memory:")
    create_bookkeeping(con)
    for path in files:
        digest, size = content_hash(path), path.stat().st_size
        try:
            delivered = read_delivery(path, spec)
        except ReadError as error:
            record_failure(con, spec, path.name, digest, size, error)
            report.failed.append(str(error))
            continue
        if held := stopped_by_drift(delivered, spec):
            record_failure(con, spec, path.name, digest, size, held)
            report.failed.append(str(held))
            continue
        result = land(con, spec, delivered, path.name, digest, size)
        report.notes += [f"{path.name}: {note}" for note in result.notes]
    report.drift = [f"{f}{' / ' + s if s else ''}: added {a}, missing {m}, renamed {r}" for f, s, a, m, r in con.execute(
        "SELECT file_name, sheet, added, missing, renamed FROM meta.schema_drift ORDER BY 1, 2").fetchall()]
    staged = stage(con, spec)
    report.rows_staged = staged.rows_staged
    report.rows_read = con.execute("SELECT coalesce(sum(rows_delivered), 0) FROM meta.deliveries WHERE status = 'loaded'"
                                   ).fetchone()[0]
    report.rows_quarantined = con.execute(
        "SELECT count(DISTINCT (delivery_id, coalesce(sheet, ''), row_number)) FROM quality.quarantine "
        "WHERE row_number IS NOT NULL").fetchone()[0]
    for rule, column, count in con.execute(
            "SELECT rule, column_name, count(*) FROM quality.quarantine WHERE row_number IS NOT NULL "
            "GROUP BY ALL ORDER BY 3 DESC").fetchall():
        examples = con.execute(
            "SELECT file_name, sheet, row_number, value, reason FROM quality.quarantine WHERE rule = ? "
            "AND column_name IS NOT DISTINCT FROM ? ORDER BY file_name, row_number LIMIT ?", [rule, column, EXAMPLES]
        ).fetchall()
        report.reasons.append((rule, column, count, examples))
    _addresses(con, spec, report)
    con.close()
    return report


def _addresses(con: duckdb.DuckDBPyConnection, spec: SourceSpec, report: CheckReport) -> None:
    """How many staged addresses parse to a road and a number: a first look before matching."""
    if "address" not in {m.to for m in spec.columns.values()} or not report.rows_staged:
        return
    from resolution.address.parse import parse

    values = [r[0] for r in con.execute(f'SELECT address FROM staging."{spec.name}" WHERE address IS NOT NULL').fetchall()]
    report.addresses = len(values)
    report.addresses_parseable = sum(
        1 for v in values if (c := parse(v).components).get("road") and (c.get("lane_no") or c.get("door_no")))
