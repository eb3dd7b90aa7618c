"""The open world on a small hand-written register: real roads beside the register's, doors and rooms of
old lanes, addresses that name a place near a house, and addresses outside the subdistrict."""

import pytest

from resolution.address.batch import match_addresses
from resolution.address.gazetteer import Gazetteer, distinct_roads
from resolution.address.register import Register, RegisteredHouse


def _house(house_id, road, lane=None, door=None, building=None, room=None, floor=None):
    return RegisteredHouse(
        house_id, road, lane, door, None, building, None, room, "home", floor, "黄浦区", "瑞金二路街道"
    )


REGISTER = Register(
    [
        _house("D20", "陕西南路", door="20"),
        _house("D20J", "陕西南路", door="20甲"),
        _house("D51", "思南路", door="51"),
        _house("D51-1", "思南路", door="51-1"),
        _house("R120", "瑞金二路", door="120-124"),
        _house("T1", "瑞金二路", lane="150", building="7", room="亭子间", floor="2"),
        _house("T2", "瑞金二路", lane="150", building="7", room="亭子间", floor="3"),
        _house("F1", "瑞金二路", lane="150", building="7", room="前楼", floor="2"),
        _house("K1", "瑞金二路", lane="150", building="7", room="客堂间", floor="1"),
        _house("L1", "进贤路", door="12"),
        _house("N28", "重庆南路", door="28"),
        _house("N40", "重庆南路", door="40"),
    ]
)


def match(address):
    return match_addresses([address], REGISTER, workers=1)[0]


@pytest.mark.parametrize(
    "address", ["陕西北路20号", "重庆北路28号", "重庆中路40号", "瑞金一路120-124号", "香港路20号", "山西南路20号"]
)
def test_a_real_road_beside_a_register_road_is_never_corrected_into_it(address):
    found = match(address)
    assert (found.house_id, found.match_level) == (None, "out_of_area"), found.match_reason
    assert "real road" in found.match_reason and found.district


def test_a_misspelt_road_is_corrected_and_says_so():
    found = match("近贤路12号")
    assert found.house_id == "L1" and "近贤路→进贤路" in found.match_reason


def test_a_direction_or_ordinal_is_never_corrected_at_any_similarity():
    assert distinct_roads("陕西北路", "陕西南路") and distinct_roads("瑞金三路", "瑞金二路")
    assert distinct_roads("瑞金路", "瑞金二路") and not distinct_roads("近贤路", "进贤路")
    assert Gazetteer.shanghai(["瑞金二路"]).road("瑞金三路") is None  # not a known road, still not 瑞金二路
    assert match("瑞金三路120-124号").house_id is None


@pytest.mark.parametrize(
    ("address", "district", "town"),
    [
        ("上海市徐汇区陕西南路20号", "徐汇区", None),
        ("黄浦区淮海中路街道陕西南路20号", "黄浦区", "淮海中路街道"),
        ("陕西南路580号", None, None),  # far past the register's doors on the road
    ],
)
def test_an_address_outside_the_subdistrict_is_out_of_area(address, district, town):
    found = match(address)
    assert (found.house_id, found.match_level, found.district, found.town) == (None, "out_of_area", district, town)


@pytest.mark.parametrize(
    ("address", "house"),
    [
        ("陕西南路20号", "D20"),
        ("陕西南路20号甲", "D20J"),
        ("陕西南路20甲号", "D20J"),
        ("20A Shaanxi South Road", "D20J"),
        ("思南路51号之一", "D51-1"),
        ("思南路51号-1", "D51-1"),
        ("瑞金二路120号-124号", "R120"),
        ("重庆南路廿八号", "N28"),
        ("瑞金二路150弄7号二楼亭子间", "T1"),
        ("瑞金二路150弄7号3楼亭子间", "T2"),
        ("瑞金二路150弄7号前楼", "F1"),
        ("瑞金二路150弄7号客堂", "K1"),
        ("No. 12 Jinxian Rd", "L1"),
    ],
)
def test_doors_and_rooms_as_old_lanes_write_them(address, house):
    assert match(address).house_id == house, match(address).match_reason


@pytest.mark.parametrize(
    "address",
    [
        "陕西南路20号对面",
        "陕西南路20号旁",
        "陕西南路地铁站3号口旁",
        "近进贤路12号",
        "进贤路12号 13812345678",
        "瑞金二路150弄7号前楼/亭子间",
        "陕西南路20号甲乙",
        "思南路51号乙",
    ],
)
def test_an_address_that_does_not_name_one_house_goes_to_review_never_to_a_house(address):
    found = match(address)
    assert found.house_id is None and (found.needs_review or found.match_level in ("door", "road")), found.match_reason
