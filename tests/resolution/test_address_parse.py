"""The address parser: Shanghai lane and compound forms, the traps of public parsers, offsets into the input."""

import pytest

from data_samples.generator.geography import load_roads
from resolution.address.gazetteer import Gazetteer
from resolution.address.parse import LABELS, parse

REGISTER = Gazetteer.shanghai(load_roads(), ["锦江公寓", "步高里"])


def labelled(text, gazetteer=REGISTER):
    return [(e.label, e.text) for e in parse(text, gazetteer).elements]


def test_shanghai_lane_address():
    parsed = parse("上海市黄浦区长乐路372弄5号402室", REGISTER)
    assert labelled(parsed.input) == [
        ("city", "上海市"),
        ("district", "黄浦区"),
        ("road", "长乐路"),
        ("roadno", "372弄"),
        ("subroadno", "5号"),
        ("roomno", "402室"),
    ]
    assert parsed.components == {
        "district": "黄浦区",
        "road": "长乐路",
        "lane_no": "372",
        "building_no": "5",
        "room_no": "402",
    }


def test_shanghai_compound_address():
    parsed = parse("复兴中路1200号锦江公寓3号楼2单元502室", REGISTER)
    assert labelled(parsed.input) == [
        ("road", "复兴中路"),
        ("roadno", "1200号"),
        ("poi", "锦江公寓"),
        ("houseno", "3号楼"),
        ("cellno", "2单元"),
        ("roomno", "502室"),
    ]
    assert parsed.components == {
        "road": "复兴中路",
        "door_no": "1200",
        "compound": "锦江公寓",
        "building_no": "3",
        "unit_no": "2",
        "room_no": "502",
    }


def test_sub_lane_and_floor():
    parsed = parse("长乐路372弄3支弄5号4楼", REGISTER)
    assert labelled(parsed.input) == [
        ("road", "长乐路"),
        ("roadno", "372弄"),
        ("subroad", "3支弄"),
        ("subroadno", "5号"),
        ("floorno", "4楼"),
    ]
    assert parsed.components["sub_lane"] == "3" and parsed.components["floor_no"] == "4"


def test_shop_on_the_road():
    assert parse("茂名南路58号", REGISTER).components == {"road": "茂名南路", "door_no": "58"}


@pytest.mark.parametrize("text, road", [("长乐路12号", "长乐路"), ("长乐市12号", None)])
def test_changle_road_is_not_changle_city(text, road):
    parsed = parse(text, REGISTER)
    assert parsed.components.get("road") == road
    if road:
        assert ("city", "长乐") not in labelled(text) and ("road", "长乐路") in labelled(text)


def test_changle_road_without_register_is_still_a_road():
    assert labelled("福建省福州市长乐路5号", Gazetteer.shanghai())[2] == ("road", "长乐路")


def test_zhabei_is_a_legacy_district_not_beiqu():
    parsed = parse("上海市闸北区天目中路100号")
    assert ("district", "闸北区") in labelled(parsed.input)
    assert parsed.components["district"] == "静安区"
    assert all(e.text != "北区" for e in parsed.elements)


@pytest.mark.parametrize(
    "legacy, today",
    [
        ("卢湾区", "黄浦区"),
        ("南市区", "黄浦区"),
        ("南汇区", "浦东新区"),
        ("川沙县", "浦东新区"),
        ("上海县", "闵行区"),
        ("吴淞区", "宝山区"),
    ],
)
def test_legacy_districts_resolve_to_today(legacy, today):
    parsed = parse(f"上海市{legacy}长乐路1号", REGISTER)
    assert ("district", legacy) in labelled(parsed.input)
    assert parsed.components["district"] == today


def test_district_abbreviation_resolves_to_full_name():
    assert parse("上海黄浦长乐路1号").components["district"] == "黄浦区"


def test_chinese_numerals_and_fullwidth_digits():
    parsed = parse("长乐路三百七十二弄五号４０２房", REGISTER)
    assert labelled(parsed.input) == [
        ("road", "长乐路"),
        ("roadno", "三百七十二弄"),
        ("subroadno", "五号"),
        ("roomno", "４０２房"),
    ]
    assert parsed.components == {"road": "长乐路", "lane_no": "372", "building_no": "5", "room_no": "402"}


def test_missing_prefixes_still_parse():
    assert parse("长乐路372弄5号402室", REGISTER).components == {
        "road": "长乐路",
        "lane_no": "372",
        "building_no": "5",
        "room_no": "402",
    }


