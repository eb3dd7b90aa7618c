"""English and pinyin addresses come back in Chinese that the parser reads; anything unsure comes back None.

The cases are written by hand in the styles foreign tenants, their agents and shops use, on real roads of
黄浦区 and its neighbours, near-namesakes (瑞金一路/瑞金二路, 陕西南路/陕西北路/山西南路) known side by side.
"""

import pytest

from resolution.address.gazetteer import Gazetteer
from resolution.address.parse import parse
from resolution.address.romanized import Romanizer

ROADS = [
    "瑞金一路",
    "瑞金二路",
    "瑞金南路",
    "陕西南路",
    "陕西北路",
    "山西南路",
    "淮海东路",
    "淮海中路",
    "淮海西路",
    "茂名南路",
    "茂名北路",
    "长乐路",
    "中山东一路",
    "中山东二路",
    "南苏州路",
    "人民大道",
    "重庆南路",
    "重庆北路",
    "长宁路",
    "复兴中路",
    "延安中路",
    "西藏南路",
    "南京西路",
    "南京东路",
    "思南路",
    "巨鹿路",
    "进贤路",
    "建国西路",
    "永嘉路",
    "香山路",
    "雁荡路",
    "皋兰路",
    "马当路",
    "黄陂南路",
    "四川北路",
]


@pytest.fixture(scope="module")
def romanizer() -> Romanizer:
    return Romanizer(ROADS)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.shanghai(ROADS)


