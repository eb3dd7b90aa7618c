"""Resident ID numbers, phones and credit codes read as evidence about who someone is.

A value is either usable in full (a checked ID number, a normalised phone), partial evidence (a masked
``310101********1234`` still gives the division and the last digits) or rejected with the reason (an
ID number Excel turned into ``3.10101E+17``). What makes an ID number, phone or credit code well formed is
schemas/identifiers.py's, the rules staging and the quality gate apply too (values cleaned as clerks write
them, several phones in one cell); as evidence an ID number's division must also exist. Facts derived from an ID number (birth date, sex, division) cross-check the
ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from schemas.identifiers import (
    FULL,
    LANDLINE,
    MOBILE,
    NOT_AN_ID_NUMBER,
    birth_date,
    check_character,
    id_number_problem,
    id_number_text,
    phone_parts,
    phone_problem,
    phone_text,
    upgrade_15,
)

DIVISIONS = Path(__file__).resolve().parents[2] / "schemas" / "divisions.csv"
MASK = "*"
_NO_NAME = frozenset({"匿名", "无", "不详", "未知", "保密", "市民", "来电人"})
_HONORIFIC = re.compile(r"^(.)(先生|女士|小姐|阿姨|师傅|老师|大爷|阿婆)$")


@dataclass(frozen=True)
class IdNumber:
    """What an ID number as written tells: ``number`` when complete and valid, else the visible
    positions of its 18-character ``pattern`` (``*`` unknown), or ``problem`` when unusable."""

    written: str
    number: str | None = None
    pattern: str | None = None
    problem: str | None = None

    @property
    def division(self) -> str | None:
        """The registration division (first six digits) when visible."""
        return self.pattern[:6] if self.pattern and MASK not in self.pattern[:6] else None

    @property
    def birth_date(self) -> dt.date | None:
        return self.born()

    def born(self, as_of: dt.date | None = None) -> dt.date | None:
        """The birth date when visible, a real day up to ``as_of`` (default: the run day)."""
        if not self.pattern or MASK in self.pattern[6:14]:
            return None
        return birth_date(self.pattern[6:14], as_of)

    @property
    def birth_year(self) -> int | None:
        return int(self.pattern[6:10]) if self.pattern and MASK not in self.pattern[6:10] else None

    @property
    def sex(self) -> str | None:
        """M or F from the order code's last digit (odd for men), when visible."""
        if not self.pattern or not self.pattern[16].isdigit():
            return None
        return "M" if int(self.pattern[16]) % 2 else "F"

    @property
    def tail(self) -> str | None:
        """The last four characters (order code and check), the part masks usually leave."""
        return self.pattern[-4:] if self.pattern and MASK not in self.pattern[-4:] else None

    def agrees_with(self, other: IdNumber) -> bool:
        """No visible position disagrees (a masked number agrees with its full form)."""
        if not self.pattern or not other.pattern:
            return True
        return all(a == b or MASK in (a, b) for a, b in zip(self.pattern, other.pattern, strict=False))


@cache
def _shanghai_divisions() -> frozenset[str]:
    with DIVISIONS.open(encoding="utf-8") as f:
        return frozenset(row["code"] for row in csv.DictReader(f) if len(row["code"]) == 6)


@cache
def is_division(code: str) -> bool:
    """A county-level division that exists or once existed (卢湾区 310103 was merged into 黄浦 in 2011,
    but people registered there keep their numbers): stdnum's table at any date, or our own list."""
    from stdnum import numdb

    if code in _shanghai_divisions():
        return True
    found = {k for _, props in numdb.get("cn/loc").info(code) for k in props}
    return "county" in found


_CLEAN_ID = re.compile(FULL)
"""17 digits and a check character and nothing else, as staging keeps an ID number: the value reads as itself."""


def read_id_number(written: str | None, as_of: dt.date | None = None) -> IdNumber | None:
    """Read an ID number as a ledger holds it, births up to ``as_of`` (default: the run day); None for an empty
    value."""
    if written is None or not str(written).strip():
        return None
    text = str(written).strip()
    value = text if _CLEAN_ID.fullmatch(text) else id_number_text(text)  # a clean number reads as itself
    if problem := id_number_problem(value, as_of):
        if problem == NOT_AN_ID_NUMBER and re.fullmatch("[0-9]{17}", value):
            hint = " (a trailing X lost?)" if check_character(value) == "X" else ""
            return IdNumber(text, problem=f"17 characters{hint}")
        return IdNumber(text, problem=problem)
    if MASK in value:
        return _read_masked(text, value, as_of)
    number = upgrade_15(value) if len(value) == 15 else value
    if not is_division(number[:6]):
        return IdNumber(text, problem=f"no division {number[:6]}")
    return IdNumber(text, number=number, pattern=number)


