"""A changes file re-sent under its name (12345工单_202610.xlsx exported again with three more lines): only the
rows no earlier delivery of that name loaded are landed, so no event is loaded twice.

Each delivered row is looked up, by content and sheet, among the rows earlier accepted deliveries of the same
file name loaded (``raw.<source>``): a row found there is recognised and not landed again (counted in
``meta.deliveries.rows_resent``, named in its notes). A row standing where an earlier row stood whose content
the re-sent file no longer holds is that row changed: it is quarantined (rule ``resent_row_changed``, naming
the earlier delivery and the column), neither loaded twice nor dropped. Every other row is new and lands.
A row an earlier delivery could not read, unreadable again at the same place, is already accounted for.
Snapshots are never split: a snapshot re-sent with more rows is a new, complete snapshot.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import duckdb
import pyarrow as pa

from connectors.readers import Delivered, Part, Unreadable
from connectors.spec import SourceSpec
from quality.gate import THRESHOLD_RULE
from warehouse.raw import LandingResult, _column_names, record_id_sql

CHANGED_RULE = "resent_row_changed"


@dataclass
class Resent:
    """A delivery split against the earlier deliveries of its file name."""

    delivered: Delivered
    """What is left to land: the new rows (and new unreadable rows)."""
    recognised: int = 0
    """Rows an earlier delivery of the same name already loaded (or already quarantined as unreadable)."""
    changed: list[Unreadable] = field(default_factory=list)
    """Earlier rows that came back changed: quarantined as ``resent_row_changed``."""
    earlier: tuple[str, ...] = ()
    """The earlier deliveries of the file name compared with."""

    @property
    def note(self) -> str | None:
        if not self.earlier:
            return None
        note = (
            f"re-sent under the name of delivery {', '.join(self.earlier)}: {self.recognised:,} rows already "
            f"loaded there, not landed again"
        )
        return note + (
            f"; {len(self.changed):,} earlier rows changed, quarantined ({CHANGED_RULE})" if self.changed else ""
        )


def split_resent(con: duckdb.DuckDBPyConnection, spec: SourceSpec, file_name: str, delivered: Delivered) -> Resent:
    """Split a delivery of a changes source against the accepted earlier deliveries of the same file name;
    a delivery with no earlier namesake comes back whole."""
    if spec.delivery != "changes":
        return Resent(delivered)
    earlier = [
        r[0]
        for r in con.execute(
            f"""
        SELECT delivery_id FROM meta.deliveries d WHERE source = ? AND file_name = ? AND status = 'loaded'
        AND NOT EXISTS (SELECT 1 FROM meta.validations v WHERE v.source = d.source AND v.delivery_id = d.delivery_id
                        AND v.rule = '{THRESHOLD_RULE}' AND NOT v.success)
        ORDER BY loaded_at""",
            [spec.name, file_name],
        ).fetchall()
    ]
    if not earlier:
        return Resent(delivered)
    rows = con.execute(
        f'SELECT * FROM raw."{spec.name}" WHERE _file_name = ? AND _delivery_id IN (SELECT unnest(?::VARCHAR[]))',
        [file_name, earlier],
    )
    names = [column[0] for column in rows.description]
    loaded = [dict(zip(names, row, strict=False)) for row in rows.fetchall()]
    unreadable = set(
        con.execute(
            "SELECT sheet, row_number FROM quality.quarantine WHERE source = ? AND file_name = ? AND rule = 'unreadable_row' "
            "AND delivery_id IN (SELECT unnest(?::VARCHAR[]))",
            [spec.name, file_name, earlier],
        ).fetchall()
    )
    resent = Resent(Delivered([], notes=list(delivered.notes), encoding=delivered.encoding), earlier=tuple(earlier))
    for part in delivered.parts:
        resent.delivered.parts.append(
            _new_rows(part, [r for r in loaded if r["_sheet"] == part.sheet], resent, file_name)
        )
    for row in delivered.unreadable:
        if (row.sheet, row.row_number) in unreadable:
            resent.recognised += 1
        else:
            resent.delivered.unreadable.append(row)
    return resent


def _new_rows(part: Part, loaded: list[dict], resent: Resent, file_name: str) -> Part:
    """The part's rows no earlier delivery loaded; recognised and changed rows are counted in ``resent``."""
    names, _ = _column_names(part.header)
    contents = [tuple(row.get(name) for name in names) for row in loaded]
    left = Counter(contents)  # earlier rows not yet found again
    found = []
    for values in part.rows:
        found.append(left[tuple(values)] > 0)
        left[tuple(values)] -= found[-1]
    at = {row["_row_number"]: (content, row["_delivery_id"]) for row, content in zip(loaded, contents, strict=False)}
    kept = Part(part.header, [], [], part.sheet)
    for values, number, is_found in zip(part.rows, part.row_numbers, found, strict=False):
        if is_found:
            resent.recognised += 1
            continue
        before, delivery_id = at.get(number, (None, None))
        if before is not None and left[before] > 0:  # the earlier row here is gone from the file: this is it, changed
            left[before] -= 1
            column = next(n for n, old, new in zip(names, before, values, strict=False) if old != new)
            resent.changed.append(
                Unreadable(
                    number,
                    f"row {number} of the re-sent {file_name} differs from the row delivery {delivery_id} loaded "
                    f"there (column {column}): an earlier row of a changes file changed; not loaded twice, send "
                    "the correction as a new row",
                    values[names.index(column)],
                    part.sheet,
                    column,
                )
            )
            continue
        kept.rows.append(values)
        kept.row_numbers.append(number)
    return kept


def record_resent(con: duckdb.DuckDBPyConnection, result: LandingResult, resent: Resent) -> LandingResult:
    """Inside the landing's transaction: quarantine the changed rows and count them and the recognised rows
    in the delivery's ``meta.deliveries`` row; returns the result with them."""
    if not resent.earlier or result.status != "loaded":
        return result
    changed = resent.changed
    if changed:
        con.register(
            "changed_rows",
            pa.table(
                {
                    "sheet": pa.array([r.sheet for r in changed], pa.string()),
                    "row_number": pa.array([r.row_number for r in changed], pa.int64()),
                    "column_name": pa.array([r.column for r in changed], pa.string()),
                    "value": pa.array([r.raw for r in changed], pa.string()),
                    "reason": pa.array([r.reason for r in changed], pa.string()),
                }
            ),
        )
        try:
            con.execute(
                "INSERT INTO quality.quarantine BY NAME SELECT *, "
                f"{record_id_sql('delivery_id', 'sheet', 'row_number')} AS record_id FROM (SELECT *, ? AS source, "
                "? AS delivery_id, ? AS file_name, ? AS rule FROM changed_rows)",
                [result.source, result.delivery_id, result.file_name, CHANGED_RULE],
            )
        finally:
            con.unregister("changed_rows")
    con.execute(
        """UPDATE meta.deliveries SET rows_delivered = rows_delivered + ?, rows_quarantined = rows_quarantined + ?,
                       rows_resent = ?, notes = concat_ws('; ', notes, ?::VARCHAR)
                   WHERE source = ? AND delivery_id = ? AND file_name = ? AND status = 'loaded'""",
        [
            len(changed),
            len(changed),
            resent.recognised,
            resent.note,
            result.source,
            result.delivery_id,
            result.file_name,
        ],
    )
    return replace(result, rows_quarantined=result.rows_quarantined + len(changed), notes=(*result.notes, resent.note))
