"""The shortcuts that make staging and its gate fast give what the long way gave: a date or ID number parsed once
reads as one parsed in each expression, a between rule on datetimes in nanoseconds fails the rows it fails one
value at a time, the first row of a repeated record key is found among the repeated keys alone, and GX's
batch definition made ahead on a thread (while a run lands) is the one the first validation takes."""

import datetime as dt
import functools
import threading
import time

import duckdb
import pandas as pd
import pytest

from quality import validate as validation
from quality.gate import _first_rows
from quality.suites import Rule, Suite
from quality.validate import _in_nanoseconds, validate
from schemas.identifiers import identifier_macros
from warehouse.transforms import parsed_sql, transform_sql

VALUES = {
    "date": ["2026-11-01", "1950.01", "1950年1月", "1900-02-29", "45000", "2026-02-30", "#N/A", "no date", None],
    "datetime": ["2026-11-01T08:30:00+08:00", "2026-11-01 08:30", "20261101083000", "Infinity", "#REF!", None],
    "id_number": ["310101195001011236", "3.10101E+17", "310101********1236", "12345", "#N/A", None],
}


@pytest.mark.parametrize("transform", list(VALUES))
def test_a_value_parsed_once_reads_as_one_parsed_in_every_expression(transform):
    con = duckdb.connect()
    con.execute(identifier_macros())
    con.execute("CREATE TABLE v (v VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?)", [[x] for x in VALUES[transform]])
    con.execute(f"CREATE TABLE p AS SELECT v, {parsed_sql(transform, 'v')} AS parsed FROM v")
    every = ", ".join(transform_sql(transform, "v", "x", cleaned=True))
    once = ", ".join(transform_sql(transform, "v", "x", cleaned=True, parsed="parsed"))
    assert (
        con.execute(f"SELECT v, {once} FROM p ORDER BY v").fetchall()
        == con.execute(f"SELECT v, {every} FROM p ORDER BY v").fetchall()
    )


def test_a_text_transform_has_nothing_to_parse():
    assert parsed_sql("text", "v") is None
    assert parsed_sql("phone", "v") is None


def _between(column: pd.Series) -> list[int]:
    rule = Rule("noted", "column_values_to_be_between", {"column": "noted_at", "max_value": "today"}, "", "t")
    frame = pd.DataFrame({"noted_at": column, "_delivery_id": "d", "_sheet": None, "_row_number": range(len(column))})
    (outcome,) = validate(frame, Suite("t", "house", 1.0, [rule]), dt.date(2026, 11, 1))
    return outcome.failing


def test_datetimes_in_microseconds_fail_the_same_rows_in_nanoseconds():
    days = ["2026-10-31", None, "2026-11-02", "2026-11-01", "2030-01-01"]
    column = pd.Series(pd.to_datetime(days)).astype("datetime64[us]")
    assert _in_nanoseconds(column.to_frame("x"))["x"].dtype == "datetime64[ns]"
    assert _between(column) == [2, 4]


def test_a_date_beyond_nanoseconds_stays_in_microseconds_and_is_still_checked():
    column = pd.Series([dt.datetime(1000, 1, 1), dt.datetime(9999, 12, 31), None], dtype="datetime64[us]")
    assert _in_nanoseconds(column.to_frame("x"))["x"].dtype == "datetime64[us]"
    assert _between(column) == [1]


def test_the_first_row_of_a_repeated_key_is_found_among_the_repeated_keys():
    frame = pd.DataFrame(
        {
            "_delivery_id": ["d1", "d1", "d1", "d2", "d1"],
            "_sheet": [None, None, "雁荡", None, None],
            "_row_number": [1, 2, 3, 4, 5],
            "ref": ["a", "b", "a", "a", "b"],
        }
    )
    assert _first_rows(frame, ["ref"], [4, 2], sheets=True).tolist() == ["sheet , row 2", "sheet 雁荡, row 3"]


def test_the_batch_definition_warmed_up_on_a_thread_is_made_once_and_taken_by_the_validation_waiting_for_it(
    monkeypatch,
):
    makers = []

    def slow_to_make():  # as GX's import is
        makers.append(threading.current_thread().name)
        time.sleep(0.3)
        return object()

    monkeypatch.setattr(validation, "_made", functools.cache(slow_to_make))
    validation.warm_up()
    time.sleep(0.05)  # the thread has started making it
    first = validation._batch_definition()  # waits for the thread's, does not make a second
    assert validation._batch_definition() is first
    assert makers == ["gx-warm-up"]
