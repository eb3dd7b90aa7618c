"""Address normalisation: every kind of noise the sample world's clerks make, and the traps."""

import pytest

from resolution.address.normalize import normalize, normalize_with_offsets
from resolution.address.numerals import chinese_to_int


@pytest.mark.parametrize(
    "text, value",
    [
        ("三百七十二", 372),
        ("十五", 15),
        ("十", 10),
        ("二十", 20),
        ("一百零五", 105),
        ("三百零八", 308),
        ("一百一十八", 118),
        ("二〇二六", 2026),
        ("四〇二", 402),
        ("两百", 200),
        ("一千二百", 1200),
        ("三四百", None),
        ("百十", None),
        ("", None),
        ("三A", None),
    ],
)
def test_chinese_numerals(text, value):
    assert chinese_to_int(text) == value


@pytest.mark.parametrize(
    "raw, expected",
    [
        # full-width digits and brackets
        ("长乐路３７２弄５号４０２室", "长乐路372弄5号402室"),
        ("长乐路372弄（后门）", "长乐路372弄"),
        # traditional characters
        ("長樂路372弄5號402室", "长乐路372弄5号402室"),
        ("上海市盧灣區長樂路", "上海市黄浦区长乐路"),
        # Chinese numerals in number positions only
        ("长乐路三百七十二弄五号四〇二室", "长乐路372弄5号402室"),
        ("复兴中路一千二百号", "复兴中路1200号"),
        ("锦江公寓十五号楼三单元十二层", "锦江公寓15号楼3单元12层"),
        ("二〇二六号", "2026号"),
        ("瑞金二路十五号", "瑞金二路15号"),
        ("瑞金二路", "瑞金二路"),
        ("十里头村", "十里头村"),
        ("瑞金二八十二号", "瑞金二82号"),  # road suffix omitted: the numeral is the tail
        # designator variants
        ("锦江公寓3幢2单元502房", "锦江公寓3号楼2单元502室"),
        ("锦江公寓3栋502户", "锦江公寓3号楼502室"),
        ("锦江公寓A座502房间", "锦江公寓A号楼502室"),
        ("房管所", "房管所"),
        # separators and bare rooms
        ("长乐路372弄5-402", "长乐路372弄5号402室"),
        ("长乐路372弄5/402", "长乐路372弄5号402室"),
        ("长乐路372弄5号402", "长乐路372弄5号402室"),
        ("锦江公寓3号楼502", "锦江公寓3号楼502室"),
        ("锦江公寓3-5022单元", "锦江公寓3号502室2单元"),
        ("锦江公寓1-302一单元", "锦江公寓1号302室1单元"),
        ("春江路1072-2", "春江路1072-2"),  # right after a road, a dash is a door's sub-number
        # noise words and spaces
        ("长乐路372弄5号402室 对面", "长乐路372弄5号402室"),
        ("长乐路372弄5号402室旁", "长乐路372弄5号402室"),
        ("长乐路372弄5号402室附近", "长乐路372弄5号402室"),
        ("长乐路372弄5号402室（近茂名南路）", "长乐路372弄5号402室"),
        ("长乐路372号近茂名南路", "长乐路372号"),
        ("长乐路372号 沿街", "长乐路372号"),
        ("长乐路 372 弄", "长乐路372弄"),
        ("长乐路372号电联", "长乐路372号"),
        # legacy districts
        ("上海市卢湾区长乐路", "上海市黄浦区长乐路"),
        ("南市区", "黄浦区"),
        ("闸北区天目中路", "静安区天目中路"),
        ("南汇区", "浦东新区"),
        ("川沙县", "浦东新区"),
        ("上海县", "闵行区"),
        ("吴淞区", "宝山区"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_zhabei_never_becomes_beiqu():
    assert "北区" not in normalize("上海市闸北区")


def test_offsets_point_into_the_input():
    raw = "上海市卢湾区長樂路三百七十二弄５號402（后门）"
    norm = normalize_with_offsets(raw)
    assert norm.text == "上海市黄浦区长乐路372弄5号402室"
    spans = [raw[a:b] for a, b in zip(norm.starts, norm.ends, strict=False)]
    assert spans[3:6] == ["卢湾区"] * 3
    assert spans[9:12] == ["三百七十二"] * 3
    assert spans[13] == "５" and spans[14] == "號"
    assert spans[-1] == ""  # the inserted 室 is zero-width, right after 402
    assert norm.starts[-1] == raw.index("（")


def test_inserted_separator_characters_are_zero_width():
    raw = "锦江公寓3-502"
    norm = normalize_with_offsets(raw)
    assert norm.text == "锦江公寓3号502室"
    assert [raw[a:b] for a, b in zip(norm.starts, norm.ends, strict=False)][4:9] == ["3", "", "5", "0", "2"]