# (as written, the Chinese expected, what the parser must read in it)
CASES = [
    ("No. 90 Ruijin Er Rd, Room 301", "瑞金二路90号301室", {"road": "瑞金二路", "door_no": "90", "room_no": "301"}),
    (
        "Room 1201, No.5, Lane 8, Shaanxi Nan Lu",
        "陕西南路8弄5号1201室",
        {"road": "陕西南路", "lane_no": "8", "building_no": "5", "room_no": "1201"},
    ),
    (
        "Shaanxi Nan Lu 8 Nong 1 Hao 101",
        "陕西南路8弄1号101室",
        {"road": "陕西南路", "lane_no": "8", "building_no": "1", "room_no": "101"},
    ),
    (
        "Apt 3B, 120 South Maoming Road, Huangpu District, Shanghai",
        "上海市黄浦区茂名南路120号3B室",
        {"district": "黄浦区", "road": "茂名南路", "door_no": "120", "room_no": "3B"},
    ),
    (
        "Rm 402, Bldg 5, Lane 372 Changle Rd., Jing'an District, Shanghai 200040",
        "上海市静安区长乐路372弄5号楼402室",
        {"district": "静安区", "road": "长乐路", "lane_no": "372", "building_no": "5", "room_no": "402"},
    ),
    (
        "372 Changle Rd. Lane, Bldg 5, Rm 402",
        "长乐路372弄5号楼402室",
        {"road": "长乐路", "lane_no": "372", "building_no": "5", "room_no": "402"},
    ),
    ("Flat 2, 18 Middle Huaihai Road", "淮海中路18号2室", {"road": "淮海中路", "door_no": "18", "room_no": "2"}),
    ("Huaihai Rd (M) 18", "淮海中路18号", {"road": "淮海中路", "door_no": "18"}),
    ("Ruijin 2nd Road No. 158, 3F", "瑞金二路158号3层", {"road": "瑞金二路", "door_no": "158", "floor_no": "3"}),
    ("158 Ruijin 1st Rd, Suite 1503", "瑞金一路158号1503室", {"road": "瑞金一路", "door_no": "158", "room_no": "1503"}),
    ("No.20A Shaanxi South Road", "陕西南路20A号", {"road": "陕西南路", "door_no": "20A"}),
    ("No. 20 Shaanxi North Road", "陕西北路20号", {"road": "陕西北路", "door_no": "20"}),
    ("RUIJIN ER ROAD 90, ROOM 301", "瑞金二路90号301室", {"road": "瑞金二路", "door_no": "90", "room_no": "301"}),
    ("Ruijiner Rd 90, Apt 301", "瑞金二路90号301室", {"road": "瑞金二路", "door_no": "90", "room_no": "301"}),
    (
        "Unit 1201, 18 Middle Huaihai Road, Shanghai 200020, China",
        "上海市淮海中路18号1201室",
        {"road": "淮海中路", "door_no": "18", "room_no": "1201"},
    ),
    (
        "Fuxing Zhong Lu 1200 Hao 3 Hao Lou 2 Danyuan 502 Shi",
        "复兴中路1200号3号楼2单元502室",
        {"road": "复兴中路", "door_no": "1200", "building_no": "3", "unit_no": "2", "room_no": "502"},
    ),
    (
        "Apt 502, Bldg 3, Unit 2, 1200 Middle Fuxing Road",
        "复兴中路1200号3号楼2单元502室",
        {"road": "复兴中路", "door_no": "1200", "building_no": "3", "unit_no": "2", "room_no": "502"},
    ),
    ("Zhongshan East 1st Rd No. 12", "中山东一路12号", {"road": "中山东一路", "door_no": "12"}),
    (
        "12 East Zhongshan No.2 Road, Huangpu",
        "黄浦区中山东二路12号",
        {"district": "黄浦区", "road": "中山东二路", "door_no": "12"},
    ),
    ("Maoming Rd. S 120, 2/F", "茂名南路120号2层", {"road": "茂名南路", "door_no": "120", "floor_no": "2"}),
    ("Nanjing Rd (W) 1266, Level 5", "南京西路1266号5层", {"road": "南京西路", "door_no": "1266", "floor_no": "5"}),
    ("East Nanjing Rd 300", "南京东路300号", {"road": "南京东路", "door_no": "300"}),
    ("Nan Suzhou Lu 5", "南苏州路5号", {"road": "南苏州路", "door_no": "5"}),
    ("South Suzhou Road 5", "南苏州路5号", {"road": "南苏州路", "door_no": "5"}),
    ("Changning Rd 100", "长宁路100号", {"road": "长宁路", "door_no": "100"}),
    (
        "Lane 61, No.2, South Chongqing Road",
        "重庆南路61弄2号",
        {"road": "重庆南路", "lane_no": "61", "building_no": "2"},
    ),
    ("Yan'an Zhong Lu 100 Hao", "延安中路100号", {"road": "延安中路", "door_no": "100"}),
    ("Renmin Avenue 200", "人民大道200号", {"road": "人民大道", "door_no": "200"}),
    (
        "Jinxian Lu 45 Hao, Shanghai Shi Huangpu Qu",
        "上海市黄浦区进贤路45号",
        {"district": "黄浦区", "road": "进贤路", "door_no": "45"},
    ),
    ("Starbucks Reserve, 18 Middle Huaihai Rd", "淮海中路18号", {"road": "淮海中路", "door_no": "18"}),
    (
        "Shaanxi Nan Lu 8 Nong 1 Hao 101 Shi, Huangpu Qu",
        "黄浦区陕西南路8弄1号101室",
        {"district": "黄浦区", "road": "陕西南路", "lane_no": "8", "building_no": "1", "room_no": "101"},
    ),
    (
        "Rm. 301, No. 5, Lane 100, Yongjia Rd., Xuhui Dist.",
        "徐汇区永嘉路100弄5号301室",
        {"district": "徐汇区", "road": "永嘉路", "lane_no": "100", "building_no": "5", "room_no": "301"},
    ),
    ("3rd Floor, 90 Ruijin Er Road", "瑞金二路90号3层", {"road": "瑞金二路", "door_no": "90", "floor_no": "3"}),
    ("Xiangshan Lu 7 Hao", "香山路7号", {"road": "香山路", "door_no": "7"}),
    ("Huangpi Nan Lu 374", "黄陂南路374号", {"road": "黄陂南路", "door_no": "374"}),
    ("Jianguo West Road 8", "建国西路8号", {"road": "建国西路", "door_no": "8"}),
    (
        "Ruijin-Er Lu No. 90, 2 Danyuan 301",
        "瑞金二路90号2单元301室",
        {"road": "瑞金二路", "door_no": "90", "unit_no": "2", "room_no": "301"},
    ),
    ("Gaolan Rd 2, B1", "皋兰路2号B1层", {"road": "皋兰路", "door_no": "2"}),  # the parser owns how B1 reads
    ("Lane 38 Yandang Road No.3", "雁荡路38弄3号", {"road": "雁荡路", "lane_no": "38", "building_no": "3"}),
    (
        "18 Huaihai Rd. (M), 3/F, Unit 2",
        "淮海中路18号2单元3层",
        {"road": "淮海中路", "door_no": "18", "unit_no": "2", "floor_no": "3"},
    ),
    ("Ruijin Er Lu 90号301室", "瑞金二路90号301室", {"road": "瑞金二路", "door_no": "90", "room_no": "301"}),
    (
        "上海市黄浦区 Ruijin Er Lu 90 Hao",
        "上海市黄浦区瑞金二路90号",
        {"district": "黄浦区", "road": "瑞金二路", "door_no": "90"},
    ),
    ("Sichuan North Road 1800", "四川北路1800号", {"road": "四川北路", "door_no": "1800"}),
    (
        "8 Nong 1 Hao Shaanxi Nan Lu",
        "陕西南路8弄1号",
        {"road": "陕西南路", "lane_no": "8", "building_no": "1"},
    ),
    (
        "No. 90 Ruijin Er Rd (Ruijin 2nd Road), Room 301",
        "瑞金二路90号301室",
        {"road": "瑞金二路", "door_no": "90", "room_no": "301"},
    ),
    ("Ground Floor, 18 Middle Huaihai Rd", "淮海中路18号1层", {"road": "淮海中路", "door_no": "18", "floor_no": "1"}),
]


