"""People linking reads each written ID number in bulk as ``read_id_number`` reads it one by one."""

import datetime as dt

from resolution.identity.identifiers import check_character, read_id_number
from resolution.identity.people import _read_id_numbers


def _checked(body: str) -> str:
    return body + check_character(body)


def test_bulk_reading_gives_what_one_by_one_gives():
    as_of = dt.date(2026, 11, 9)
    written = [
        _checked("31010119590803712"),  # clean and usable
        _checked("31010320120808123"),  # a retired division, still one
        _checked("99999919590803712"),  # no such division
        "310101195908037128",  # wrong check character
        _checked("31010120270101123"),  # born after the run day
        _checked("31010119590230712"),  # no such day
        "31010119680828343x",  # lower-case check character
        " " + _checked("31010119590803712"),  # a space before it
        "３１０１０１１９５９０８０３７１２７",  # full-width digits
        "310101660226287",  # 15 digits
        "310101********7127",  # masked
        "31010119590803712",  # 17 digits
        "3.10101E+17",  # mangled by Excel
    ]
    assert _read_id_numbers(written, as_of) == {v: read_id_number(v, as_of) for v in written}


def test_no_written_id_numbers_give_an_empty_reading():
    assert _read_id_numbers([], dt.date(2026, 11, 9)) == {}
