"""Expectation suites as district IT declares them (quality/expectations/, see its README), and the
Great Expectations 1.x suite each source's staged rows are validated against.

A source's suite is its record kind's file plus its own file in ``sources/``, which adds rules,
replaces rules of the same name and may change ``held_above``. GX is imported only to build a suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.spec import SourceSpec
from schemas.clock import run_day
from schemas.yaml_text import load_yaml

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations.expectation import Expectation

EXPECTATIONS_DIR = Path(__file__).with_name("expectations")
HELD_ABOVE = 0.20
"""Default share of failing rows above which a delivery is held (a suite file may set its own)."""
RECORD_KEY = "record_key_to_be_unique"
_COLUMN_ARGUMENTS = ("column", "column_A", "column_B", "column_list")
_TODAY = re.compile(r"today(?:\s*([+-])\s*(\d+)\s*days?)?")


class SuiteError(ValueError):
    """A suite file that cannot be used, with the file and rule that are wrong."""


@dataclass(frozen=True)
class Rule:
    name: str
    """What quarantine and the report call it (id_number_checksum)."""
    expect: str
    """The GX expectation without its expect_ prefix (column_values_to_be_between)."""
    arguments: dict[str, Any]
    reason: str
    suite: str
    """The record kind or source whose file declared the rule."""
    required: bool = False
    """A required column: missing from a delivery, every row of it fails."""

    @property
    def columns(self) -> list[str]:
        """The columns the rule reads, the one quarantine names first."""
        named = [self.arguments[a] for a in _COLUMN_ARGUMENTS if a in self.arguments]
        return [c for item in named for c in (item if isinstance(item, list) else [item])]


@dataclass(frozen=True)
class Suite:
    name: str
    """The source the suite validates."""
    record_kind: str
    held_above: float
    rules: list[Rule] = field(default_factory=list)

    def applicable(self, present: set[str]) -> list[Rule]:
        """The rules a delivery with these columns can be held to: required ones always."""
        return [r for r in self.rules if r.required or set(r.columns) <= present]


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a suite file must be a mapping (held_above, required, rules)")
    return data


def _rules(data: dict, suite: str, path: Path) -> list[Rule]:
    rules = [
        Rule(
            f"{column}_required",
            "column_values_to_not_be_null",
            {"column": column},
            f"{column} is required and empty",
            suite,
            required=True,
        )
        for column in data.get("required", [])
    ]
    for name, body in (data.get("rules") or {}).items():
        if not isinstance(body, dict) or "expect" not in body:
            raise SuiteError(f"{path}: rule {name!r} needs an expect: field")
        arguments = {k: v for k, v in body.items() if k not in ("expect", "reason")}
        rules.append(Rule(name, body["expect"].removeprefix("expect_"), arguments, body.get("reason", name), suite))
    return rules


def load_suite(spec: SourceSpec, directory: Path = EXPECTATIONS_DIR) -> Suite:
    """The suite of one source: its record kind's rules, then its own (same name replaces)."""
    kind_path, source_path = directory / f"{spec.record_kind}.yaml", directory / "sources" / f"{spec.name}.yaml"
    kind, own = _read(kind_path), _read(source_path)
    rules = {r.name: r for r in _rules(kind, spec.record_kind, kind_path)}
    rules.update({r.name: r for r in _rules(own, spec.name, source_path)})
    keys = [spec.canonical_name(k) for k in spec.record_key]
    resolved = [
        Rule(r.name, r.expect, {**r.arguments, "column_list": keys}, r.reason, r.suite)
        for r in rules.values()
        if r.expect == RECORD_KEY and keys
    ]
    rules = [r for r in rules.values() if r.expect != RECORD_KEY] + resolved
    return Suite(spec.name, spec.record_kind, float(own.get("held_above", kind.get("held_above", HELD_ABOVE))), rules)


def _value(value: Any, today: date) -> Any:
    """``today``/``today + N days`` and dates as timestamps, comparable with the staged columns."""
    if isinstance(value, str) and (m := _TODAY.fullmatch(value.strip())):
        days = int(m.group(2) or 0) * (-1 if m.group(1) == "-" else 1)
        return datetime.combine(today + timedelta(days=days), datetime.min.time())
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time())
    return value


def gx_expectation(rule: Rule, present: set[str], today: date) -> Expectation:
    """The GX expectation for a rule; a required column the delivery lacks becomes column_to_exist."""
    import great_expectations.expectations as gxe

    import quality.custom_expectations as custom

    if rule.required and not set(rule.columns) <= present:
        return gxe.ExpectColumnToExist(column=rule.columns[0], meta={"rule": rule.name})
    if rule.expect == RECORD_KEY:
        return gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["_delivery_id", *rule.arguments["column_list"]],
            ignore_row_if="any_value_is_missing",
            meta={"rule": rule.name},
        )
    class_name = "Expect" + "".join(part.capitalize() for part in rule.expect.split("_"))
    expectation = getattr(gxe, class_name, None) or getattr(custom, class_name, None)
    if expectation is None:
        raise SuiteError(f"rule {rule.name!r} of suite {rule.suite}: no expectation expect_{rule.expect}")
    arguments = {k: _value(v, today) for k, v in rule.arguments.items()}
    return expectation(**arguments, meta={"rule": rule.name})


def gx_suite(suite: Suite, present: set[str], today: date | None = None) -> ExpectationSuite:
    """The GX suite for a delivery with these columns."""
    import great_expectations as gx

    today = today or run_day()
    return gx.ExpectationSuite(
        name=suite.name, expectations=[gx_expectation(r, present, today) for r in suite.applicable(present)]
    )