@pytest.mark.parametrize(("written", "chinese", "components"), CASES, ids=[case[0] for case in CASES])
def test_english_and_pinyin_addresses_come_back_in_chinese_the_parser_reads(
    romanizer, gazetteer, written, chinese, components
):
    assert romanizer.to_chinese(written) == chinese
    parsed = parse(chinese, gazetteer).components
    assert {key: parsed.get(key) for key in components} == components


def test_a_door_range_keeps_both_ends(romanizer):
    assert romanizer.to_chinese("No. 120-124 Ruijin Er Rd") == "瑞金二路120-124号"
    assert romanizer.to_chinese("No. 5-402 Ruijin Er Rd") is None  # building and room, or a range: unsure


def test_a_shikumen_room_in_pinyin_or_chinese_is_the_room(romanizer):
    assert romanizer.to_chinese("Sinan Lu 51 Hao Tingzijian") == "思南路51号亭子间"
    assert romanizer.to_chinese("Ruijin Er Lu 54 Nong 1 Hao 前楼") == "瑞金二路54弄1号前楼"


def test_a_door_suffix_stays_on_the_door(romanizer):
    assert romanizer.to_chinese("No. 20甲 Shaanxi Nan Lu") == "陕西南路20号甲"
    assert romanizer.to_chinese("Lane 8, No. 1乙号, Shaanxi Nan Lu, Room 101") == "陕西南路8弄1号乙101室"
    assert romanizer.to_chinese("No.20A Shaanxi South Road") == "陕西南路20A号"  # a Latin letter is kept as written


@pytest.mark.parametrize(
    "chinese",
    [
        "上海市黄浦区瑞金二路90号301室",
        "陕西南路8弄1号101室",
        "长乐路372弄5号 NULL",
        "SOHO复兴广场",
        "淮海中路18号B1层",
        "",
    ],
)
def test_chinese_addresses_are_left_to_the_chinese_parser(romanizer, chinese):
    assert romanizer.to_chinese(chinese) is None


@pytest.mark.parametrize(
    "written",
    [
        "No. 5 Hengshan Rd",  # 衡山路 is not among the known roads
        "Huaihai Road 18",  # there is no 淮海路: only 淮海东路, 淮海中路, 淮海西路
        "12 Lujiazui Ring Rd",
        "Ruijin 3rd Road 5",  # no 瑞金三路
    ],
)
def test_an_unknown_road_is_none(romanizer, written):
    assert romanizer.to_chinese(written) is None


def test_two_known_roads_spelled_alike_are_never_guessed():
    assert Romanizer(["长乐路"]).to_chinese("Changle Rd 5") == "长乐路5号"
    assert Romanizer(["长乐路", "昌乐路"]).to_chinese("Changle Rd 5") is None


def test_shaanxi_is_not_shanxi(romanizer):
    assert romanizer.to_chinese("Shaanxi Nan Lu 8 Nong 1 Hao") == "陕西南路8弄1号"
    assert romanizer.to_chinese("Shanxi Nan Lu 8 Nong 1 Hao") is None  # many write 陕西 Shanxi: 山西南路 or 陕西南路
    assert Romanizer(["山西南路"]).to_chinese("Shanxi Nan Lu 8 Nong 1 Hao") == "山西南路8弄1号"


@pytest.mark.parametrize(
    "written",
    [
        "Opposite 120 South Maoming Road",
        "Near Exit 3, South Shaanxi Road Station",
        "Corner of Changle Rd and Ruijin Er Rd",
        "Changle Rd / Ruijin Er Rd",  # two roads
        "90 Ruijin Er Rd 13812345678",  # a phone number
        "90 Ruijin Er Rd, +86 21 5555 1234",
        "90 Ruijin Er Rd 301 5",  # a number with no place
        "Shop 3, 18 Middle Huaihai Rd",  # a number another word places
        "Gate 2, Lane 8, Shaanxi Nan Lu",
        "No. 20 Shaanxi Nan Lu 后门",  # a Chinese word it does not know
        "Room 101甲, 90 Ruijin Er Rd",  # 甲 marks a door, not a room
    ],
)
def test_landmarks_phones_and_unplaced_numbers_are_none(romanizer, written):
    assert romanizer.to_chinese(written) is None
