"""Addresses read alike are parsed once: a reading's components are the parse's components of every address with
that reading, and batch matching gives what matching each parse gives."""

from pathlib import Path

import yaml

from resolution.address.batch import _gazetteer, match_addresses
from resolution.address.match import match_house
from resolution.address.parse import components_of, parse, read_address
from resolution.address.register import Register, RegisteredHouse

HARD_CASES = Path(__file__).resolve().parents[1] / "hard_cases.yaml"
# Written alike but read apart (28-602 inserts the 号 that 长乐28号 writes; 对面 is read in the input as given),
# or written apart and read alike (full-width, Chinese numerals, 幢, spaces), or in English.
VARIANTS = [
    "长乐28-602",
    "长乐28号602室",
    "长乐路372弄5号402室",
    "长乐路３７２弄５号４０２室",
    "长乐路三百七十二弄5幢402室",
    "长乐路 372弄 5号 402室",
    "长乐路372弄5号402室对面",
    "长乐路372弄5号402室 旁边",
    "长乐路372弄5号402室13812345678",
    "No. 5, Lane 372 Changle Road, Room 402",
    "進賢路101號",
    "",
]
REGISTER = Register(
    [
        RegisteredHouse("L1", "长乐路", "372", None, None, "5", None, "402", "home"),
        RegisteredHouse("L2", "长乐路", "372", None, None, "5", None, "302", "home"),
        RegisteredHouse("S1", "进贤路", None, "101", None, None, None, None, "shop"),
    ]
)


def _texts() -> list[str]:
    cases = yaml.safe_load(HARD_CASES.read_text(encoding="utf-8"))
    return [case["input"] for case in cases] + VARIANTS


def test_a_reading_has_the_components_of_every_address_read_so():
    gazetteer = _gazetteer(REGISTER)
    for text in _texts():
        assert components_of(read_address(text, gazetteer), gazetteer) == parse(text, gazetteer).components, text


def test_written_alike_but_read_apart():
    gazetteer = _gazetteer(REGISTER)
    inserted, written = (read_address(text, gazetteer) for text in ("长乐28-602", "长乐28号602室"))
    assert inserted.text == written.text and inserted != written
    assert read_address("长乐路372弄5号402室", gazetteer) == read_address("长乐路３７２弄５号４０２室", gazetteer)


def test_batch_matches_are_the_matches_of_each_parse():
    gazetteer = _gazetteer(REGISTER)
    texts = _texts() * 2
    expected = [match_house(REGISTER, parse(text, gazetteer).components) for text in texts]
    assert match_addresses(texts, REGISTER, workers=1) == expected
    assert match_addresses(texts, REGISTER, workers=2) == expected
