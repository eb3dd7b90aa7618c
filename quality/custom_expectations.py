"""The checks Great Expectations lacks: resident ID numbers, credit codes, division codes.

Each is a GX column map expectation, so it reports failing rows like any built-in one. Importing
this module registers them with GX (and imports GX: import it lazily).
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

import schemas
from schemas.clock import run_day
from schemas.identifiers import CHECK_CHARACTERS, CHECK_WEIGHTS, EARLIEST_BIRTH, id_number_problem, valid_credit_code

DIVISIONS_FILE = Path(schemas.__file__).with_name("divisions.csv")


def is_resident_id_number(number: str) -> bool:
    """The rules of schemas/identifiers.py: check character and birth date right; 15-digit and masked numbers
    carry no check. Division codes are not checked: ID numbers from retired divisions (310103 卢湾区) and
    every province are real."""
    return id_number_problem(number) is None


_PLAIN_18 = "[0-9]{17}[0-9X]"
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def resident_id_numbers(numbers: pd.Series) -> pd.Series:
    """``is_resident_id_number`` of every value, in bulk. A value already written as 17 digits and a check
    character (nothing around it, nothing full-width: ``id_number_text`` leaves it as it is), nearly every
    value, has its check character and birth date checked at once over all such values, as
    ``id_number_problem`` checks them; any other value goes to ``is_resident_id_number`` itself."""
    values = numbers.to_numpy(dtype=object)
    plain = np.fromiter(
        (isinstance(v, str) and v.isascii() and bool(re.fullmatch(_PLAIN_18, v)) for v in values), bool, len(values)
    )
    valid = np.zeros(len(values), bool)
    if plain.any():
        text = values[plain].astype("S18")  # ASCII: one byte a character
        digits = np.frombuffer(text.tobytes(), np.uint8).reshape(-1, 18).astype(np.int64) - ord("0")
        check = np.frombuffer(CHECK_CHARACTERS.encode(), np.uint8)[digits[:, :17] @ np.array(CHECK_WEIGHTS) % 11]
        year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
        month, day = digits[:, 10:12] @ np.array([10, 1]), digits[:, 12:14] @ np.array([10, 1])
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
        born = year * 10_000 + month * 100 + day  # a real day (what strptime %Y%m%d accepts), then in range
        latest, earliest = run_day(), EARLIEST_BIRTH
        valid[plain] = (
            (check == digits[:, 17] + ord("0"))
            & (month >= 1)
            & (month <= 12)
            & (day >= 1)
            & (day <= days)
            & (born >= earliest.year * 10_000 + earliest.month * 100 + earliest.day)
            & (born <= latest.year * 10_000 + latest.month * 100 + latest.day)
        )
    others = np.flatnonzero(~plain)
    valid[others] = [is_resident_id_number(values[i]) for i in others]
    return pd.Series(valid, index=numbers.index)


@cache
def division_codes(level: str) -> frozenset[str]:
    """Codes of one level of schemas/divisions.csv (district, street, community)."""
    with DIVISIONS_FILE.open(encoding="utf-8") as f:
        return frozenset(row["code"] for row in csv.DictReader(f) if row["level"] == level)


class ColumnValuesResidentIdNumber(ColumnMapMetricProvider):
    condition_metric_name = "column_values.resident_id_number"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs) -> pd.Series:
        return resident_id_numbers(column)


class ExpectColumnValuesToBeResidentIdNumbers(ColumnMapExpectation):
    """Resident ID numbers (GB 11643): check character and birth date."""

    map_metric = "column_values.resident_id_number"


class ColumnValuesCreditCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_code"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs) -> pd.Series:
        return column.map(lambda code: valid_credit_code(code) is not None).astype(bool)


class ExpectColumnValuesToBeCreditCodes(ColumnMapExpectation):
    """Unified social credit codes (GB 32100): alphabet and check character."""

    map_metric = "column_values.credit_code"


class ColumnValuesDivision(ColumnMapMetricProvider):
    condition_metric_name = "column_values.division"
    condition_value_keys = ("level",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, level: str, **kwargs) -> pd.Series:
        codes = division_codes(level)
        width = len(next(iter(codes), ""))
        return column.astype(str).str[:width].isin(codes).astype(bool)


class ExpectColumnValuesToStartWithDivisionCode(ColumnMapExpectation):
    """The value is (or starts with) a code of the division register at ``level``: a committee code is a
    community, a grid code 310101023-WG07 starts with its street."""

    level: str
    map_metric = "column_values.division"
    success_keys: ClassVar[tuple[str, ...]] = ("level", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "level")
