"""The hand-written wild set (issue 16): no address gets a wrong house, most that name a house get it, and
addresses outside the subdistrict are recognised as such."""

import csv

import pytest

from benchmarks.address_wild import NOT_A_HOUSE, WILD, load_entries, measure

HEADER = (  # the columns of core.houses the brief fixes, in its order
    "house_id,canonical_address,district,town,committee_code,committee_name,grid_code,"
    "road,lane_no,door_no,compound,building_no,unit_no,floor_no,room_no,house_kind"
)


@pytest.fixture(scope="module")
def report() -> dict:
    return measure(WILD)


def _lines(rows: list[dict]) -> str:
    return "\n".join(f"{r['input']}  expected {r['expected']}  got {r['got']}  ({r['reason']})" for r in rows)


def test_the_register_is_well_formed():
    with (WILD / "register.csv").open(encoding="utf-8") as file:
        reader = csv.DictReader(file)
        houses = list(reader)
    assert ",".join(reader.fieldnames) == HEADER
    assert len(houses) == len({h["house_id"] for h in houses})
    assert all(len(h["house_id"]) == 18 and h["house_id"].isdigit() for h in houses)
    assert {h["house_kind"] for h in houses} == {"home", "shop"}
    assert {(h["district"], h["town"]) for h in houses} == {("黄浦区", "瑞金二路街道")}


def test_the_set_is_large_valid_and_mixed():
    with (WILD / "register.csv").open(encoding="utf-8") as file:
        houses = {row["house_id"] for row in csv.DictReader(file)}
    entries = load_entries(WILD)
    assert len(entries) >= 300
    invalid = [
        e
        for e in entries
        if not e.get("style") or not e.get("input") or e.get("expect") not in houses | set(NOT_A_HOUSE)
    ]
    assert not invalid, invalid
    assert len({e["input"] for e in entries}) == len(entries), "an input is written twice"
    share = {kind: sum(e["expect"] == kind for e in entries) / len(entries) for kind in NOT_A_HOUSE}
    assert share["review"] >= 0.15 and share["out_of_area"] >= 0.15, share
    assert 1 - sum(share.values()) >= 0.40, share


def test_no_address_gets_a_wrong_house(report):
    assert report["wrong_house"] == 0, f"{report['wrong_house']} wrong houses:\n{_lines(report['wrong'])}"


def test_most_addresses_that_name_a_house_get_it(report):
    missed = [row for row in report["missed"] if row["expected"] not in NOT_A_HOUSE]
    assert report["house_recall"] >= 0.90, f"recall {report['house_recall']}; missed:\n{_lines(missed)}"


def test_addresses_outside_the_subdistrict_are_recognised(report):
    share = report["out_of_area_recognised_share"]
    unseen = [row for row in report["missed"] + report["wrong"] if row["expected"] == "out_of_area"]
    assert share >= 0.95, f"{share} recognised out of area; not recognised:\n{_lines(unseen)}"
