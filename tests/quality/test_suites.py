"""The declared suites: every record kind has one, every committed source builds its GX suite."""

from datetime import date, datetime

import pytest
from stdnum.cn import ric

from connectors.spec import load_registry
from quality.custom_expectations import is_resident_id_number
from quality.suites import EXPECTATIONS_DIR, gx_suite, load_suite
from schemas import RECORD_KINDS, record_kind_columns


def test_every_record_kind_has_a_suite_with_a_threshold_and_a_record_key_rule():
    for kind in RECORD_KINDS:
        assert (EXPECTATIONS_DIR / f"{kind}.yaml").exists(), kind
    for spec in load_registry().values():
        suite = load_suite(spec)
        assert 0 <= suite.held_above < 1
        rules = {r.name: r for r in suite.rules}
        if spec.record_key:
            assert rules["record_key_unique"].arguments["column_list"] == [
                spec.canonical_name(k) for k in spec.record_key
            ]


def test_rules_name_only_canonical_columns():
    for spec in load_registry().values():
        canonical = set(record_kind_columns(spec.record_kind))
        for rule in load_suite(spec).rules:
            assert set(rule.columns) <= canonical, (spec.name, rule.name, rule.columns)


def test_every_committed_source_builds_its_gx_suite():
    for spec in load_registry().values():
        present = set(record_kind_columns(spec.record_kind))
        suite = gx_suite(load_suite(spec), present, date(2026, 11, 29))
        assert len(suite.expectations) == len(load_suite(spec).applicable(present)), spec.name


def test_a_source_file_adds_rules_and_may_change_the_threshold():
    registry = load_registry()
    assert load_suite(registry["address_register"]).held_above == 0.05
    assert load_suite(registry["actual_residents"]).held_above == 0.20
    assert "issue_type_code" in {r.name for r in load_suite(registry["grid_patrols"]).rules}
    roles = {r.name: r for r in load_suite(registry["owners_committee"]).rules}["role_code"]
    assert roles.suite == "owners_committee" and "主任" in roles.arguments["value_set"]


def test_today_resolves_at_validation_time():
    spec = load_registry()["hotline_12345"]
    suite = gx_suite(load_suite(spec), {"occurred_at"}, date(2026, 11, 29))
    (between,) = [e for e in suite.expectations if e.meta["rule"] == "occurred_not_in_future"]
    assert between.max_value == datetime(2026, 11, 30)


@pytest.mark.parametrize(
    "number, valid",
    [
        ("11010519491231002X", True),  # the standard's own example
        ("11010519491231002x".upper(), True),
        ("110105194912310021", False),  # wrong check character
        ("310101********123X", True),  # masked: nothing to check
        ("310101500101123", True),  # 15-digit, born 1950-01-01
        ("310101501301123", False),  # 15-digit, month 13
        ("110105189912310019", False),  # born before 1900
    ],
)
def test_resident_id_numbers(number, valid):
    assert is_resident_id_number(number) is valid


def test_a_retired_division_with_a_right_check_character_is_accepted():
    body = "31010319800101123"  # 卢湾区, merged into 黄浦区 in 2011: its people keep their numbers
    number = body + ric.calc_check_digit(body + "0")
    assert is_resident_id_number(number)
