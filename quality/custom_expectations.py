"""The checks Great Expectations lacks: resident ID numbers, credit codes, division codes.

Each is a GX column map expectation, so it reports failing rows like any built-in one. Importing
this module registers them with GX (and imports GX: import it lazily).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import ClassVar

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

import schemas
from schemas.identifiers import id_number_problem, usable_id_numbers, valid_credit_code

DIVISIONS_FILE = Path(schemas.__file__).with_name("divisions.csv")


def is_resident_id_number(number: str) -> bool:
    """The rules of schemas/identifiers.py: check character and birth date right; 15-digit and masked numbers
    carry no check. Division codes are not checked: ID numbers from retired divisions (310103 卢湾区) and
    every province are real."""
    return id_number_problem(number) is None


@cache
def division_codes(level: str) -> frozenset[str]:
    """Codes of one level of schemas/divisions.csv (district, street, community)."""
    with DIVISIONS_FILE.open(encoding="utf-8") as f:
        return frozenset(row["code"] for row in csv.DictReader(f) if row["level"] == level)


class ColumnValuesResidentIdNumber(ColumnMapMetricProvider):
    condition_metric_name = "column_values.resident_id_number"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs) -> pd.Series:
        return pd.Series(usable_id_numbers(column.to_numpy(dtype=object)), index=column.index)


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
