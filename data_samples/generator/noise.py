"""How departments mis-write what they see: addresses, ID numbers, phones and names, at set rates.

Each export gets a ``Noise`` with its own random stream, so adding one source never changes
another source's bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import opencc

from data_samples.generator.geography import CITY_NAME, DISTRICT_NAME, ROOM_FLOORS, House

_S2T = opencc.OpenCC("s2t")
_DIGITS = "〇一二三四五六七八九"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HOMOPHONES = {
    "进贤路": "近贤路",
    "巨鹿路": "巨禄路",
    "皋兰路": "高兰路",
    "嘉善路": "佳善路",
    "思南路": "斯南路",
    "雁荡路": "燕荡路",
    "香山路": "香杉路",
    "绍兴路": "邵兴路",
    "永嘉路": "永佳路",
    "建德路": "建得路",
}
# Remarks that leave the house named: 对面 and 旁 would name the house opposite or beside, which no truth
# here can say, so the world does not write them (the hand-written wild set holds them, as review).
_NEAR = ("（后门）", "（近茂名南路）", " 沿街")


@dataclass(frozen=True)
class NoiseRates:
    """Share of values that get each kind of noise; every rate is a parameter of the generator."""

    legacy_district: float = 0.12  # 卢湾区 for 黄浦区
    no_prefix: float = 0.45  # no city and district
    no_city: float = 0.2
    chinese_numerals: float = 0.04  # 三百七十二弄
    fullwidth_digits: float = 0.04  # ３７２弄
    designator_variant: float = 0.25  # 幢/栋 for 号楼, 房 for 室
    bare_room: float = 0.08  # 5号402
    dash_separator: float = 0.05  # 5-402
    road_suffix_omitted: float = 0.02  # 长乐372弄
    homophone_typo: float = 0.02  # 近贤路
    noise_words: float = 0.03  # （后门）, （近茂名南路）
    traditional: float = 0.02  # 長樂路
    masked_id: float = 0.03  # 310101********123X
    short_id: float = 0.02  # 15-digit pre-1999 number
    lowercase_x: float = 0.3  # of IDs ending in X
    excel_mangled_id: float = 0.02  # 3.10101E+17, only where a ledger passed through Excel
    phone_format: float = 0.2  # +86, dashes, spaces
    masked_phone: float = 0.03  # 138****5678
    duplicate_row: float = 0.01

    def scaled(self, factor: float) -> NoiseRates:
        return replace(self, **{k: min(1.0, v * factor) for k, v in self.__dict__.items()})


def _chinese_number(n: int) -> str:
    """372 -> 三百七十二, 15 -> 十五, 2026 -> 二〇二六 (four digits are read digit by digit)."""
    if n >= 1000:
        return "".join(_DIGITS[int(d)] for d in str(n))
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out = f"{_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (_DIGITS[ones] if ones else "") or "〇"


class Noise:
    def __init__(self, rng: random.Random, rates: NoiseRates):
        self.rng, self.rates = rng, rates

    def hit(self, rate: float) -> bool:
        return self.rng.random() < rate

    def _number(self, n: int) -> str:
        if self.hit(self.rates.chinese_numerals):
            return _chinese_number(n)
        if self.hit(self.rates.fullwidth_digits):
            return str(n).translate(_FULLWIDTH)
        return str(n)

    def address(self, house: House, prefix: bool = True) -> str:
        """The house's address as a clerk would type it."""
        r, hit = self.rates, self.hit
        road = house.road
        if hit(r.homophone_typo):
            road = HOMOPHONES.get(road, road)
        if hit(r.road_suffix_omitted) and road.endswith("路"):
            road = road[:-1]
        parts = []
        if prefix and not hit(r.no_prefix):
            district = "卢湾区" if hit(r.legacy_district) else DISTRICT_NAME
            parts.append(district if hit(r.no_city) else CITY_NAME + district)
        parts.append(road)
        if house.lane_no is not None:
            parts.append(f"{self._number(house.lane_no)}弄")
        if house.door_no is not None:
            number, suffix = self._number(house.door_no), house.door_suffix
            # 20号甲 and 20甲号 are both written for door 20甲
            parts.append(f"{number}号{suffix}" if suffix and self.rng.random() < 0.5 else f"{number}{suffix}号")
        if house.compound and house.lane_no is None:
            parts.append(house.compound)
        room = house.room_no
        if house.room_is_named:  # 石库门: 5号亭子间, 5号2楼前楼, 5号二楼亭子间
            parts.append(f"{self._number(house.building_no)}号{self._room_name(house)}")
            room = None
        elif house.building_no is not None:
            building = self._number(house.building_no)
            if room and house.unit_no is None and hit(r.dash_separator):  # 5-402; never across a unit
                parts.append(f"{building}-{room}")
                room = None
            elif house.lane_no is not None:
                parts.append(f"{building}号")
            else:
                parts.append(building + (self.rng.choice(("幢", "栋")) if hit(r.designator_variant) else "号楼"))
        if house.unit_no is not None:
            parts.append(f"{self._number(house.unit_no)}单元")
        if room:
            if hit(r.bare_room):
                parts.append(room)
            else:
                parts.append(room + ("房" if hit(r.designator_variant) else "室"))
        text = "".join(parts)
        if hit(r.noise_words):
            text += self.rng.choice(_NEAR)
        if hit(r.traditional):
            text = _S2T.convert(text)
        return text

    def _room_name(self, house: House) -> str:
        """A 石库门 room as clerks write it: the name, a floor before it where the door has one per floor
        (二楼亭子间), and now and then the floor it is on anyway (2楼前楼, 底楼客堂间)."""
        floor = house.floor_no or (ROOM_FLOORS.get(house.room_no) if self.rng.random() < 0.3 else None)
        if floor is None:
            return house.room_no
        written = self.rng.choice(
            ("底楼", "一楼", "1楼") if floor == 1 else (f"{floor}楼", f"{_chinese_number(floor)}楼", f"{floor}层")
        )
        return written + house.room_no

    def id_number(self, number: str, excel: bool = False) -> str:
        """An ID number as a ledger holds it: mostly right, sometimes masked, short, or mangled by Excel."""
        if not number:  # a system that never saw the person's ID number (someone who moved in) leaves it blank
            return ""
        r, hit = self.rates, self.hit
        if excel and hit(r.excel_mangled_id):
            return f"{int(number[:17]) / 10**17 * 10:.5f}".rstrip("0") + "E+17"
        if hit(r.masked_id):
            return number[:6] + "*" * 8 + number[14:]
        if hit(r.short_id) and number[6:8] == "19":
            return number[:6] + number[8:17]  # the pre-1999 15-digit form: 2-digit year, no check
        if number.endswith("X") and hit(r.lowercase_x):
            return number[:-1] + "x"
        return number

    def phone(self, phone: str) -> str:
        r, hit = self.rates, self.hit
        if hit(r.masked_phone) and len(phone) == 11:
            return phone[:3] + "****" + phone[7:]
        if hit(r.phone_format):
            if phone.startswith("021"):
                return self.rng.choice((f"021-{phone[3:]}", phone[3:], f"(021){phone[3:]}"))
            return self.rng.choice(
                (
                    f"+86 {phone}",
                    f"86-{phone}",
                    f"{phone[:3]} {phone[3:7]} {phone[7:]}",
                    f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
                )
            )
        return phone

    def name(self, name: str) -> str:
        return _S2T.convert(name) if self.hit(self.rates.traditional) else name
