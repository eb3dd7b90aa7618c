"""What identity reads from values as clerks write them: every phone of a cell, a birth date kept to the month.

``_features`` reads the person rows and the record backbone from a real DuckDB: a cell of two phones gives
linking the number another record holds, and a birth date staged as a month is not compared as a day, nor
taken as contradicting an ID number born in that month."""

import datetime as dt

import duckdb
import pytest

from resolution.identity.identifiers import read_id_number, read_phones
from resolution.identity.people import _cross_check, _features

ID = "310108198909174893"  # born 1989-09-17


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        connection.execute("CREATE SCHEMA core")
        connection.execute(
            "CREATE TABLE core.person_rows (record_id VARCHAR, birth_date DATE, _date_precision MAP(VARCHAR, VARCHAR))"
        )
        connection.execute("""CREATE TEMP TABLE _person_rows (_record_id VARCHAR, party VARCHAR, name VARCHAR,
            id_number VARCHAR, phone VARCHAR, sex VARCHAR, birth_date DATE, house_id VARCHAR)""")
        yield connection


def _rows(con, rows: list[tuple]) -> None:
    for record_id, name, id_number, phone, born, precision in rows:
        con.execute(
            "INSERT INTO _person_rows VALUES (?, 'subject', ?, ?, ?, NULL, ?, NULL)",
            [record_id, name, id_number, phone, born],
        )
        con.execute(
            "INSERT INTO core.person_rows VALUES (?, ?, ?::MAP(VARCHAR, VARCHAR))",
            [record_id, born, {"birth_date": precision} if precision else None],
        )


def test_a_cell_of_phones_links_by_the_number_others_hold(con):
    _rows(
        con,
        [
            ("a#1", "张三", None, "16980841468;02166325548", None, None),
            ("b#1", "张三", None, "02166325548", None, None),
            ("c#1", "李四", None, "13912345678;13812345678", None, None),
        ],
    )
    features = _features(con).to_pydict()
    assert features["phone"] == ["02166325548", "02166325548", "13912345678"]  # shared, else the first written
    assert [p.number for p in read_phones("16980841468;02166325548")] == ["16980841468", "02166325548"]


def test_a_birth_month_is_no_day_and_no_contradiction(con):
    _rows(
        con,
        [
            ("a#1", "张三", ID, None, dt.date(1989, 9, 1), "month"),  # 1989.09: the ID number gives the day
            ("a#2", "李四", None, None, dt.date(1950, 1, 1), "month"),  # 1950年1月, no ID number: no day at all
            ("a#3", "王五", None, None, dt.date(1950, 1, 1), None),  # 1950-01-01 written as a day
        ],
    )
    features = _features(con).to_pydict()
    assert features["birth_date"] == [dt.date(1989, 9, 17), None, dt.date(1950, 1, 1)]
    assert features["cross_check"] == [None, None, None]


def test_a_partial_birth_date_contradicts_an_id_number_only_outside_its_period():
    number = read_id_number(ID)
    assert _cross_check(None, dt.date(1989, 9, 1), number, "month") is None
    assert _cross_check(None, dt.date(1989, 1, 1), number, "year") is None
    assert _cross_check(None, dt.date(1989, 8, 1), number, "month") == (
        "born 1989-08 in the ledger, 1989-09-17 by the ID number"
    )
    assert _cross_check(None, dt.date(1989, 9, 1), number) == (
        "born 1989-09-01 in the ledger, 1989-09-17 by the ID number"
    )
