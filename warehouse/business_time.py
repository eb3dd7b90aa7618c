"""Business time: the day each delivery describes (``observed_on``), and which deliveries are current.

A delivery's ``observed_on`` (``meta.deliveries``) comes from the first rule that gives a day:

1. the spec's ``business_date_column``: the latest date that column holds in the delivery;
2. a date in the file name: ``YYYYMMDD`` or ``YYYY-MM-DD`` that day, ``YYYYMM`` or ``YYYY-MM`` the first day
   of that month (a monthly export describes its month from the start: 实有人口_202611.csv is current from
   2026-11-01 on, so a run on 2026-11-01 takes it);
3. the day it was loaded, or the run day when the run describes an earlier day (``HOUSEKEY_AS_OF``), with a
   note. A database pull describes the day it was pulled, so it always takes this rule, without a note.

A delivery is *accepted* when it loaded and the quality gate did not hold it (quality/gate.py). On a day it is
*current* when it is accepted, observed on or before that day and, for a snapshot source, the latest so
observed (the later loaded on a tie). A late or re-sent old snapshot therefore fills history without
changing the present, and a held one never becomes current. A source's freshness is the run day minus
the latest ``observed_on`` of its accepted deliveries (marts.source_freshness, the quality report).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

import duckdb

from connectors.spec import SourceSpec
from quality.gate import THRESHOLD_RULE
from schemas.clock import run_day
from warehouse import catalogue
from warehouse.database import quote_name
from warehouse.transforms import transform_sql

_DAY = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12][0-9]|3[01])(?![0-9])")
_MONTH = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})-?(0[1-9]|1[0-2])(?![0-9])")

ACCEPTED_SQL = f"""
    SELECT d.source, d.delivery_id, d.file_name, coalesce(d.observed_on, d.loaded_at::DATE) AS observed_on, d.loaded_at
    FROM meta.deliveries d
    WHERE d.status = 'loaded' AND coalesce(d.observed_on, d.loaded_at::DATE) <= $as_of AND NOT EXISTS (
        SELECT 1 FROM meta.validations v WHERE v.source = d.source AND v.delivery_id = d.delivery_id
        AND v.rule = '{THRESHOLD_RULE}' AND NOT v.success)"""
"""Accepted deliveries observed on or before ``$as_of``, with their business date."""

LAST_OBSERVED_SQL = f"SELECT source, max(observed_on) AS last_observed_on FROM ({ACCEPTED_SQL}) GROUP BY source"
"""Per source, the latest business date of its accepted deliveries on ``$as_of``: freshness counts from it."""


def date_in_name(file_name: str) -> date | None:
    """The day a file name gives: a full date, else the first day of a year and month; None without one."""
    for pattern in (_DAY, _MONTH):
        for match in pattern.finditer(file_name):
            year, month, day = (int(part) for part in (*match.groups(), 1)[:3])
            try:
                return date(year, month, day)
            except ValueError:  # 20260231: not a day
                continue
    return None


def _column_date(con: duckdb.DuckDBPyConnection, spec: SourceSpec, delivery_id: str) -> date | None:
    """The latest date the spec's business_date_column holds in the delivery's raw rows (None: no such column)."""
    if spec.business_date_column not in catalogue.columns(con, "raw", spec.name):
        return None
    value, _, _ = transform_sql("date", quote_name(spec.business_date_column))
    return con.execute(f'SELECT max({value}) FROM raw."{spec.name}" WHERE _delivery_id = ?', [delivery_id]).fetchone()[
        0
    ]


def fill_observed_on(con: duckdb.DuckDBPyConnection, spec: SourceSpec, as_of: date | None = None) -> int:
    """Give every delivery of the source still without one its ``observed_on`` (deliveries just landed, and
    all of them in a warehouse made before business dates); ``as_of`` (default the run day) bounds the load
    day of rule 3. Returns how many deliveries got one."""
    as_of = as_of or run_day()
    missing = con.execute(
        "SELECT DISTINCT delivery_id, file_name, status FROM meta.deliveries WHERE source = ? AND observed_on IS NULL",
        [spec.name],
    ).fetchall()
    for delivery_id, file_name, status in missing:
        column = _column_date(con, spec, delivery_id) if spec.business_date_column and status != "failed" else None
        named = None if spec.is_database else date_in_name(file_name)
        observed, note = column or named, None
        if observed is None and not spec.is_database:
            why = (
                f"no date in column {spec.business_date_column}"
                if spec.business_date_column
                else "no date in the file name"
            )
            note = f"business date: {why}; observed_on is the day it was loaded"
        con.execute(
            """UPDATE meta.deliveries SET observed_on = coalesce(?::DATE, least(loaded_at::DATE, ?::DATE)),
                           notes = CASE WHEN ?::VARCHAR IS NULL THEN notes ELSE concat_ws('; ', notes, ?::VARCHAR) END
                       WHERE source = ? AND delivery_id = ? AND file_name = ? AND observed_on IS NULL""",
            [observed, as_of, note, note, spec.name, delivery_id, file_name],
        )
    return len(missing)


def mark_current(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec], as_of: date | None = None) -> None:
    """(Re)create the temporary table ``current_deliveries`` (source, delivery_id, observed_on): the deliveries
    current on ``as_of`` (default the run day): every accepted delivery of a changes or cursor source, the
    latest observed accepted one of a snapshot source."""
    snapshots = [name for name, spec in registry.items() if spec.delivery == "snapshot"]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE current_deliveries AS
        WITH accepted AS ({ACCEPTED_SQL})
        SELECT source, delivery_id, observed_on FROM accepted WHERE source NOT IN (SELECT unnest($snapshots::VARCHAR[]))
        UNION ALL
        SELECT source, arg_max(delivery_id, (observed_on, loaded_at, file_name)), max(observed_on) FROM accepted
        WHERE source IN (SELECT unnest($snapshots::VARCHAR[])) GROUP BY source""",
        {"as_of": as_of or run_day(), "snapshots": snapshots},
    )


def last_observed(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> dict[str, date]:
    """Per source, the latest business date of its accepted deliveries on ``as_of`` (default the run day)."""
    return dict(con.execute(LAST_OBSERVED_SQL, {"as_of": as_of or run_day()}).fetchall())
