"""Resident ID numbers, phones and credit codes read as evidence about who someone is.

A value is either usable in full (a checked ID number, a normalised phone), partial evidence (a masked
``310101********1234`` still gives the division and the last digits) or rejected with the reason (an
ID number Excel turned into ``3.10101E+17``). Checksums are python-stdnum's; phones are parsed by
``phonenumbers``. Facts derived from an ID number (birth date, sex, division) cross-check the ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from schemas.clock import run_day

DIVISIONS = Path(__file__).resolve().parents[2] / "schemas" / "divisions.csv"
MASK = "*"
_MANGLED = re.compile(r"^[0-9.]+E\+?[0-9]+$|^[0-9]+\.[0-9]*$")  # scientific notation, or a float's ".0"
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
        if not self.pattern or MASK in self.pattern[6:14]:
            return None
        return _date(self.pattern[6:14])

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


def _date(yyyymmdd: str) -> dt.date | None:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return born if dt.date(1880, 1, 1) <= born <= run_day() else None


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


def check_character(body17: str) -> str:
    """The 18th character for a 17-digit body (stdnum wants the number with its check slot)."""
    from stdnum.cn import ric

    return ric.calc_check_digit(body17 + "0")


def upgrade_15(number15: str) -> str:
    """The 18-digit form of a pre-1999 15-digit number: century 19 inserted, check character added."""
    body = number15[:6] + "19" + number15[6:]
    return body + check_character(body)


def read_id_number(written: str | None) -> IdNumber | None:
    """Read an ID number as a ledger holds it; None for an empty value."""
    if written is None or not str(written).strip():
        return None
    text = str(written).strip()
    value = re.sub(r"[\s-]", "", text).upper().lstrip("'")
    if _MANGLED.match(value):
        return IdNumber(text, problem="mangled by Excel: the last digits are lost")
    if re.fullmatch(r"[0-9]{15}", value):
        value = upgrade_15(value)
    if re.fullmatch(r"[0-9]{17}", value):
        hint = " (a trailing X lost?)" if check_character(value) == "X" else ""
        return IdNumber(text, problem=f"17 characters{hint}")
    if MASK in value:
        return _read_masked(text, value)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return IdNumber(text, problem="not an ID number")
    if value[-1] != check_character(value[:17]):
        return IdNumber(text, problem="check character does not fit")
    if _date(value[6:14]) is None:
        return IdNumber(text, problem="no real birth date")
    if not is_division(value[:6]):
        return IdNumber(text, problem=f"no division {value[:6]}")
    return IdNumber(text, number=value, pattern=value)


def _read_masked(text: str, value: str) -> IdNumber:
    """A masked number: visible head and tail placed on 18 positions, the rest unknown."""
    m = re.fullmatch(r"([0-9]*)\*+([0-9]*X?)", value)
    if not m or len(m.group(1)) + len(m.group(2)) > 17 or len(m.group(1)) + len(m.group(2)) < 4:
        return IdNumber(text, problem="masked beyond use")
    head, tail = m.groups()
    pattern = head + MASK * (18 - len(head) - len(tail)) + tail
    if len(head) >= 6 and not is_division(head[:6]):
        return IdNumber(text, problem=f"no division {head[:6]}")
    if len(head) >= 14 and _date(head[6:14]) is None:
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
    compact = re.sub(r"[\s()（）\-]", "", text)
    if m := re.fullmatch(r"(?:\+?86)?(1[3-9][0-9])\*{4}([0-9]{4})", compact):
        return Phone(text, kind="mobile", head=m.group(1), tail=m.group(2))
    import phonenumbers

    if re.fullmatch(r"[2-9][0-9]{7}", compact):  # an 8-digit Shanghai landline written without 021
        compact = "021" + compact
    try:
        parsed = phonenumbers.parse(compact, "CN")
    except phonenumbers.NumberParseException:
        return Phone(text, problem="not a phone number")
    national = str(parsed.national_number)
    if parsed.country_code != 86 or not phonenumbers.is_possible_number(parsed):
        return Phone(text, problem="not a phone number")
    if re.fullmatch(r"1[3-9][0-9]{9}", national):
        return Phone(text, number=national, kind="mobile", head=national[:3], tail=national[-4:])
    if national.startswith("1"):
        return Phone(text, problem="not a phone number")
    number = "0" + national
    return Phone(text, number=number, kind="landline", head=number[:3], tail=number[-4:])


def valid_credit_code(code: str | None) -> str | None:
    """The unified social credit code in canonical form when its check character fits, else None."""
    from stdnum.cn import uscc

    if not code:
        return None
    compact = uscc.compact(code)
    return compact if uscc.is_valid(compact) else None


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
    still writes the same sound."""
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(name)) if name else None


def surname(name: str) -> str:
    return name[:2] if len(name) > 2 and name[:2] in _COMPOUND_SURNAMES else name[:1]


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _simplified(text: str) -> str:
    return _converter().convert(text)
