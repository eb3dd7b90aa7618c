"""The sample world is open: rows of other subdistricts, 石库门 rooms, 甲/乙 doors and English addresses."""

import csv
import json
import random
import re
from collections import Counter

import pytest

from data_samples.generator.english import english_address, road_name
from data_samples.generator.generate import SAMPLES
from data_samples.generator.geography import ROOM_NAMES, load_roads
from data_samples.generator.outside import OUTSIDE_ROADS
from data_samples.generator.world import build_world

DISTRICT_SOURCES = ("rental_registration", "market_entities", "hotline_12345", "food_licences")


def _csv(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def records():
    return _csv(SAMPLES / "truth" / "records.csv")


@pytest.fixture(scope="module")
def houses():
    return {h["house_id"]: h for h in _csv(SAMPLES / "truth" / "houses.csv")}


def test_district_and_municipal_sources_hold_rows_of_other_subdistricts(records):
    rows = Counter(r["source"] for r in records)
    outside = [r for r in records if r["names"] == "out_of_area"]
    per_source = Counter(r["source"] for r in outside)
    for source in DISTRICT_SOURCES:
        assert per_source[source] >= 0.05 * rows[source], source
    assert {r["source"] for r in outside} == set(DISTRICT_SOURCES)
    for r in outside:
        assert not (r["house_id"] or r["person_id"] or r["business_id"] or r["event_id"])
        assert json.loads(r["facts"])["district"].endswith("区")


def test_outside_roads_are_not_register_roads_unless_far_beyond():
    own = set(load_roads())
    for row in _csv(OUTSIDE_ROADS):
        assert (row["road"] in own) == (row["kind"] == "beyond"), row


def test_shikumen_doors_hold_several_households_told_apart_by_room_name(houses):
    named = [h for h in houses.values() if h["room_no"] in ROOM_NAMES]
    per_door = Counter((h["road"], h["lane_no"], h["building_no"]) for h in named)
    assert len(per_door) >= 20 and min(per_door.values()) >= 3
    rooms = Counter((h["road"], h["lane_no"], h["building_no"], h["floor_no"], h["room_no"]) for h in named)
    assert max(rooms.values()) == 1  # a name repeats on a door only on another floor (2楼亭子间, 3楼亭子间)


def test_suffixed_doors_stand_beside_their_door_and_both_have_records(houses, records):
    doors = {(h["road"], h["door_no"]): h["house_id"] for h in houses.values() if h["door_no"]}
    suffixed = [(road, door) for road, door in doors if re.fullmatch(r"\d+[甲乙]", door)]
    assert suffixed
    referred = {r["house_id"] for r in records if r["source"] != "address_register"}
    for road, door in suffixed:
        assert doors[road, door] in referred and doors[road, door[:-1]] in referred, (road, door)


def test_english_addresses_name_the_road_as_signs_spell_it():
    rng = random.Random(1)
    assert {road_name(rng, "陕西南路", pinyin=True), road_name(rng, "思南路", pinyin=True)} == {
        "Shaanxi Nan Lu",
        "Sinan Lu",
    }
    world = build_world(300, seed=3)
    flat = next(h for h in world.houses if h.lane_no is not None and h.room_no and h.room_no.isdigit())
    written = english_address(random.Random(2), flat)
    assert str(flat.lane_no) in written and flat.room_no in written and re.search(r"[A-Za-z]{3}", written)
