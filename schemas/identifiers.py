"""What makes a resident ID number (GB 11643), a credit code (GB 32100) and a phone well formed: the rules, once.

Staging reads them as SQL (the DuckDB macros of ``identifier_macros``, and ``clerk_text_sql``), the quality
gate and identity resolution as Python; both are made from the constants below, so the three cannot disagree.
Every value is first read as clerks write it (``clerk_text``): what a system adds to keep Excel off a number
(a leading tab or apostrophe, the formula text ``="…"``) and spaces at either end are dropped; an identifier
also loses the spaces inside it, and its full-width digits and lower-case x are read as 0-9 and X. One cell
may hold several phones (``16980841468/021-66325548``, ``139… 138…``): ``phone_parts`` splits it, staging keeps
them all in one cell (``16980841468;02166325548``) and ``phones`` reads that cell. An ID number
is written as 18 characters (17 digits and a check character), as the 15 digits of a number issued
before 1999 (no century, no check), or masked (``310101********1234``). The check character's weights
are the standard's 2^(17-i) mod 11; the tests hold them to python-stdnum's. A value Excel wrote in
scientific notation (``3.10101E+17``) or as a float (``...0093.0``) has lost digits: no rule can read it.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np

from schemas.clock import run_day

CHECK_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARACTERS = "10X98765432"  # the check character for each weighted sum mod 11
EARLIEST_BIRTH = dt.date(1900, 1, 1)
FULL = "[0-9]{17}[0-9X]"
_FULL = re.compile(FULL)
OLD = "[0-9]{15}"
MASKED = "[0-9]*\\*+[0-9]*X?"
MASKED_VISIBLE = (4, 17)  # a mask leaving fewer characters names nobody
MANGLED = "[0-9.]+E\\+?[0-9]+|[0-9]+\\.[0-9]*"

MANGLED_PROBLEM = "mangled by Excel: the last digits are lost"
NOT_AN_ID_NUMBER = "not an ID number"
MASKED_BEYOND_USE = "masked beyond use"
WRONG_CHECK = "check character does not fit"
NO_BIRTH_DATE = "no real birth date"

CREDIT_CODE = "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"  # the shape; the check is stdnum's
MOBILE = "1[3-9][0-9]{9}"
SHANGHAI_LOCAL = "[2-9][0-9]{7}"  # a Shanghai landline written without its area code 021
LANDLINE = "0[0-9]{9,11}"
MASKED_PHONE = "[0-9]{3,4}\\*{3,4}[0-9]{4}"
PHONE = f"{MOBILE}|{MASKED_PHONE}|{LANDLINE}"
PHONE_PREFIX = "^(\\+86|0086|86-)[\\t\\n\\f\\r ]*"  # the country code, as ledgers write it
PHONE_SEPARATORS = "[\\t\\n\\f\\r ()（）-]"
NOT_A_PHONE = "not a phone number"
PHONE_LIST = "[/;,、]"  # between the phones of one cell (full-width ／；， are read as these)
STAGED_PHONES = ";"  # between the phones staging keeps of one cell, each normalised: 16980841468;02166325548

# What clerks' systems put around a value: spaces (tab, ideographic and no-break space included) at either
# end, apostrophes before it (Excel's text marker), Excel's formula text ="…" around it. CLERK_TEXT keeps
# group 1 (inside ="…") or group 2 (the rest); CLERK_MARKS is the quick test that a value has any of these.
SPACES = " \t\n\v\f\r\u3000\u00a0"
CLERK_TEXT = f'(?s)^[{SPACES}\']*(?:="(.*)"|(.*?))[{SPACES}]*$'
CLERK_MARKS = f"^[{SPACES}'=]|[{SPACES}]$"
# Full-width characters identifiers are typed with, and what the rules read them as.
FULL_WIDTH, HALF_WIDTH = "０１２３４５６７８９Ｘｘ／；，（）＋－＊", "0123456789Xx/;,()+-*"
_HALF = str.maketrans(FULL_WIDTH, HALF_WIDTH)


def clerk_text(written: str) -> str:
    """A value without what a system added around it: spaces at either end, leading apostrophes, ``="…"``."""
    return re.sub(CLERK_TEXT, r"\1\2", written)


def identifier_text(written: str) -> str:
    """An identifier as the rules read it: ``clerk_text`` in ASCII (full-width digits), without spaces inside,
    in upper case (a lower-case x is the check character X)."""
    return re.sub(f"[{SPACES}]", "", clerk_text(written).translate(_HALF)).upper()


def id_number_text(written: str) -> str:
    """The form the ID number rules read: ``identifier_text``."""
    return identifier_text(written)


def check_character(body: str) -> str:
    """The 18th character for the first 17 digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(body, CHECK_WEIGHTS, strict=True)) % 11]


