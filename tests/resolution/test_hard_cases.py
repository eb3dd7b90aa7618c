"""The hard-case file: real-looking addresses the parser must get right, run on every change."""

from pathlib import Path

import pytest
import yaml

from data_samples.generator.geography import load_roads
from resolution.address.gazetteer import Gazetteer
from resolution.address.parse import parse

CASES = yaml.safe_load((Path(__file__).parent / "hard_cases.yaml").read_text(encoding="utf-8"))
REGISTER = Gazetteer.shanghai(load_roads(), ["锦江公寓", "步高里"])


def test_the_file_holds_enough_cases_and_each_says_why():
    assert len(CASES) >= 30 and all(case.get("why") and case.get("expect") for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["input"] for case in CASES])
def test_hard_case(case):
    parsed = parse(case["input"], REGISTER)
    found = {key: parsed.components.get(key) for key in case["expect"]}
    assert found == case["expect"], case["why"]
    assert not set(case.get("absent", [])) & set(parsed.components), case["why"]
    assert not set(case.get("never", [])) & {e.label for e in parsed.elements}, case["why"]
