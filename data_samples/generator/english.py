"""Addresses as foreign tenants, their agents and foreign-run shops write them: English or pinyin.

"No. 90 Ruijin Er Rd, Room 301", "Room 1201, No.5, Lane 8, Shaanxi Nan Lu", "Shaanxi Nan Lu 8 Nong 1 Hao 101",
"Apt 502, Bldg 3, 1200 Middle Fuxing Road, Huangpu District, Shanghai". Road names are romanised with
pypinyin, except the few whose spelling is fixed by use (陕西 is Shaanxi on every street sign).
"""

from __future__ import annotations

import random

from pypinyin import lazy_pinyin

from data_samples.generator.geography import House

_SPELLED = {"陕西": "Shaanxi", "延安": "Yan'an", "西门": "Ximen"}  # street-sign spellings pypinyin does not give
_DIRECTIONS = {
    "东": ("Dong", "East", "E"),
    "西": ("Xi", "West", "W"),
    "南": ("Nan", "South", "S"),
    "北": ("Bei", "North", "N"),
    "中": ("Zhong", "Middle", "M"),
}
_ORDINALS = {"一": ("Yi", "1st"), "二": ("Er", "2nd"), "三": ("San", "3rd")}
_TAILS = ("", "", ", Shanghai", ", Huangpu District, Shanghai", ", Huangpu, Shanghai 200020")


def road_name(rng: random.Random, road: str, pinyin: bool = False) -> str:
    """瑞金二路 -> Ruijin Er Rd / Ruijin 2nd Road / Ruijin Er Lu; 复兴中路 -> Middle Fuxing Road / Fuxing Zhong Lu.
    `pinyin`: word for word only (Fuxing Zhong Lu)."""
    stem, tail = road.removesuffix("路"), ""
    if len(stem) > 2 and (stem[-1] in _DIRECTIONS or stem[-1] in _ORDINALS):  # 思南路 and 济南路 have none
        stem, tail = stem[:-1], stem[-1]
    spelled = _SPELLED.get(stem) or "".join(lazy_pinyin(stem)).capitalize()
    if pinyin:
        word = (_DIRECTIONS.get(tail) or _ORDINALS.get(tail) or ("",))[0]
        return f"{spelled} {word} Lu".replace("  ", " ")
    road_word = rng.choice(("Rd", "Road", "Lu", "Rd."))
    if tail in _DIRECTIONS:
        pinyin, english, letter = _DIRECTIONS[tail]
        return rng.choice((f"{spelled} {pinyin} {road_word}", f"{english} {spelled} Road", f"{spelled} Rd ({letter})"))
    if tail in _ORDINALS:
        pinyin, ordinal = _ORDINALS[tail]
        return rng.choice((f"{spelled} {pinyin} {road_word}", f"{spelled} {ordinal} Road"))
    return f"{spelled} {road_word}"


def writable(house: House) -> bool:
    """Foreigners rent flats and run shops; a 石库门 room has no English name anyone uses."""
    return not house.room_is_named


def english_address(rng: random.Random, house: House) -> str:
    """The house in English or pinyin, as one of the forms foreign tenants and shops use."""
    door = f"{house.door_no}{'AB'[house.door_suffix == '乙']}" if house.door_suffix else str(house.door_no)
    room = house.room_no
    unit = f"Unit {house.unit_no}, " if house.unit_no else ""
    if rng.random() < 0.3:  # pinyin word for word, in Chinese order: Shaanxi Nan Lu 8 Nong 1 Hao 101
        road = road_name(rng, house.road, pinyin=True)
        if house.lane_no is not None:
            text = f"{road} {house.lane_no} Nong {house.building_no} Hao {room}"
        elif house.building_no is not None:
            unit_part = f"{house.unit_no} Danyuan " if house.unit_no else ""
            text = f"{road} {door} Hao {house.building_no} Hao Lou {unit_part}{room} Shi"
        else:
            text = f"{road} {door} Hao"
        return text + rng.choice(_TAILS)
    road, room_word = road_name(rng, house.road), rng.choice(("Room", "Rm", "Apt", "Flat"))
    if house.lane_no is not None:  # Room 1201, No.5, Lane 8, Shaanxi Nan Lu
        text = f"{room_word} {room}, No.{house.building_no}, Lane {house.lane_no}, {road}"
    elif house.building_no is not None:  # Apt 502, Bldg 3, 1200 Middle Fuxing Road
        building = rng.choice(
            (f"Bldg {house.building_no}", f"Building {house.building_no}", f"Block {house.building_no}")
        )
        if rng.random() < 0.4:  # No. 90 Ruijin Er Rd, Bldg 2, Room 301
            text = f"No. {door} {road}, {building}, {unit}{room_word} {room}"
        else:
            text = f"{room_word} {room}, {unit}{building}, {rng.choice(('No. ', 'No.', ''))}{door} {road}"
    else:  # a shop door: No. 90 Ruijin Er Rd
        text = rng.choice((f"No. {door} {road}", f"{door} {road}", f"{road} No.{door}"))
    return text + rng.choice(_TAILS)