@lru_cache(maxsize=1 << 16)
def _real_day(yyyymmdd: str) -> dt.date | None:
    """The day 8 digits write, or None (remembered: ID numbers share birth days, and strptime is slow)."""
    try:
        return dt.datetime.strptime(yyyymmdd, "%Y%m%d").date() if len(yyyymmdd) == 8 else None
    except ValueError:
        return None


def birth_date(yyyymmdd: str, as_of: dt.date | None = None) -> dt.date | None:
    """The birth date 8 digits give when it is a real day between 1900 and the run day, else None."""
    born = _real_day(yyyymmdd)
    return born if born and EARLIEST_BIRTH <= born <= (as_of or run_day()) else None


def upgrade_15(number: str) -> str:
    """The 18-character form of a 15-digit number: century 19 inserted, check character added."""
    body = number[:6] + "19" + number[6:]
    return body + check_character(body)


def id_number_shape_problem(written: str) -> str | None:
    """Why the written value cannot be an ID number whatever its digits (mangled, no ID number's shape, masked
    beyond use), or None. Staging refuses these; the check character and birth date are the gate's."""
    n = id_number_text(written)
    if re.fullmatch(MANGLED, n):
        return MANGLED_PROBLEM
    if re.fullmatch(OLD, n):
        return None
    if re.fullmatch(MASKED, n):
        visible = len(n.replace("*", ""))
        return None if MASKED_VISIBLE[0] <= visible <= MASKED_VISIBLE[1] else MASKED_BEYOND_USE
    return None if re.fullmatch(FULL, n) else NOT_AN_ID_NUMBER


def id_number_problem(written: str, as_of: dt.date | None = None) -> str | None:
    """Why the written value is no usable ID number, or None when it is one (a masked one included)."""
    n = written if _FULL.fullmatch(written) else id_number_text(written)  # a clean number reads as itself
    if (problem := id_number_shape_problem(n)) or "*" in n:
        return problem
    if len(n) == 15:
        return None if birth_date("19" + n[6:12], as_of) else NO_BIRTH_DATE
    if n[17] != check_character(n[:17]):
        return WRONG_CHECK
    return None if birth_date(n[6:14], as_of) else NO_BIRTH_DATE


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def usable_id_numbers(values: np.ndarray, as_of: dt.date | None = None) -> np.ndarray:
    """``id_number_problem(v) is None`` for every value of an object array, in bulk: a value already written as 17
    digits and a check character (nearly every staged one) has its check character and birth date checked at once
    with the rules above; any other value goes to ``id_number_problem`` itself."""
    plain = np.fromiter((isinstance(v, str) and bool(_FULL.fullmatch(v)) for v in values), bool, len(values))
    usable = np.zeros(len(values), bool)
    if plain.any():
        digits = np.frombuffer(values[plain].astype("S18").tobytes(), np.uint8).reshape(-1, 18).astype(np.int64)
        digits -= ord("0")
        check = np.frombuffer(CHECK_CHARACTERS.encode(), np.uint8)[digits[:, :17] @ np.array(CHECK_WEIGHTS) % 11]
        year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
        month, day = digits[:, 10:12] @ np.array([10, 1]), digits[:, 12:14] @ np.array([10, 1])
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
        born = year * 10_000 + month * 100 + day  # a real day (what strptime %Y%m%d accepts), then in range
        latest = as_of or run_day()
        usable[plain] = (
            (check == digits[:, 17] + ord("0"))
            & (month >= 1)
            & (month <= 12)
            & (day >= 1)
            & (day <= days)
            & (born >= int(EARLIEST_BIRTH.strftime("%Y%m%d")))
            & (born <= int(latest.strftime("%Y%m%d")))
        )
    others = np.flatnonzero(~plain)
    usable[others] = [id_number_problem(values[i], as_of) is None for i in others]
    return usable


def id18(written: str, as_of: dt.date | None = None) -> str | None:
    """The 18-character number a usable, unmasked ID number stands for (a 15-digit one upgraded), else None."""
    n = id_number_text(written)
    if "*" in n or id_number_problem(n, as_of):
        return None
    return upgrade_15(n) if len(n) == 15 else n