def _read_masked(text: str, value: str, as_of: dt.date | None = None) -> IdNumber:
    """A masked number: visible head and tail placed on 18 positions, the rest unknown."""
    head, tail = re.fullmatch(r"([0-9]*)\*+([0-9]*X?)", value).groups()
    pattern = head + MASK * (18 - len(head) - len(tail)) + tail
    if len(head) >= 6 and not is_division(head[:6]):
        return IdNumber(text, problem=f"no division {head[:6]}")
    if len(head) >= 14 and birth_date(head[6:14], as_of) is None:
        return IdNumber(text, problem="no real birth date")
    return IdNumber(text, pattern=pattern)


@dataclass(frozen=True)
class Phone:
    """A phone as written: ``number`` (national digits, 021 for Shanghai landlines) when complete,
    ``head``/``tail`` when masked (138****5678), ``problem`` when unusable."""

    written: str
    number: str | None = None
    kind: str | None = None  # mobile | landline
    head: str | None = None
    tail: str | None = None
    problem: str | None = None


def read_phone(written: str | None) -> Phone | None:
    """Read a phone as a ledger holds it; None for an empty value."""
    if written is None or not str(written).strip():
        return None
    text = str(written).strip()
    if problem := phone_problem(text):
        return Phone(text, problem=problem)
    number = phone_text(text)
    kind = "mobile" if number.startswith("1") else "landline"
    if MASK in number:
        head, tail = number.split(MASK, 1)[0], number.rsplit(MASK, 1)[1]
        return Phone(text, kind=kind, head=head, tail=tail)
    return Phone(text, number=number, kind=kind, head=number[:3], tail=number[-4:])


_CLEAN_PHONE = re.compile(f"{MOBILE}|{LANDLINE}")
"""One complete phone, digits only, as staging keeps most cells: it reads as itself unless it starts with the
country code 0086."""


def read_phones(written: str | None) -> list[Phone]:
    """Every phone of a cell (staging keeps them all, joined by ``;``), in the order written, each once."""
    if written is None:
        return []
    text = str(written)
    if _CLEAN_PHONE.fullmatch(text) and not text.startswith("0086"):  # what read_phone gives, read at once
        kind = "mobile" if text.startswith("1") else "landline"
        return [Phone(text, number=text, kind=kind, head=text[:3], tail=text[-4:])]
    phones = [read_phone(part) for part in phone_parts(str(written))]
    return list({(p.number or p.written): p for p in phones if p}.values())


def read_name(written: str | None) -> tuple[str | None, str | None, str | None]:
    """(full name in simplified characters, surname, sex implied) — ``张先生`` gives only the surname."""
    if written is None or not str(written).strip():
        return None, None, None
    name = _simplified(re.sub(r"[\s·•]", "", str(written)))
    if name in _NO_NAME:
        return None, None, None
    if m := _HONORIFIC.match(name):
        sex = {"先生": "M", "女士": "F", "小姐": "F", "阿姨": "F", "阿婆": "F", "大爷": "M"}.get(m.group(2))
        return None, m.group(1), sex
    return name, surname(name), None


_COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "端木",
        "钟离",
    ]
)


def name_sound(name: str | None) -> str | None:
    """The name's pinyin without tones: a clerk who typed a name heard on the phone (章伟 for 张伟)
    still writes the same sound. pypinyin's ``lazy_pinyin``, read a character at a time when every character is
    Chinese and no two of them make a word of its phrase dictionary (then pypinyin reads them one by one too):
    the same sound, eight times faster on 135,723 generated names (one pinyin per character, cached)."""
    if not name:
        return None
    lazy_pinyin, phrases, chinese = _pinyin()
    if chinese.match(name) and not any(
        name[start:end] in phrases for start in range(len(name)) for end in range(start + 2, len(name) + 1)
    ):
        return " ".join(_character_sound(character) for character in name)
    return " ".join(lazy_pinyin(name))


@cache
def _pinyin():
    """pypinyin's converter, its phrase dictionary and its test for a text of Chinese characters only."""
    from pypinyin import lazy_pinyin
    from pypinyin.constants import PHRASES_DICT, RE_HANS

    return lazy_pinyin, PHRASES_DICT, RE_HANS


@cache
def _character_sound(character: str) -> str:
    return _pinyin()[0](character)[0]


def surname(name: str) -> str:
    return name[:2] if len(name) > 2 and name[:2] in _COMPOUND_SURNAMES else name[:1]


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _simplified(text: str) -> str:
    return _converter().convert(text)
