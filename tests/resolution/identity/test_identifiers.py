"""ID numbers, phones, credit codes and names read as evidence: checked, upgraded, masked, rejected."""

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from resolution.identity.identifiers import (
    check_character,
    read_id_number,
    read_name,
    read_phone,
    upgrade_15,
)
from schemas.identifiers import valid_credit_code


def test_a_checked_number_gives_birth_date_sex_and_division():
    idn = read_id_number("310101195908037127")
    assert idn.number == "310101195908037127" and idn.problem is None
    assert (idn.division, idn.birth_date, idn.sex, idn.tail) == ("310101", dt.date(1959, 8, 3), "F", "7127")


def test_lowercase_x_is_the_check_character():
    assert read_id_number("31010119680828343x").number == "31010119680828343X"


def test_a_retired_shanghai_division_is_still_a_division():
    """卢湾区 (310103) merged into 黄浦 in 2011; stdnum's is_valid rejects it, people still carry it."""
    body = "31010320120808123"
    idn = read_id_number(body + check_character(body))
    assert idn.number == body + check_character(body)


def test_15_digit_numbers_become_18_with_their_check_character():
    assert upgrade_15("310101660226287") == "310101196602262879"
    assert read_id_number("310101660226287").number == "310101196602262879"


@pytest.mark.parametrize(
    "written, reason",
    [
        ("3.10101E+17", "mangled by Excel"),
        ("310101195908037127.0", "mangled by Excel"),
        ("31010119680828343", "trailing X lost"),
        ("310101195908037128", "check character"),
        ("310101195902307127", "check character"),
        ("ABC", "not an ID number"),
    ],
)
def test_unusable_numbers_are_rejected_with_the_reason(written, reason):
    idn = read_id_number(written)
    assert idn.number is None and idn.pattern is None and reason in idn.problem


def test_an_unknown_division_with_a_fitting_check_character_is_rejected():
    body = "99999919590803712"
    assert "no division" in read_id_number(body + check_character(body)).problem


def test_masked_numbers_keep_what_they_show():
    head_only = read_id_number("310101********1234")
    assert head_only.number is None and head_only.problem is None
    assert (head_only.division, head_only.birth_date, head_only.tail, head_only.sex) == ("310101", None, "1234", "M")
    year_visible = read_id_number("3101011950****123X")
    assert year_visible.birth_year == 1950 and year_visible.tail == "123X"
    other_tail = "31010119500101124"
    assert year_visible.agrees_with(read_id_number(other_tail + check_character(other_tail))) is False
    full = read_id_number("310101195908037127")
    assert read_id_number("310101********7127").agrees_with(full)


def test_phones_are_normalised_and_masks_kept_as_head_and_tail():
    assert read_phone("+86 138 1234 5678").number == "13812345678"
    assert read_phone("138-1234-5678").kind == "mobile"
    landline = read_phone("(021)64752518")
    assert (landline.number, landline.kind) == ("02164752518", "landline")
    assert read_phone("64752518").number == "02164752518"
    masked = read_phone("143****5204")
    assert (masked.number, masked.head, masked.tail) == (None, "143", "5204")
    assert read_phone("1234").problem
    assert read_phone("") is None


def test_credit_codes_are_checked():
    assert valid_credit_code("91310101NE1R67YR5H") == "91310101NE1R67YR5H"
    assert valid_credit_code("91310101NE1R67YR5A") is None
    assert valid_credit_code(None) is None


def test_names_are_simplified_and_honorifics_give_only_surname_and_sex():
    assert read_name("張偉") == ("张伟", "张", None)
    assert read_name("赵先生") == (None, "赵", "M")
    assert read_name("欧阳娜娜")[1] == "欧阳"
    assert read_name("匿名") == (None, None, None)


def test_names_typed_by_ear_share_their_sound():
    from resolution.identity.identifiers import name_sound

    assert name_sound("章伟") == name_sound("张伟") == name_sound("張偉") == "zhang wei"
    assert name_sound("王伟") != name_sound("张伟") and name_sound(None) is None


# polyphones (长 单 曾 乐 重 行 朝), characters that make words of pypinyin's phrase dictionary (长乐 重庆 银行 朝阳),
# a dot, Latin letters and digits: read a character at a time or by pypinyin whole, the sound is pypinyin's
@given(st.text(alphabet="张伟长单曾乐重行朝阳庆银王丽华·Ab1 〇", max_size=8))
@example("重庆")
@example("朝阳")
@example("王·A")
def test_a_names_sound_is_pypinyins(name):
    from pypinyin import lazy_pinyin

    from resolution.identity.identifiers import name_sound

    assert name_sound(name) == (" ".join(lazy_pinyin(name)) if name else None)