def phone_text(written: str) -> str:
    """The form the phone rules read one phone in: ``clerk_text`` in ASCII, no country code or separators,
    021 before a Shanghai landline's 8 digits."""
    digits = re.sub(PHONE_SEPARATORS, "", re.sub(PHONE_PREFIX, "", clerk_text(written).translate(_HALF)))
    return "021" + digits if re.fullmatch(SHANGHAI_LOCAL, digits) else digits


def phone_problem(written: str) -> str | None:
    """Why the written value is no phone (a mobile, a landline with its area code, or one masked), or None."""
    return None if re.fullmatch(PHONE, phone_text(written)) else NOT_A_PHONE


def phone_parts(written: str) -> list[str]:
    """The phones one cell holds, each as written: the cell split at ``/ ; , 、``, and a part at its spaces when
    every piece is a phone by itself (``139… 138…``; ``021 6632 5548`` stays one)."""
    parts = []
    for part in re.split(PHONE_LIST, clerk_text(written).translate(_HALF)):
        pieces = re.split(f"[{SPACES}]+", part.strip(SPACES))
        if len(pieces) > 1 and all(phone_problem(piece) is None for piece in pieces):
            parts += pieces
        elif part.strip(SPACES):
            parts.append(part)
    return parts


def phones(staged: str | None) -> list[str]:
    """The phones of a staged phone cell, in the order written (staging keeps every phone of a delivered cell,
    normalised, joined by ``STAGED_PHONES``); ``phone_parts`` reads a cell as delivered."""
    return [phone for phone in (staged or "").split(STAGED_PHONES) if phone]


def valid_credit_code(code: str | None) -> str | None:
    """The unified social credit code in canonical form when its check character fits, else None."""
    from stdnum.cn import uscc

    if not code:
        return None
    compact = uscc.compact(identifier_text(code))
    return compact if re.fullmatch(CREDIT_CODE, compact) and uscc.is_valid(compact) else None


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_SQL_SPACES = _sql_text(SPACES)  # the characters themselves: a constant DuckDB need not build per row


def clerk_text_sql(value: str) -> str:
    """``clerk_text`` of the SQL expression ``value``, in plain SQL (text columns are cleaned without a macro)."""
    marked = f"regexp_matches({value}, {_sql_text(CLERK_MARKS)})"
    return f"CASE WHEN {marked} THEN regexp_replace({value}, {_sql_text(CLERK_TEXT)}, '\\1\\2') ELSE {value} END"


def once(value: str, name: str, body: str) -> str:
    """SQL for ``body`` with ``name`` bound to ``value``, evaluated once (a macro's argument is copied where used)."""
    return f"list_transform([{value}], lambda {name}: {body})[1]"


def _ascii_sql(value: str) -> str:
    """``clerk_text`` of ``value`` with full-width characters in ASCII (translate is slow: only where there are some)."""
    wide = f"regexp_matches(written, {_sql_text(f'[{FULL_WIDTH}]')})"
    ascii_text = f"translate(written, {_sql_text(FULL_WIDTH)}, {_sql_text(HALF_WIDTH)})"
    return once(clerk_text_sql(value), "written", f"CASE WHEN {wide} THEN {ascii_text} ELSE written END")


