"""Validate staged rows against a source's suite with Great Expectations, called directly.

One GX validation per source and run: the frame holds the candidate rows of every delivery (or of the
deliveries new since the last staging, quality/gate.py), and each rule's failing rows come back by index
(``result_format="COMPLETE"``), to be split per delivery.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import pandas as pd

from quality.suites import RECORD_KEY, Rule, Suite, gx_suite


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    expectation: str
    """The GX expectation type that ran."""
    success: bool
    failing: list[int] = field(default_factory=list)
    """Frame indexes of the failing rows (for a record key: every row after the key's first)."""
    note: str | None = None
    """Why the whole table failed (a required column missing), when no row is to blame."""

    @property
    def whole_table(self) -> bool:
        return not self.success and not self.failing


_making = threading.Lock()  # one batch definition per process, even while ``warm_up``'s thread makes it


def warm_up() -> None:
    """Make the batch definition on a thread of its own, so that this process's first validation does not wait
    for Great Expectations' import (about 2 s): called where other work, mostly DuckDB's, goes on meanwhile."""
    threading.Thread(target=_batch_definition, name="gx-warm-up", daemon=True).start()


def _batch_definition():
    """A pandas batch definition in an ephemeral GX context, made once per process."""
    with _making:
        return _made()


@cache
def _made():
    import great_expectations as gx

    import quality.custom_expectations  # noqa: F401  (registers the custom expectations)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    asset = context.data_sources.add_pandas("staging").add_dataframe_asset("delivery")
    return asset.add_batch_definition_whole_dataframe("rows")


def _later_occurrences(frame: pd.DataFrame, rows: list[int], columns: list[str]) -> list[int]:
    """Of rows sharing a record key, all but the first in the delivery (the first one stays)."""
    duplicated = frame.loc[rows].sort_values(["_delivery_id", "_sheet", "_row_number"])
    return sorted(duplicated[duplicated.duplicated(["_delivery_id", *columns], keep="first")].index)


def _in_nanoseconds(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its datetime columns in nanoseconds: GX compares those vectorised, and other units (DuckDB
    gives microseconds) one value at a time. A column with a date outside nanoseconds' range (1677-2262) stays."""
    converted = {}
    for name, column in frame.items():
        if pd.api.types.is_datetime64_dtype(column.dtype) and not pd.api.types.is_datetime64_ns_dtype(column.dtype):
            try:
                converted[name] = column.astype("datetime64[ns]")
            except (OverflowError, pd.errors.OutOfBoundsDatetime):
                pass  # compared one value at a time, as before
    return frame.assign(**converted) if converted else frame


def validate(frame: pd.DataFrame, suite: Suite, today: date | None = None) -> list[RuleOutcome]:
    """Run the suite over the frame (lineage columns _delivery_id, _sheet, _row_number included)."""
    present = {c for c in frame.columns if not c.startswith("_")}
    rules = {r.name: r for r in suite.applicable(present)}
    if not rules or frame.empty:
        return [RuleOutcome(r, r.expect, True) for r in rules.values()]
    # GX reads (and hashes, to name the batch) only the columns the rules read: the record key's with _delivery_id
    read = {"_delivery_id", *(c for r in rules.values() for c in r.columns)}
    batch = _batch_definition().get_batch(
        batch_parameters={"dataframe": _in_nanoseconds(frame[[c for c in frame if c in read]])}
    )
    result = batch.validate(gx_suite(suite, present, today), result_format={"result_format": "COMPLETE"})
    outcomes = []
    for check in result.results:
        rule = rules[check.expectation_config.meta["rule"]]
        failing = list(check.result.get("unexpected_index_list") or [])
        if rule.expect == RECORD_KEY and failing:
            failing = _later_occurrences(frame, failing, rule.arguments["column_list"])
        raised = (check.exception_info or {}).get("exception_message")
        note = None if check.success or failing else (raised or _missing(rule, present))
        outcomes.append(
            RuleOutcome(
                rule,
                check.expectation_config.type,
                bool(check.success) or (rule.expect == RECORD_KEY and not failing),
                failing,
                note,
            )
        )
    return outcomes


def _missing(rule: Rule, present: set[str]) -> str:
    missing = [c for c in rule.columns if c not in present]
    return f"required column {', '.join(missing)} is missing" if missing else f"{rule.name} failed"
