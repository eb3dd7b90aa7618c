"""Value transforms of the staging layer, as DuckDB SQL over the raw text.

Each transform turns one raw text column into a typed, normalised value, and says why a non-empty
value could not be read (NULL reason: the value is fine); the value is then NULL. Staging decides what
a reason costs: the row when the column is part of the record key or required, else the value alone.
A value whose loss is the cell's alone whatever the column (an ID number Excel turned into 3.10101E+17,
an Excel error value such as #N/A, a boolean where a name belongs) has a ``lost`` reason instead.
Zero-width and bidi control characters are removed from every value first (the reader's notes count
them per column), then what clerks' systems put around a value (schemas/identifiers.py ``clerk_text``:
a leading tab or apostrophe, ``="…"``). Identifiers are read by the macros of ``identifier_macros``.

A date column may hold a month or a year only (``1950.01``, ``1950年1月``, ``195001``, ``1950``): the
value is the period's first day, so ranges and ages still work, and ``date_precision_sql`` says it is
a month or a year (staging keeps it in ``_date_precision``); it is never passed off as that exact day.
"""

from __future__ import annotations

from schemas import identifiers
from schemas.identifiers import clerk_text_sql, once

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%Y.%m.%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
_OFFSET = "(Z|[+-][0-9]{2}:?[0-9]{2})"  # offsets are all +08:00: the local time is read
# common shapes, each with an example of its length
_COMMON_SHAPES = {
    "%Y-%m-%d": ("[0-9]{4}-[0-9]{2}-[0-9]{2}", "2026-11-01"),
    "%Y%m%d": ("[0-9]{8}", "20261101"),
    "%Y-%m-%d %H:%M:%S": ("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", "2026-11-01 08:30:00"),
    "%Y-%m-%dT%H:%M:%S": ("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}", "2026-11-01T08:30:00"),
}
# a date written to the month or the year only (1950.01, 1950年1月, 195001, 1950-1, 1950年)
_MONTH = "[12][0-9]{3}(年(0?[1-9]|1[0-2])月|[-./](0?[1-9]|1[0-2])|0[1-9]|1[0-2])"
_YEAR = "[12][0-9]{3}年?"
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y%m%d%H%M%S",
    "%Y年%m月%d日 %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y年%m月%d日",
)
# the characters of connectors.readers.INVISIBLE, in RE2's syntax
_INVISIBLE = r"[\x{00AD}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{FEFF}]"
_EXCEL_ERRORS = (
    "#N/A",
    "#REF!",
    "#DIV/0!",
    "#VALUE!",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
)
_NUMBER = r"-?[0-9]+(\.[0-9]+)?"


def cleaned_sql(column: str) -> str:
    """Text without invisible characters nor what a clerk's system put around it (clerk_text), NULL when empty:
    the value every transform reads. Staging computes it once per delivered column and passes it on as
    ``cleaned`` (``transform_sql``, ``date_precision_sql``)."""
    visible = f"regexp_replace({column}, '{_INVISIBLE}', '', 'g')"
    return f"nullif({clerk_text_sql(visible)}, '')"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _finite(value: str) -> str:
    # strptime reads 'Infinity' as an infinite timestamp, which no later step can handle
    return f"CASE WHEN isfinite({value}) THEN {value} END"


def _timestamp(v: str, formats: tuple[str, ...]) -> str:
    tries = ", ".join(f"try_strptime({v}, '{f}')" for f in formats)
    # Excel serial day numbers (1900 system) arrive as 5-digit text when a date cell lost its format.
    serial = f"CASE WHEN regexp_full_match({v}, '[1-6][0-9]{{4}}') THEN TIMESTAMP '1899-12-30' + to_days(CAST({v} AS INTEGER)) END"
    return _finite(f"coalesce({tries}, {serial})")


def _common_shape(v: str, formats: tuple[str, ...]) -> str:
    """The value of a date in a common shape (offset or not) read by its format alone, else NULL: no format
    before it in ``formats``, nor a partial date, reads that shape, so the result is the same, and most values
    skip the tries that fail and the offset's removal."""
    shaped = " ".join(
        f"WHEN regexp_full_match({v}, '{shape}{_OFFSET}?') THEN try_strptime(left({v}, {len(shape_of)}), '{f}')"
        for f, (shape, shape_of) in _COMMON_SHAPES.items()
        if f in formats
    )
    return f"CASE {shaped} END"


