"""The quality gate between a source's typed rows and its staging table.

Values and rows that break a rule go to ``quality.quarantine`` with the rule and reason. A rule about one
column that is neither in the record key nor required (a grid code, an ID number's checksum, a birth date's
range) costs the value alone: its quarantine row is ``is_row_kept`` and the value is set NULL in the
candidates, so the row is staged without it. Any other failing rule costs the row: the record key's
uniqueness, a required column, and rules about two columns (a licence ending before it starts: either date
may be the wrong one, and a NULL in place of either would say what the ledger did not, a tie that never
ends or an event never closed). A delivery in which more than the suite's ``held_above`` share of delivered
rows was quarantined whole (at landing, typing or here) is held: its remaining rows are quarantined as
``suite:delivery_held`` and none of it is staged. So is a delivery in which one column's values are quarantined
alone in (nearly) every row (``BROKEN_COLUMN``): a date column nobody can read, an ID column shifted by one, is
a broken export, not bad values. A snapshot must also show evidence it is whole: an empty one, or one much
smaller than the current snapshot (a file cut short or still being written), is held too, so it never becomes
current (warehouse/business_time.py) and the snapshot before it stays; a later complete snapshot replaces it.
An operator releases a held delivery on purpose by naming its id in the spec's ``evidence.released``. Every
rule's outcome and every delivery's decision (rule ``delivery_threshold``, the reason in its note) are kept in ``meta.validations``.

Given the deliveries validated before (``Earlier``), the gate validates the candidates of the new deliveries only
and adds their results to the earlier ones, equal to validating every delivery again: the record key is unique
within a delivery, every other rule reads one row, and deliveries are decided in load order, so an earlier
delivery's outcome never depends on a later one. A table-wide rule failing then raises ``RevalidateAll``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd

from connectors.spec import SourceSpec
from quality.suites import RECORD_KEY, Rule, Suite, load_suite
from quality.validate import RuleOutcome, validate
from schemas.clock import run_day
from warehouse.database import insert_rows, quote_name

RULE_PREFIX = "suite:"
HELD_RULE = RULE_PREFIX + "delivery_held"
_LINEAGE = ("_source", "_delivery_id", "_file_name", "_sheet", "_row_number", "_record_id")
THRESHOLD_RULE = "delivery_threshold"


@dataclass(frozen=True)
class BrokenColumn:
    """When a column's values quarantined alone hold the delivery: in at least ``share`` of its rows, and in at
    least ``rows`` rows (three bad dates of three rows may be three clerks' slips; a whole export's are not)."""

    share: float
    rows: int


BROKEN_COLUMN = BrokenColumn(share=0.9, rows=5)
_QUARANTINE = [
    "source",
    "delivery_id",
    "file_name",
    "sheet",
    "row_number",
    "record_id",
    "column_name",
    "rule",
    "value",
    "reason",
    "is_row_kept",
]


@dataclass(frozen=True)
class Earlier:
    """The deliveries of the source validated before; the candidates hold only rows of later deliveries."""

    deliveries: frozenset[str]
    names_sheets: bool
    """A candidate row of an earlier delivery names its sheet (a repeated key's first row is then told by sheet)."""


class RevalidateAll(Exception):
    """A table-wide rule failed on the new deliveries: its outcome holds every delivery, the earlier ones too."""


@dataclass(frozen=True)
class HeldDelivery:
    source: str
    delivery_id: str
    file_name: str
    failing: int
    delivered: int
    held_above: float
    note: str | None = None
    """A table-wide rule that failed (a required column the spec does not map): it holds every delivery."""
    evidence: str | None = None
    """What a snapshot lacks to become current (it is empty, or much smaller than the current snapshot)."""
    broken: str | None = None
    """The columns whose values failed in (nearly) every row (``BROKEN_COLUMN``), with their shares."""

    @property
    def reason(self) -> str:
        share = f"{self.failing:,} of {self.delivered:,} rows ({self.failing / max(self.delivered, 1):.0%}) failed"
        return self.note or self.evidence or self.broken or f"{share}, above the threshold of {self.held_above:.0%}"

    @property
    def message(self) -> str:
        return f"{self.source}: delivery {self.file_name} held, not staged: {self.reason}"


def row_columns(spec: SourceSpec, suite: Suite) -> set[str]:
    """The canonical columns a row cannot do without: its record key, and what its suite requires."""
    return {r.columns[0] for r in suite.rules if r.required} | {spec.canonical_name(k) for k in spec.record_key}


def costs_the_value(rule: Rule, whole_row: set[str]) -> bool:
    """A failing value of the rule is quarantined alone: the rule reads one column, not one of ``whole_row``."""
    return (
        rule.expect != RECORD_KEY and not rule.required and len(rule.columns) == 1 and rule.columns[0] not in whole_row
    )


def _text(value: object) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    return text.removesuffix(" 00:00:00")


def _quarantine_rows(
    frame: pd.DataFrame, outcomes: list[RuleOutcome], spec: SourceSpec, whole_row: set[str], sheets: bool
) -> pd.DataFrame:
    """One quarantine row per failing row of each rule, its columns read from the frame a rule at a time."""
    rows = []
    for outcome in outcomes:
        if not outcome.failing:
            continue
        rule, columns = outcome.rule, outcome.rule.columns
        alone = costs_the_value(rule, whole_row)
        # a value quarantined alone is named by its delivered column, as staging's own cells are
        column = _delivered(spec, columns[0]) if alone else columns[0]
        failing = frame.loc[outcome.failing]
        lineage = zip(*(failing[c].tolist() for c in _LINEAGE), strict=True)
        texts = zip(*([_text(v) for v in failing[c].tolist()] for c in columns), strict=True)
        if rule.expect == RECORD_KEY:
            reasons = (f"{rule.reason} ({where})" for where in _first_rows(frame, columns, outcome.failing, sheets))
        else:
            reasons = (rule.reason for _ in outcome.failing)
        rule_name = f"{RULE_PREFIX}{rule.suite}.{rule.name}"
        for provenance, values, reason in zip(lineage, texts, reasons, strict=True):
            value = (
                values[0] if len(columns) == 1 else ", ".join(f"{c}={v}" for c, v in zip(columns, values, strict=False))
            )
            rows.append((*provenance, column, rule_name, value, reason, alone))
    return pd.DataFrame(rows, columns=_QUARANTINE).astype(
        {"row_number": "int64", "sheet": "object", "is_row_kept": "bool"}
    )


def _delivered(spec: SourceSpec, target: str) -> str:
    """The spec's column that fills a canonical column (the first, when several do)."""
    return next((c for c, m in spec.columns.items() if m.to == target), target)


def _blank_values(
    con: duckdb.DuckDBPyConnection,
    candidates: str,
    frame: pd.DataFrame,
    outcomes: list[RuleOutcome],
    whole_row: set[str],
) -> None:
    """Set NULL in ``candidates`` every value quarantined alone."""
    for outcome in outcomes:
        if outcome.failing and costs_the_value(outcome.rule, whole_row):
            records = frame.loc[outcome.failing, "_record_id"].tolist()
            con.execute(
                f"UPDATE {candidates} SET {quote_name(outcome.rule.columns[0])} = NULL WHERE _record_id IN (SELECT unnest(?))",
                [records],
            )


def _first_rows(frame: pd.DataFrame, key: list[str], rows: list[int], sheets: bool) -> pd.Series:
    """For each of ``rows``, where its record key first appears in its delivery: "row 7", or "sheet 雁荡, row 7"
    when some candidate row (``sheets``) names a sheet."""
    group = ["_delivery_id", *key]
    # only keys that repeat can have a first row elsewhere: the rest of the frame is not read
    repeated = frame[frame.duplicated(group, keep=False)]
    where = repeated["_row_number"].map(lambda row: f"row {row}")
    if sheets:
        where = "sheet " + repeated["_sheet"].fillna("") + ", " + where
    ordered = repeated.assign(_where=where).sort_values(["_sheet", "_row_number"])
    return ordered.groupby(group, dropna=False)["_where"].transform("first").reindex(repeated.index).loc[rows]


def _record(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, outcomes: list[RuleOutcome], source: str) -> None:
    """One meta.validations row per rule and delivery: how many of its rows were checked and failed."""
    per_delivery = frame.groupby("_delivery_id").size().to_dict()
    rows = []
    for outcome in outcomes:
        failing = frame.loc[outcome.failing].groupby("_delivery_id").size().to_dict() if outcome.failing else {}
        for delivery_id, checked in per_delivery.items():
            failed = failing.get(delivery_id, 0)
            success = not failed and not outcome.whole_table
            rows.append(
                (
                    source,
                    delivery_id,
                    outcome.rule.suite,
                    outcome.rule.name,
                    outcome.expectation,
                    outcome.rule.columns[0] if outcome.rule.columns else None,
                    success,
                    checked,
                    checked if outcome.whole_table else failed,
                    outcome.note,
                )
            )
    _insert_validations(con, rows)


def _insert_validations(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    insert_rows(
        con,
        "meta.validations (source, delivery_id, suite, rule, expectation, column_name, success, element_count, "
        "unexpected_count, note)",
        rows,
    )


def _hold(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    candidates: str,
    held_above: float,
    table_notes: list[str],
    decided: frozenset[str] = frozenset(),
) -> list[HeldDelivery]:
    """Decide every loaded delivery of the source, in load order, and record each decision but those of
    ``decided`` (recorded before, with their held rows); return every held delivery. One is held when
    a table-wide rule failed, when more than ``held_above`` of its rows failed or, for a snapshot, when it
    is empty or keeps fewer rows than ``evidence.min_share_of_current`` of the current snapshot (the latest
    observed snapshot accepted before it); unless the spec's ``evidence.released`` names it."""
    deliveries = con.execute(
        """
        -- quality.quarantined_rows, but for a held delivery's rows: none of them at a full validation
        WITH failing AS (
            SELECT delivery_id, count(*) AS failing FROM (
                SELECT DISTINCT delivery_id, sheet, row_number FROM quality.quarantine
                WHERE source = ? AND row_number IS NOT NULL AND NOT is_row_kept AND rule <> ?)
            GROUP BY delivery_id)
        -- a changes file re-sent under its name is judged as sent: with the rows an earlier delivery loaded
        SELECT d.delivery_id, d.file_name, coalesce(f.failing, 0), d.rows_delivered + coalesce(d.rows_resent, 0),
               coalesce(d.observed_on, d.loaded_at::DATE)
        FROM meta.deliveries d LEFT JOIN failing f USING (delivery_id)
        WHERE d.source = ? AND d.status = 'loaded'
        ORDER BY d.loaded_at, d.file_name""",
        [spec.name, HELD_RULE, spec.name],
    ).fetchall()
    snapshot, minimum = spec.delivery == "snapshot", spec.evidence.min_share_of_current
    expectation = f"failing share <= {held_above:g}; no column failing in >= {BROKEN_COLUMN.share:g} of rows" + (
        f"; not empty; kept rows >= {minimum:g} of the current snapshot's" if snapshot else ""
    )
    note, today, broken = "; ".join(table_notes) or None, run_day(), _broken_columns(con, spec.name)
    held, rows, accepted = [], [], []  # accepted snapshots: (observed_on, load order, rows kept, file name)
    for order, (delivery_id, file_name, failing, delivered, observed_on) in enumerate(deliveries):
        kept, current = delivered - failing, max((a for a in accepted if a[0] <= today), default=None)
        evidence = None
        if snapshot and not delivered:
            evidence = "an empty snapshot (a header only, or nothing); the current snapshot stays"
        elif snapshot and current and failing <= held_above * delivered and kept < minimum * current[2]:
            evidence = (
                f"{kept:,} row{'s' * (kept != 1)}, under {minimum:.0%} of the {current[2]:,} of the current snapshot {current[3]} "
                "(cut short, or still being written?); the current snapshot stays"
            )
        columns = _broken(broken.get(delivery_id, []), delivered)
        delivery = HeldDelivery(
            spec.name, delivery_id, file_name, failing, delivered, held_above, note, evidence, columns
        )
        stopped = bool(note or evidence or columns) or failing > held_above * delivered
        outcome = delivery.message if stopped else None
        if stopped and delivery_id in spec.evidence.released:
            stopped, outcome = False, f"released by the operator (evidence.released in the spec): {delivery.reason}"
        if stopped:
            held.append(delivery)
        elif snapshot:
            accepted.append((observed_on, order, kept, file_name))
        if delivery_id in decided:
            continue
        rows.append(
            (
                spec.name,
                delivery_id,
                spec.name,
                THRESHOLD_RULE,
                expectation,
                None,
                not stopped,
                delivered,
                failing,
                outcome,
            )
        )
    _insert_validations(con, rows)
    for delivery in (h for h in held if h.delivery_id not in decided):
        con.execute(
            f"""
            INSERT INTO quality.quarantine (source, delivery_id, file_name, sheet, row_number, record_id, rule, reason)
            SELECT c._source, c._delivery_id, c._file_name, c._sheet, c._row_number, c._record_id, ?, ?
            FROM {candidates} c WHERE c._delivery_id = ? AND NOT EXISTS (
                SELECT 1 FROM quality.quarantine q WHERE q.record_id = c._record_id AND NOT q.is_row_kept)""",
            [HELD_RULE, delivery.message, delivery.delivery_id],
        )
    return held


def _broken_columns(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, list[tuple[str, int]]]:
    """Per delivery of the source, each column with values quarantined alone (by staging or this gate) and in
    how many rows, most first."""
    broken: dict[str, list[tuple[str, int]]] = {}
    for delivery_id, column, rows in con.execute(
        "SELECT delivery_id, column_name, count(DISTINCT record_id) AS rows FROM quality.quarantine"
        " WHERE source = ? AND is_row_kept AND column_name IS NOT NULL GROUP BY ALL ORDER BY rows DESC, column_name",
        [source],
    ).fetchall():
        broken.setdefault(delivery_id, []).append((column, rows))
    return broken


def _broken(columns: list[tuple[str, int]], delivered: int) -> str | None:
    """Why the columns failing in (nearly) every one of ``delivered`` rows hold the delivery; None if none does."""
    named = [
        f"column {column} unreadable in {rows:,} of {delivered:,} rows ({rows / delivered:.0%})"
        for column, rows in columns
        if rows >= BROKEN_COLUMN.rows and rows >= BROKEN_COLUMN.share * delivered
    ]
    if not named:
        return None
    return (
        f"{'; '.join(named)}, at or above {BROKEN_COLUMN.share:.0%}: a broken export"
        " (a column shifted, a format nobody reads), not bad values"
    )


def _rule_frame(con: duckdb.DuckDBPyConnection, candidates: str, suite: Suite) -> pd.DataFrame:
    """The candidates' lineage and the columns the suite's rules read (a frame of every column costs seconds)."""
    ruled = {c for rule in suite.rules for c in rule.columns}
    present = [d[0] for d in con.execute(f"SELECT * FROM {candidates} LIMIT 0").description]
    read = ", ".join(quote_name(c) for c in present if c in _LINEAGE or c in ruled)
    return con.execute(f"SELECT {read} FROM {candidates} ORDER BY _delivery_id, _sheet, _row_number").df()


def gate(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, candidates: str, earlier: Earlier | None = None
) -> list[HeldDelivery]:
    """Validate the rows of ``candidates`` (typed, not yet quarantined) against the source's suite,
    quarantine failing values (set NULL in ``candidates``) and rows, hold deliveries above the threshold,
    and record the outcomes. Replaces the source's earlier gate results, so a run repeated on the same
    deliveries changes nothing; or, given the ``earlier`` deliveries (not in ``candidates``), adds to them.
    Returns the held deliveries, earlier ones included."""
    suite = load_suite(spec)
    held_above = suite.held_above if spec.evidence.held_above is None else spec.evidence.held_above
    if earlier is None:
        con.execute(f"DELETE FROM quality.quarantine WHERE source = ? AND rule LIKE '{RULE_PREFIX}%'", [spec.name])
        con.execute("DELETE FROM meta.validations WHERE source = ?", [spec.name])
    frame = _rule_frame(con, candidates, suite)
    outcomes = validate(frame, suite)
    if earlier is not None and any(o.whole_table for o in outcomes):
        raise RevalidateAll(spec.name)
    whole_row = row_columns(spec, suite)
    sheets = bool(frame["_sheet"].notna().any()) or (earlier is not None and earlier.names_sheets)
    failing = _quarantine_rows(frame, outcomes, spec, whole_row, sheets)
    if len(failing):
        con.execute("INSERT INTO quality.quarantine BY NAME SELECT * FROM failing")
    _blank_values(con, candidates, frame, outcomes, whole_row)
    _record(con, frame, outcomes, spec.name)
    notes = [f"{o.rule.name}: {o.note}" for o in outcomes if o.whole_table]
    decided = earlier.deliveries if earlier is not None else frozenset()
    return _hold(con, spec, candidates, held_above, notes, decided)


def stopped_deliveries(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> list[str]:
    """Messages of the source's held deliveries that still stop it: all of them, except (for a snapshot
    source) those a snapshot accepted and loaded after them replaced (the completed file)."""
    return [
        note
        for (note,) in con.execute(
            """
        WITH decided AS (
            SELECT v.note, v.success, d.loaded_at FROM meta.validations v
            JOIN meta.deliveries d ON d.source = v.source AND d.delivery_id = v.delivery_id AND d.status = 'loaded'
            WHERE v.source = ? AND v.rule = ?)
        SELECT note FROM decided h WHERE NOT h.success
          AND (? <> 'snapshot' OR NOT EXISTS (SELECT 1 FROM decided a WHERE a.success AND a.loaded_at > h.loaded_at))
        ORDER BY h.loaded_at""",
            [spec.name, THRESHOLD_RULE, spec.delivery],
        ).fetchall()
    ]


def held_sources(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec]) -> dict[str, str]:
    """Sources of ``registry`` a delivery holds now, with the first reason: the quality gate held it, or schema
    drift stopped it under contract: stop (each until a later delivery, a release or a spec update frees it)."""
    held = {name: stopped[0] for name, spec in registry.items() if (stopped := stopped_deliveries(con, spec))}
    for name, reason in con.execute(
        "SELECT source, min(reason) FROM quality.quarantine WHERE rule = 'schema_drift' GROUP BY source ORDER BY source"
    ).fetchall():
        if name in registry:
            held.setdefault(name, reason)
    return held