@pytest.mark.parametrize(
    "text, road",
    [("长乐372弄5号402室", "长乐路"), ("近贤路12号", "进贤路"), ("巨禄路3号", "巨鹿路"), ("燕荡15号", "雁荡路")],
)
def test_road_suffix_omitted_and_homophones_come_back_as_the_register_spells_them(text, road):
    assert parse(text, REGISTER).components["road"] == road


def test_one_character_off_road_is_corrected_only_before_numbers():
    assert parse("近贤路", REGISTER).components["road"] == "近贤路"


def test_unknown_road_is_kept_as_written():
    assert parse("近贤路12号").components["road"] == "近贤路"  # no register roads: nothing to correct to


@pytest.mark.parametrize(
    "text, building, room",
    [
        ("长乐路372弄5-402", "5", "402"),
        ("长乐路372弄5/402", "5", "402"),
        ("长乐路372弄5号402", "5", "402"),
        ("锦江公寓3-502", "3", "502"),
    ],
)
def test_separators(text, building, room):
    components = parse(text, REGISTER).components
    assert (components["building_no"], components["room_no"]) == (building, room)


def test_designator_variants_give_one_building():
    for text in (
        "复兴中路1200号锦江公寓3幢502室",
        "复兴中路1200号锦江公寓3栋502房",
        "复兴中路1200号锦江公寓3号楼502户",
    ):
        assert parse(text, REGISTER).components["building_no"] == "3"


def test_traditional_characters_and_noise_words():
    parsed = parse("長樂路372弄5號402室（后门）", REGISTER)
    assert parsed.components == {"road": "长乐路", "lane_no": "372", "building_no": "5", "room_no": "402"}
    assert ("road", "長樂路") in labelled(parsed.input)


def test_admin_hierarchy_down_to_the_committee():
    assert labelled("上海市黄浦区瑞金二路街道延中居委会") == [
        ("city", "上海市"),
        ("district", "黄浦区"),
        ("town", "瑞金二路街道"),
        ("community", "延中居委会"),
    ]


def test_repeated_prefix_is_redundant():
    # A repeated block: the one next to the road is the address (the corpus's convention);
    # a name repeated at once (黄浦区黄浦区): the repeat is redundant.
    assert [label for label, _ in labelled("上海市黄浦区上海市黄浦区长乐路1号")][:4] == [
        "redundant",
        "redundant",
        "city",
        "district",
    ]
    assert [label for label, _ in labelled("上海市黄浦区黄浦区长乐路1号")][:3] == ["city", "district", "redundant"]
    assert parse("上海市黄浦区上海市黄浦区长乐路1号").components["district"] == "黄浦区"


@pytest.mark.parametrize(
    "text",
    [
        "上海市卢湾区長樂路三百七十二弄５號402（后门）",
        "长乐路372弄5-402 对面",
        "复兴中路1200号锦江公寓3-5022单元",
        "浙江省杭州市滨江区缤纷北苑47-6-746",
        "  长乐路 372 弄 ",
        "长乐路372号近茂名南路",
        "",
    ],
)
def test_offsets_point_into_the_input(text):
    parsed = parse(text, REGISTER)
    assert all(text[e.start : e.end] == e.text and e.text for e in parsed.elements)
    assert all(e.label in LABELS for e in parsed.elements)
    starts = [e.start for e in parsed.elements]
    assert starts == sorted(starts)


def test_parses_are_cached():
    assert parse("长乐路372弄5号402室", REGISTER) is parse("长乐路372弄5号402室", REGISTER)


@pytest.mark.parametrize("text, compound", [("紫宣路188号西城博司17幢", "西城博司"), ("银城东苑3幢", "银城东苑")])
def test_a_known_short_name_and_the_name_after_it_are_one_compound(text, compound):
    gazetteer = Gazetteer.shanghai(compounds=["西城", "银城"])
    assert parse(text, gazetteer).components["compound"] == compound
    assert [label for label, _ in labelled(text, gazetteer)].count("subpoi") == 0


def test_a_numbered_phase_stays_a_part_of_its_compound():
    assert labelled("万达华府二期3幢", Gazetteer.shanghai(compounds=["万达华府"]))[:2] == [
        ("poi", "万达华府"),
        ("subpoi", "二期"),
    ]


def test_an_unknown_name_without_road_suffix_before_a_door_is_a_place():
    assert labelled("金河源8-143号")[0] == ("poi", "金河源")