def _partial_date(v: str) -> str:
    """The first day of the month or year a partial date names, NULL for any other text."""
    month = f"CAST(regexp_extract({v}, '^[0-9]{{4}}[^0-9]*([0-9]{{1,2}})', 1) AS INTEGER)"
    return (
        f"CASE WHEN regexp_full_match({v}, '{_MONTH}') THEN make_date(CAST(left({v}, 4) AS INTEGER), {month}, 1) "
        f"WHEN regexp_full_match({v}, '{_YEAR}') THEN make_date(CAST(left({v}, 4) AS INTEGER), 1, 1) END"
    )


def date_precision_sql(column: str, cleaned: bool = False) -> str:
    """'month' or 'year' when a quoted raw column read as a date names a month or a year only, else NULL
    (``cleaned``: the column is already ``cleaned_sql``)."""
    v = column if cleaned else cleaned_sql(column)
    return f"CASE WHEN regexp_full_match({v}, '{_MONTH}') THEN 'month' WHEN regexp_full_match({v}, '{_YEAR}') THEN 'year' END"


def parsed_sql(transform: str, cleaned: str) -> str | None:
    """What a transform's value and reason both read and is costly (a date read against every format, an ID
    number's shape problem), for a ``cleaned_sql`` column; None when the transform has nothing such. Staging
    computes it once per delivered column and passes its column to ``transform_sql`` as ``parsed``."""
    if transform in ("date", "datetime"):
        # NULL reads as NULL either way, yet DuckDB evaluates the read six times faster inside the CASE
        return f"CASE WHEN {cleaned} IS NOT NULL THEN {_date_value(transform, cleaned)} END"
    if transform == "id_number":
        return f"id_number_shape_problem({cleaned})"
    return None


def transform_sql(
    transform: str, column: str, target: str | None = None, cleaned: bool = False, parsed: str | None = None
) -> tuple[str, str, str]:
    """(value, reason, lost) expressions for a quoted raw column: why the value could not be read (staging
    decides whether that costs the row or the value), and why it is lost whatever the column. The value is
    NULL when either is set.

    ``target`` is the canonical column the value fills. Whatever the transform, an Excel error value
    (#N/A, #REF!...) is lost with its text, and so is a boolean (TRUE, FALSE) where a name is expected
    (a column named *name, or legal_person): a spreadsheet's flag is not a person's or a business's name.
    ``cleaned``: the column is already ``cleaned_sql`` (a column staging computed once), read as it is; with it,
    ``parsed`` may name a column holding the cleaned column's ``parsed_sql``, read instead of computing it again.
    """
    v = column if cleaned else "cell"  # the cleaned value, else computed once per expression below
    value, reason, lost = _typed(transform, v, parsed if cleaned else None)
    why = f"CASE WHEN {v} IN ({', '.join(map(_literal, _EXCEL_ERRORS))}) THEN 'Excel error value ' || {v} || ': the cell''s value is lost' "
    if target is not None and (target.endswith("name") or target == "legal_person"):
        why += f"WHEN upper({v}) IN ('TRUE', 'FALSE') THEN 'a boolean (' || {v} || ') is not a name' "
    why += "END"
    kept_reason = "NULL" if reason == "NULL" else f"CASE WHEN ({why}) IS NULL THEN {reason} END"
    kept_value = f"CASE WHEN ({why}) IS NULL THEN {value} END"
    return tuple(
        expression if expression == "NULL" or cleaned else once(cleaned_sql(column), v, expression)
        for expression in (kept_value, kept_reason, f"coalesce({why}, {lost})")
    )


def _date_value(transform: str, v: str) -> str:
    """A date or datetime read as a timestamp: its common shape, a partial date, then every format."""
    formats = _DATE_FORMATS if transform == "date" else _TIME_FORMATS
    local = f"regexp_replace({v}, '{_OFFSET}$', '')"
    partial = [_partial_date(v)] if transform == "date" else []
    return f"coalesce({', '.join([_common_shape(v, formats), *partial, _timestamp(local, formats)])})"


