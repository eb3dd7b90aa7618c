"""Value transforms of the staging layer, as DuckDB SQL over the raw text.

Each transform turns one raw text column into a typed, normalised value, and says why a non-empty
value could not be read (NULL reason: the value is fine). Rows with a reason go to quarantine. A value
whose loss is the cell's alone (an ID number Excel turned into 3.10101E+17) has a ``lost`` reason
instead: the value is NULL, the cell goes to quarantine and the row is staged, so the person still counts.
"""
from __future__ import annotations

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S", "%Y年%m月", "%Y-%m", "%Y.%m")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S.%f", "%Y%m%d%H%M%S", "%Y年%m月%d日 %H:%M", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d",
                 "%Y年%m月%d日")


def _clean(column: str) -> str:
    """Trimmed text, NULL when empty; a leading apostrophe (Excel's text marker) dropped."""
    return f"nullif(ltrim(trim({column}), ''''), '')"


def _timestamp(v: str, formats: tuple[str, ...]) -> str:
    tries = ", ".join(f"try_strptime({v}, '{f}')" for f in formats)
    # Excel serial day numbers (1900 system) arrive as 5-digit text when a date cell lost its format.
    serial = f"CASE WHEN regexp_full_match({v}, '[1-6][0-9]{{4}}') THEN TIMESTAMP '1899-12-30' + to_days(CAST({v} AS INTEGER)) END"
    return f"coalesce({tries}, {serial})"


def transform_sql(transform: str, column: str) -> tuple[str, str, str]:
    """(value, reason, lost) expressions for a quoted raw column: reason quarantines the row, lost the value only."""
    v = _clean(column)
    if transform in ("text", "address", "code"):
        return v, "NULL", "NULL"
    if transform in ("date", "datetime"):
        local = f"regexp_replace({v}, '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$', '')"  # offsets are all +08:00: keep local time
        value = _timestamp(local, _DATE_FORMATS if transform == "date" else _TIME_FORMATS)
        typed = f"CAST({value} AS DATE)" if transform == "date" else value
        return typed, f"CASE WHEN {v} IS NOT NULL AND {value} IS NULL THEN 'not a {transform}: ' || {v} END", "NULL"
    if transform in ("integer", "number"):
        digits = f"nullif(regexp_extract(replace({v}, ',', ''), '-?[0-9]+(\\.[0-9]+)?'), '')"
        typed = f"TRY_CAST({digits} AS {'BIGINT' if transform == 'integer' else 'DOUBLE'})"
        return typed, f"CASE WHEN {v} IS NOT NULL AND {typed} IS NULL THEN 'not a number: ' || {v} END", "NULL"
    if transform == "id_number":
        n = f"upper(replace({v}, ' ', ''))"
        # the digits are gone, yet the row's name, birth date and address still place the person
        mangled = f"regexp_matches({n}, '^[0-9.]+E\\+?[0-9]+$')"
        lost = f"CASE WHEN {mangled} THEN 'ID number mangled by Excel (' || {v} || '): the digits are lost' END"
        reason = (f"CASE WHEN {v} IS NOT NULL AND NOT {mangled} AND NOT regexp_full_match("
                  f"{n}, '[0-9]{{17}}[0-9X]|[0-9]{{15}}|[0-9]{{3,6}}\\*+[0-9]{{2,4}}[0-9X]?') "
                  f"THEN 'not an ID number: ' || {v} END")
        return f"CASE WHEN NOT {mangled} THEN {n} END", reason, lost
    if transform == "credit_code":
        n = f"upper(replace({v}, ' ', ''))"
        reason = (f"CASE WHEN {v} IS NOT NULL AND NOT regexp_full_match({n}, '[0-9A-HJ-NPQRTUWXY]{{2}}[0-9]{{6}}[0-9A-HJ-NPQRTUWXY]{{10}}') "
                  f"THEN 'not a unified social credit code: ' || {v} END")
        return n, reason, "NULL"
    if transform == "phone":
        digits = f"regexp_replace(regexp_replace({v}, '^(\\+86|0086|86-)\\s*', ''), '[\\s()（）-]', '', 'g')"
        n = f"CASE WHEN regexp_full_match({digits}, '[2-9][0-9]{{7}}') THEN '021' || {digits} ELSE {digits} END"
        reason = (f"CASE WHEN {v} IS NOT NULL AND NOT regexp_full_match({n}, '1[3-9][0-9]{{9}}|[0-9]{{3,4}}\\*{{3,4}}[0-9]{{4}}|0[0-9]{{9,11}}') "
                  f"THEN 'not a phone number: ' || {v} END")
        return n, reason, "NULL"
    raise ValueError(f"unknown transform {transform!r}")
