"""The quality gate between a source's typed rows and its staging table.

Rows that break a rule go to ``quality.quarantine`` with the rule and reason; a delivery in which
more than the suite's ``held_above`` share of delivered rows failed (at landing, typing or here) is
held: its remaining rows are quarantined as ``suite:delivery_held`` and none of it is staged. Every
rule's outcome and every delivery's failing share are kept per delivery in ``meta.validations``.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from connectors.spec import SourceSpec
from quality.suites import RECORD_KEY, load_suite
from quality.validate import RuleOutcome, validate

RULE_PREFIX = "suite:"
HELD_RULE = RULE_PREFIX + "delivery_held"
THRESHOLD_RULE = "delivery_threshold"
_QUARANTINE = ["source", "delivery_id", "file_name", "sheet", "row_number", "column_name", "rule", "value", "reason"]


@dataclass(frozen=True)
class HeldDelivery:
    source: str
    delivery_id: str
    file_name: str
    failing: int
    delivered: int
    held_above: float
    note: str | None = None

    @property
    def message(self) -> str:
        why = self.note or f"{self.failing:,} of {self.delivered:,} rows ({self.failing / max(self.delivered, 1):.0%}) failed"
        return (f"{self.source}: delivery {self.file_name} held, not staged: {why}, "
                f"above the threshold of {self.held_above:.0%}")


def _text(value: object) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    return text.removesuffix(" 00:00:00")


def _quarantine_rows(frame: pd.DataFrame, outcomes: list[RuleOutcome]) -> pd.DataFrame:
    rows = []
    for outcome in outcomes:
        rule, columns = outcome.rule, outcome.rule.columns
        first = _first_rows(frame, columns) if rule.expect == RECORD_KEY and outcome.failing else None
        for index in outcome.failing:
            row = frame.loc[index]
            values = [_text(row[c]) for c in columns]
            value = values[0] if len(columns) == 1 else ", ".join(f"{c}={v}" for c, v in zip(columns, values))
            reason = rule.reason if first is None else f"{rule.reason} ({first[index]})"
            rows.append((row["_source"], row["_delivery_id"], row["_file_name"], row["_sheet"], row["_row_number"],
                         columns[0], f"{RULE_PREFIX}{rule.suite}.{rule.name}", value, reason))
    return pd.DataFrame(rows, columns=_QUARANTINE).astype({"row_number": "int64", "sheet": "object"})


def _first_rows(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """For every row, where its record key first appears in its delivery: "row 7" or "sheet 雁荡, row 7"."""
    where = frame["_row_number"].map(lambda row: f"row {row}")
    if frame["_sheet"].notna().any():
        where = "sheet " + frame["_sheet"].fillna("") + ", " + where
    ordered = frame.assign(_where=where).sort_values(["_sheet", "_row_number"])
    return ordered.groupby(["_delivery_id", *key], dropna=False)["_where"].transform("first").reindex(frame.index)


def _record(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, outcomes: list[RuleOutcome], source: str) -> None:
    """One meta.validations row per rule and delivery: how many of its rows were checked and failed."""
    per_delivery = frame.groupby("_delivery_id").size().to_dict()
    rows = []
    for outcome in outcomes:
        failing = frame.loc[outcome.failing].groupby("_delivery_id").size().to_dict() if outcome.failing else {}
        for delivery_id, checked in per_delivery.items():
            failed = failing.get(delivery_id, 0)
            success = not failed and not outcome.whole_table
            rows.append((source, delivery_id, outcome.rule.suite, outcome.rule.name, outcome.expectation,
                         outcome.rule.columns[0] if outcome.rule.columns else None, success, checked,
                         checked if outcome.whole_table else failed, outcome.note))
    _insert_validations(con, rows)


def _insert_validations(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    if rows:
        con.executemany("INSERT INTO meta.validations (source, delivery_id, suite, rule, expectation, column_name, "
                        "success, element_count, unexpected_count, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _hold(con: duckdb.DuckDBPyConnection, spec: SourceSpec, candidates: str, held_above: float,
          table_notes: list[str]) -> list[HeldDelivery]:
    """Hold every delivery whose failing share passes the threshold; record each delivery's share."""
    shares = con.execute(f"""
        WITH failing AS (
            SELECT delivery_id, count(*) AS failing FROM quality.quarantined_rows WHERE source = ? GROUP BY delivery_id)
        SELECT d.delivery_id, d.file_name, coalesce(f.failing, 0), d.rows_delivered
        FROM meta.deliveries d LEFT JOIN failing f USING (delivery_id)
        WHERE d.source = ? AND d.status = 'loaded' AND d.delivery_id IN (SELECT _delivery_id FROM {candidates})
        ORDER BY d.loaded_at, d.file_name""", [spec.name, spec.name]).fetchall()
    held, rows = [], []
    note = "; ".join(table_notes) or None
    for delivery_id, file_name, failing, delivered in shares:
        stopped = bool(note) or failing > held_above * delivered
        if stopped:
            held.append(HeldDelivery(spec.name, delivery_id, file_name, failing, delivered, held_above, note))
        rows.append((spec.name, delivery_id, spec.name, THRESHOLD_RULE, f"failing share <= {held_above:g}", None,
                     not stopped, delivered, failing, held[-1].message if stopped else None))
    _insert_validations(con, rows)
    for delivery in held:
        con.execute(f"""
            INSERT INTO quality.quarantine (source, delivery_id, file_name, sheet, row_number, rule, reason)
            SELECT c._source, c._delivery_id, c._file_name, c._sheet, c._row_number, ?, ?
            FROM {candidates} c WHERE c._delivery_id = ? AND NOT EXISTS (
                SELECT 1 FROM quality.quarantine q WHERE q.source = c._source AND q.delivery_id = c._delivery_id
                AND q.sheet IS NOT DISTINCT FROM c._sheet AND q.row_number = c._row_number AND NOT q.is_row_kept)""",
                    [HELD_RULE, delivery.message, delivery.delivery_id])
    return held


