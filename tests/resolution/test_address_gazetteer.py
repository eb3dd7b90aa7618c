"""The gazetteer: longest match, full names before abbreviations, legacy districts, register roads."""

from resolution.address.gazetteer import Gazetteer


def test_longest_match_and_full_names_before_abbreviations():
    gazetteer = Gazetteer.shanghai(["长乐路"])
    text = "长乐路"
    assert gazetteer.longest(text, 0, 3)[1].label == "road"
    assert gazetteer.longest("黄浦区", 0, 3)[1].canonical == "黄浦区"
    abbreviated = gazetteer.longest("黄浦长乐路", 0, 5)
    assert abbreviated[0] == 2 and abbreviated[1].short and abbreviated[1].canonical == "黄浦区"


def test_legacy_districts_point_to_today():
    gazetteer = Gazetteer.shanghai()
    assert gazetteer.entry("卢湾区").canonical == "黄浦区"
    assert gazetteer.entry("闸北区").canonical == "静安区"
    assert gazetteer.entry("北区") is None


def test_committees_are_known_by_their_other_spellings():
    gazetteer = Gazetteer.shanghai()
    assert gazetteer.entry("延中社区").canonical == "延中居委会"
    assert gazetteer.entry("延中居委").label == "community"


def test_roads_one_character_off_and_without_suffix():
    gazetteer = Gazetteer.shanghai(["进贤路", "巨鹿路", "长乐路"])
    assert gazetteer.road("近贤路") == "进贤路"
    assert gazetteer.road("近贤路", one_off=False) is None
    assert gazetteer.road("长乐", suffix_optional=True) == "长乐路"
    assert gazetteer.road("进贤街") is None  # the suffix is never the character that differs
    assert Gazetteer.shanghai().road("长乐路") is None  # no register roads: nothing to say


def test_ambiguous_one_off_road_is_not_guessed():
    gazetteer = Gazetteer.shanghai(["南昌路", "南京路"])
    assert gazetteer.road("南平路") is None
