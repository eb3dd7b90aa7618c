"""One rule for ID numbers (schemas/identifiers.py): Python, the DuckDB macros and the gate's GX expectation agree."""

import datetime as dt
import random

import duckdb
import numpy as np
import pandas as pd
import pytest
from stdnum.cn import ric

from quality.suites import Rule, Suite
from quality.validate import validate
from resolution.identity.identifiers import read_phone, read_phones
from schemas.clock import run_day
from schemas.identifiers import (
    STAGED_PHONES,
    check_character,
    id18,
    id_number_problem,
    id_number_shape_problem,
    identifier_macros,
    phone_problem,
    phone_text,
    phones,
    usable_id_numbers,
)
from warehouse.privacy import mask_phone
from warehouse.transforms import transform_sql


def _with_check(body: str) -> str:
    return body + check_character(body)


HARD_CASES = {
    "11010519491231002X": None,  # the standard's own example: X check character
    "11010519491231002x": None,  # a lowercase x is the same number
    " '310101195908037127": None,  # Excel's text marker and stray spaces
    "110105194912310021": "check character does not fit",
    "31010119680828343": "not an ID number",  # 17 characters: a trailing X lost
    _with_check("31010119800230123"): "no real birth date",  # 30 February
    _with_check("31010118991231123"): "no real birth date",  # before 1900
    _with_check("31010120261102123"): "no real birth date",  # after the run day
    "310101500101123": None,  # 15 digits, born 1950-01-01
    "310101501301123": "no real birth date",  # 15 digits, month 13
    "3.10101E+17": "mangled by Excel: the last digits are lost",
    "310101195908037127.0": "mangled by Excel: the last digits are lost",
    "３１０１０１１９５９０８０３７１２７": None,  # full-width digits, as clerks type them
    "\t310108198909174893": None,  # a tab before the number, to keep Excel off it
    "'\t310108198909174893": None,
    '="310108198909174893"': None,  # Excel's formula text
    " 310108 19890917 489３ ": None,  # spaces inside and around, a full-width digit
    "３１０１０１１９５９０８０３７１２ｘ": "check character does not fit",  # a full-width lower-case x read as X
    "310101********123X": None,
    "3101011950****123X": None,
    "31*4": "masked beyond use",
    "310101-195908037127": "not an ID number",
    "ABC": "not an ID number",
}


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        connection.execute(identifier_macros(run_day()))
        yield connection


def test_python_and_sql_give_the_same_verdict_and_number(con):
    for written, problem in HARD_CASES.items():
        assert id_number_problem(written) == problem, written
        assert con.execute(
            "SELECT id_number_problem(?), id18(?), id_number_shape_problem(?)", [written] * 3
        ).fetchone() == (problem, id18(written), id_number_shape_problem(written)), written
    assert id18("310101500101123") == "310101195001011236"
    assert id18("11010519491231002x") == "11010519491231002X"


def test_the_gate_accepts_exactly_the_usable_numbers():
    rule = Rule("id_number_checksum", "column_values_to_be_resident_id_numbers", {"column": "id_number"}, "", "t")
    numbers = list(HARD_CASES)
    frame = pd.DataFrame(
        {"id_number": numbers, "_delivery_id": "d", "_sheet": None, "_row_number": range(len(numbers))}
    )
    (outcome,) = validate(frame, Suite("t", "person", 1.0, [rule]), run_day())
    assert [numbers[i] for i in outcome.failing] == [n for n, problem in HARD_CASES.items() if problem]


def test_the_check_character_is_python_stdnums():
    rng = random.Random(11643)
    bodies = ["".join(rng.choice("0123456789") for _ in range(17)) for _ in range(2000)]
    assert all(check_character(b) == ric.calc_check_digit(b + "0") for b in bodies)


def test_a_birth_date_ends_on_the_run_day_given():
    born_today = _with_check("31010120261101123")
    assert id_number_problem(born_today, dt.date(2026, 11, 1)) is None
    assert id_number_problem(born_today, dt.date(2026, 10, 31)) == "no real birth date"


def test_the_bulk_check_gives_each_numbers_verdict():
    leap_days = [_with_check(f"310101{day}123") for day in ("20000229", "19000229", "20240229", "19990229")]
    edges = [_with_check(f"310101{day}123") for day in ("19900001", "19900100", "19001231", "19000101", "20261101")]
    values = np.array([*HARD_CASES, *leap_days, *edges], dtype=object)
    for as_of in (dt.date(2026, 11, 1), dt.date(2026, 10, 31)):
        expected = [id_number_problem(v, as_of) is None for v in values]
        assert usable_id_numbers(values, as_of).tolist() == expected
    assert usable_id_numbers(np.array(leap_days, dtype=object), dt.date(2026, 11, 1)).tolist() == [
        True,
        False,
        True,
        False,
    ]


PHONES = {  # written: (the phone as the rules read it, usable)
    "13812345678": ("13812345678", True),
    "+86 138 1234 5678": ("13812345678", True),
    "86-13812345678": ("13812345678", True),
    "(021)64752518": ("02164752518", True),
    "64752518": ("02164752518", True),  # a Shanghai landline without 021
    "010-12345678": ("01012345678", True),
    "143****5204": ("143****5204", True),
    "021****2518": ("021****2518", True),  # a masked landline is not the 7-digit number 0212518
    "400-820-8820": ("4008208820", False),
    "95588": ("95588", False),
    "1381234567": ("1381234567", False),
}


def test_staging_and_identity_read_phones_by_the_same_rule(con):
    value, reason, _ = transform_sql("phone", "v", "phone")
    for written, (text, usable) in PHONES.items():
        assert (phone_text(written), phone_problem(written) is None) == (text, usable), written
        staged = con.execute(f"SELECT {value}, {reason} FROM (SELECT ?::VARCHAR AS v)", [written]).fetchone()
        assert staged == ((text, None) if usable else (None, f"not a phone number: {written}")), written
        phone = read_phone(written)
        assert (phone.problem is None) == usable, written
        assert phone.number == (text if usable and "*" not in text else None), written


CELLS = {  # a cell as written: the phones staging keeps, joined by ';', and whether a part was no phone
    "16980841468/021-66325548": ("16980841468;02166325548", False),
    "13912345678；13812345678": ("13912345678;13812345678", False),
    "13912345678 13812345678": ("13912345678;13812345678", False),
    "021 6632 5548": ("02166325548", False),  # spaces inside one landline: one phone
    "\t'13912345678": ("13912345678", False),
    "１３９１２３４５６７８、64752518": ("13912345678;02164752518", False),
    "13912345678/13912345678": ("13912345678", False),  # the same number twice is one
    "95588/13912345678": ("13912345678", True),  # the good one kept, the cell quarantined as a value
}


def test_every_phone_of_a_cell_is_kept_and_read_alike(con):
    value, reason, _ = transform_sql("phone", "v", "phone")
    for written, (kept, unread) in CELLS.items():
        staged = con.execute(
            f"SELECT {value}, {reason} IS NOT NULL FROM (SELECT ?::VARCHAR AS v)", [written]
        ).fetchone()
        assert staged == (kept, unread), written
        assert [p.number for p in read_phones(written) if p.number] == list(dict.fromkeys(phones(kept))), written
        assert [p.number for p in read_phones(kept)] == phones(kept), written
        assert mask_phone(kept).split(STAGED_PHONES) == [mask_phone(phone) for phone in phones(kept)], written