def gate(con: duckdb.DuckDBPyConnection, spec: SourceSpec, candidates: str) -> list[HeldDelivery]:
    """Validate the rows of ``candidates`` (typed, not yet quarantined) against the source's suite,
    quarantine failing rows, hold deliveries above the threshold, and record the outcomes. Replaces
    the source's earlier gate results, so a run repeated on the same deliveries changes nothing.
    Returns the held deliveries."""
    suite = load_suite(spec)
    con.execute(f"DELETE FROM quality.quarantine WHERE source = ? AND rule LIKE '{RULE_PREFIX}%'", [spec.name])
    con.execute("DELETE FROM meta.validations WHERE source = ?", [spec.name])
    frame = con.execute(f"SELECT * EXCLUDE (_extra) FROM {candidates} ORDER BY _delivery_id, _sheet, _row_number").df()
    outcomes = validate(frame, suite)
    failing = _quarantine_rows(frame, outcomes)
    if len(failing):
        con.execute("INSERT INTO quality.quarantine BY NAME SELECT * FROM failing")
    _record(con, frame, outcomes, spec.name)
    notes = [f"{o.rule.name}: {o.note}" for o in outcomes if o.whole_table]
    return _hold(con, spec, candidates, suite.held_above, notes)


def stopped_deliveries(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> list[str]:
    """Messages of the source's held deliveries that still stop it: all of them, except (for a
    snapshot source) those a later delivery replaced."""
    held = con.execute("""
        SELECT v.note, d.loaded_at FROM meta.validations v JOIN meta.deliveries d USING (source, delivery_id)
        WHERE v.source = ? AND v.rule = ? AND NOT v.success ORDER BY d.loaded_at""", [spec.name, THRESHOLD_RULE]).fetchall()
    latest = con.execute("SELECT max(loaded_at) FROM meta.deliveries WHERE source = ? AND status = 'loaded'",
                         [spec.name]).fetchone()[0]
    return [note for note, loaded_at in held if spec.delivery != "snapshot" or loaded_at == latest]
