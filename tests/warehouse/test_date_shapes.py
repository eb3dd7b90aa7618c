"""Dates in a common shape are read by their format alone (a shortcut for speed): the same value and the same
reason as trying every format in order, on values written by hand to sit on the edges."""

import datetime as dt

import duckdb
import pytest

from warehouse.transforms import _DATE_FORMATS, _OFFSET, _TIME_FORMATS, _partial_date, _timestamp, transform_sql

VALUES = [
    "2026-11-01",
    "2026-02-29",  # no such day: the shortcut fails, and so does every format
    "2024-02-29",
    "1900-02-29",  # Excel's day that never was
    "20261101",
    "20261301",
    "19500101",
    "2026-11-01 08:30:00",
    "2026-11-01 24:00:00",
    "2026-11-01 23:59:60",
    "2026-11-01T08:30:00",
    "2026-11-01T08:30:00+08:00",
    "2026-11-01T08:30:00+0800",
    "2026-11-01T08:30:00Z",
    "2026-11-01T08:30:00.250",
    "2026-11-01+08:00",
    "2026-11-01 08:30",
    "2026/11/01",
    "2026年11月1日",
    "1950.01",
    "1950年1月",
    "195001",
    "1950",
    "45000",
    "20261101083000",
    "Infinity",
    "not a date",
    None,
]


def _every_format(transform: str, v: str) -> str:
    """The value as it was read before the shortcut: every format in order."""
    local = f"regexp_replace({v}, '{_OFFSET}$', '')"
    value = _timestamp(local, _DATE_FORMATS if transform == "date" else _TIME_FORMATS)
    if transform == "date":
        return f"CAST(coalesce({_partial_date(v)}, {value}) AS DATE)"
    return value


@pytest.mark.parametrize("transform", ["date", "datetime"])
def test_common_shapes_read_as_every_format_would(transform):
    con = duckdb.connect()
    con.execute("CREATE TABLE v (v VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?)", [[x] for x in VALUES])
    value, reason, _ = transform_sql(transform, "v")
    rows = con.execute(f"SELECT v, {value}, {_every_format(transform, 'v')}, {reason} FROM v").fetchall()
    for written, read, expected, why in rows:
        assert read == expected, written
        assert (why is None) == (written is None or read is not None), written  # a reason exactly when unread
    by_value = {written: read for written, read, _, _ in rows}
    if transform == "date":
        assert by_value["2026-11-01"] == dt.date(2026, 11, 1)
        assert by_value["20261101"] == dt.date(2026, 11, 1)
        assert by_value["2026-02-29"] is None
    else:
        assert by_value["2026-11-01T08:30:00+08:00"] == dt.datetime(2026, 11, 1, 8, 30)
        assert by_value["2026-11-01 24:00:00"] is None