def identifier_macros(as_of: dt.date | None = None) -> str:
    """DuckDB macros applying the rules above to SQL text: ``identifier_text(v)``, ``id_number_text(v)``,
    ``id_number_shape_problem(v)`` and ``id_number_problem(v)`` (NULL, or the reason the Python function of that
    name gives), ``id18(v)``, and for phones ``phone_text(p)``, ``is_phone(p)`` and ``phone_parts(v)``; births
    end on the run day. Staging runs them on every ID number: the common shape is tested first and the check's
    weighted sum is written out."""
    latest = (as_of or run_day()).isoformat()
    weighted = " + ".join(f"CAST(substr(body, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(CHECK_WEIGHTS))
    low, high = MASKED_VISIBLE
    complete = _sql_text(f"{FULL}|{OLD}")
    phone_digits = f"regexp_replace(regexp_replace({_ascii_sql('p')}, {_sql_text(PHONE_PREFIX)}, ''), {_sql_text(PHONE_SEPARATORS)}, '', 'g')"
    phone_local = f"CASE WHEN regexp_full_match(d, {_sql_text(SHANGHAI_LOCAL)}) THEN '021' || d ELSE d END"
    # a part of a cell is split at its spaces when every piece is a phone by itself
    pieces = f"string_split_regex(trim(part, {_SQL_SPACES}), {_sql_text(f'[{SPACES}]+')})"
    split = "CASE WHEN len(pieces) > 1 AND list_bool_and(list_transform(pieces, lambda q: is_phone(q))) THEN pieces ELSE [part] END"
    return f"""
CREATE OR REPLACE TEMP MACRO identifier_text(v) AS
    upper(regexp_replace({_ascii_sql("v")}, {_sql_text(f"[{SPACES}]")}, '', 'g'));
CREATE OR REPLACE TEMP MACRO id_number_text(v) AS identifier_text(v);
CREATE OR REPLACE TEMP MACRO id_check(body) AS substr({_sql_text(CHECK_CHARACTERS)}, ({weighted}) % 11 + 1, 1);
CREATE OR REPLACE TEMP MACRO id_birth_ok(yyyymmdd) AS coalesce(TRY_CAST(substr(yyyymmdd, 1, 4) || '-' ||
    substr(yyyymmdd, 5, 2) || '-' || substr(yyyymmdd, 7, 2) AS DATE) BETWEEN DATE '{EARLIEST_BIRTH}' AND DATE '{latest}', false);
CREATE OR REPLACE TEMP MACRO id_text_shape_problem(n) AS CASE
    WHEN regexp_full_match(n, {complete}) THEN NULL  -- most values: one test
    WHEN regexp_full_match(n, {_sql_text(MANGLED)}) THEN {_sql_text(MANGLED_PROBLEM)}
    WHEN regexp_full_match(n, {_sql_text(MASKED)}) THEN
        CASE WHEN length(replace(n, '*', '')) NOT BETWEEN {low} AND {high} THEN {_sql_text(MASKED_BEYOND_USE)} END
    ELSE {_sql_text(NOT_AN_ID_NUMBER)}
    END;
-- the check character and birth date of a value of 18 or 15 characters
CREATE OR REPLACE TEMP MACRO id_text_digits_problem(n) AS CASE
    WHEN length(n) = 15 THEN CASE WHEN NOT id_birth_ok('19' || substr(n, 7, 6)) THEN {_sql_text(NO_BIRTH_DATE)} END
    WHEN id_check(substr(n, 1, 17)) <> substr(n, 18, 1) THEN {_sql_text(WRONG_CHECK)}
    WHEN NOT id_birth_ok(substr(n, 7, 8)) THEN {_sql_text(NO_BIRTH_DATE)}
    END;
CREATE OR REPLACE TEMP MACRO id_text_problem(n) AS
    CASE WHEN regexp_full_match(n, {complete}) THEN id_text_digits_problem(n) ELSE id_text_shape_problem(n) END;
CREATE OR REPLACE TEMP MACRO id_text_18(n) AS CASE WHEN regexp_full_match(n, {complete}) THEN CASE
    WHEN id_text_digits_problem(n) IS NOT NULL THEN NULL
    WHEN length(n) = 15 THEN substr(n, 1, 6) || '19' || substr(n, 7) || id_check(substr(n, 1, 6) || '19' || substr(n, 7))
    ELSE n END END;
-- the written value is read once, then tested as often as the rules need
CREATE OR REPLACE TEMP MACRO id_number_shape_problem(v) AS {once("id_number_text(v)", "n", "id_text_shape_problem(n)")};
CREATE OR REPLACE TEMP MACRO id_number_problem(v) AS {once("id_number_text(v)", "n", "id_text_problem(n)")};
CREATE OR REPLACE TEMP MACRO id18(v) AS {once("id_number_text(v)", "n", "id_text_18(n)")};
CREATE OR REPLACE TEMP MACRO phone_text(p) AS {once(phone_digits, "d", phone_local)};
CREATE OR REPLACE TEMP MACRO is_phone(p) AS regexp_full_match(phone_text(p), {_sql_text(PHONE)});
CREATE OR REPLACE TEMP MACRO phone_parts(v) AS list_filter(flatten(list_transform(
    string_split_regex({_ascii_sql("v")}, {_sql_text(PHONE_LIST)}), lambda part: {once(pieces, "pieces", split)})),
    lambda part: trim(part, {_SQL_SPACES}) <> '');
"""