def _typed(transform: str, v: str, parsed: str | None = None) -> tuple[str, str, str]:
    if transform in ("text", "address", "code"):
        return v, "NULL", "NULL"
    if transform in ("date", "datetime"):
        value = parsed or _date_value(transform, v)
        typed = f"CAST({value} AS DATE)" if transform == "date" else value
        leap = f"WHEN starts_with({v}, '1900-02-29') THEN 'not a {transform}: ' || {v} || ' (Excel''s serial day 60, a day that never was)' "
        return (
            typed,
            f"CASE {leap}WHEN {v} IS NOT NULL AND {value} IS NULL THEN 'not a {transform}: ' || {v} END",
            "NULL",
        )
    if transform in ("integer", "number"):
        plain = f"replace({v}, ',', '')"
        # 1.5E+3 is a number; 1e400 and Infinity are not, and the 1 of 1e400 must not pass for one
        scientific = f"regexp_full_match({plain}, '{_NUMBER}[eE][+-]?[0-9]+')"
        digits = f"nullif(regexp_extract({plain}, '{_NUMBER}'), '')"
        number = _finite(
            f"CASE WHEN {scientific} THEN TRY_CAST({plain} AS DOUBLE) ELSE TRY_CAST({digits} AS DOUBLE) END"
        )
        typed = (
            f"CASE WHEN {scientific} THEN TRY_CAST({number} AS BIGINT) ELSE TRY_CAST({digits} AS BIGINT) END"
            if transform == "integer"
            else number
        )
        return typed, f"CASE WHEN {v} IS NOT NULL AND {typed} IS NULL THEN 'not a number: ' || {v} END", "NULL"
    if transform == "id_number":  # the shape here; the check character and birth date are the gate's
        problem = parsed or f"id_number_shape_problem({v})"
        # the digits are gone, yet the row's name, birth date and address still place the person
        mangled = f"{problem} = {_literal(identifiers.MANGLED_PROBLEM)}"
        lost = f"CASE WHEN {mangled} THEN 'ID number mangled by Excel (' || {v} || '): the digits are lost' END"
        unshaped = ", ".join(map(_literal, (identifiers.NOT_AN_ID_NUMBER, identifiers.MASKED_BEYOND_USE)))
        reason = f"CASE WHEN {problem} IN ({unshaped}) THEN 'not an ID number: ' || {v} END"
        return f"CASE WHEN {problem} IS NULL THEN id_number_text({v}) END", reason, lost
    if transform == "credit_code":
        n = f"identifier_text({v})"
        shaped = f"regexp_full_match({n}, {_literal(identifiers.CREDIT_CODE)})"
        reason = f"CASE WHEN {v} IS NOT NULL AND NOT {shaped} THEN 'not a unified social credit code: ' || {v} END"
        return f"CASE WHEN {shaped} THEN {n} END", reason, "NULL"
    if transform == "phone":  # every phone of the cell, normalised, in the order written (identifiers.phones)
        mobile = f"regexp_full_match({v}, {_literal(identifiers.MOBILE)})"  # most cells: one mobile, as it is
        numbers = "list_transform(list_filter(parts, lambda p: is_phone(p)), lambda p: phone_text(p))"
        distinct = f"array_to_string(list_filter(numbers, lambda n, i: list_position(numbers, n) = i), {_literal(identifiers.STAGED_PHONES)})"
        value = once(f"phone_parts({v})", "parts", once(numbers, "numbers", f"nullif({distinct}, '')"))
        unread = f"NOT coalesce(list_bool_and(list_transform(phone_parts({v}), lambda p: is_phone(p))), false)"
        reason = f"CASE WHEN {v} IS NOT NULL AND NOT {mobile} AND {unread} THEN {_literal(identifiers.NOT_A_PHONE + ': ')} || {v} END"
        return f"CASE WHEN {mobile} THEN {v} ELSE {value} END", reason, "NULL"
    raise ValueError(f"unknown transform {transform!r}")
