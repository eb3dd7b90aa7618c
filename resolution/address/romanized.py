"""Addresses written in English or pinyin, rewritten the Chinese way: "No. 90 Ruijin Er Rd, Room 301" -> 瑞金二路90号301室.

``Romanizer(roads)`` indexes every known road by its toneless pinyin (陕西 as Shaanxi, 长宁 as Changning);
``to_chinese(text)`` finds the one known road the Latin words name ("Middle Huaihai Road", "Huaihai Rd (M)",
"Huaihaizhong Lu") and places every number by its keyword (No., Lane, Room, Floor, Bldg, Unit, Hao, Nong, Shi)
or, bare, by its place (before the road: the door; after the door: the room). The answer runs from large to
small (上海市黄浦区茂名南路120号3B室) so the Chinese parser reads it. None when the text is Chinese already,
names no known road, two roads, or a road two known roads romanise alike, names a landmark (near, opposite)
or a phone number, or holds a number or a Chinese word it cannot place: never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from itertools import islice, product

# The cheap test that lets Chinese addresses (nearly all input) through: two Latin letters in a row.
_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]{2}")
_TOKEN = re.compile(
    r"(?P<ord>\d+(?:st|nd|rd|th))(?![a-z])"
    r"|(?P<num>[a-z]?\d+(?:[a-z](?![a-z]))?)"
    r"|(?P<word>[a-z]+)"
    r"|(?P<cjk>[\u4e00-\u9fff]+)"
    r"|(?P<punct>\S)"
)
_SPELLED = {"陕": ("shaan", "shan")}  # street signs write 陕西 Shaanxi (山西 is Shanxi); many people write Shanxi
# Readings pypinyin may not pick for a road (长宁路 is Changning, not Zhangning): every one is a key.
_POLYPHONES = {
    "长": ("chang", "zhang"),
    "重": ("chong", "zhong"),
    "乐": ("le", "yue"),
    "厦": ("xia", "sha"),
    "番": ("pan", "fan"),
    "藏": ("zang", "cang"),
    "行": ("xing", "hang"),
    "朝": ("chao", "zhao"),
    "莘": ("xin", "shen"),
    "会": ("hui", "kuai"),
}
_ENGLISH = {  # road words as English writes them -> their pinyin
    "road": ("lu",),
    "rd": ("lu",),
    "street": ("jie", "dajie"),
    "st": ("jie", "dajie"),
    "str": ("jie", "dajie"),
    "avenue": ("dadao", "dajie"),
    "ave": ("dadao", "dajie"),
    "av": ("dadao", "dajie"),
    "boulevard": ("dadao",),
    "blvd": ("dadao",),
    "lane": ("nong",),
    "ln": ("nong",),
    "alley": ("xiang",),
    "highway": ("gonglu",),
    "hwy": ("gonglu",),
}
_GENERIC = set(_ENGLISH) | {"lu", "jie", "dajie", "dadao", "nong", "xiang", "gonglu"}
_DIRECTIONS = {
    "east": "dong",
    "e": "dong",
    "west": "xi",
    "w": "xi",
    "south": "nan",
    "s": "nan",
    "north": "bei",
    "n": "bei",
    "middle": "zhong",
    "mid": "zhong",
    "central": "zhong",
    "m": "zhong",
}
_NUMERALS = ("", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu")
_DISTRICTS = {
    "huangpu": "黄浦区",
    "xuhui": "徐汇区",
    "jingan": "静安区",
    "changning": "长宁区",
    "hongkou": "虹口区",
    "putuo": "普陀区",
    "yangpu": "杨浦区",
    "pudong": "浦东新区",
    "minhang": "闵行区",
    "baoshan": "宝山区",
    "jiading": "嘉定区",
    "jinshan": "金山区",
    "songjiang": "松江区",
    "qingpu": "青浦区",
    "fengxian": "奉贤区",
    "chongming": "崇明区",
    "luwan": "卢湾区",
    "zhabei": "闸北区",
    "nanshi": "南市区",
}
_CITY_WORDS = {"shanghai"}
# Words that name a place, not a road: they may stand before a road name without being part of it.
_PLACE_WORDS = set(_DISTRICTS) | _CITY_WORDS | {"district", "dist", "qu", "new", "area", "xinqu", "china", "prc"}
_PREFIX = {  # a keyword before its number: No. 5, Lane 8, Room 301
    "no": "door",
    "number": "door",
    "num": "door",
    "nr": "door",
    "lane": "lane",
    "ln": "lane",
    "room": "room",
    "rm": "room",
    "apt": "room",
    "apartment": "room",
    "flat": "room",
    "suite": "room",
    "ste": "room",
    "floor": "floor",
    "fl": "floor",
    "flr": "floor",
    "level": "floor",
    "lvl": "floor",
    "bldg": "building",
    "bld": "building",
    "building": "building",
    "block": "building",
    "blk": "building",
    "tower": "building",
    "unit": "unit",
}
_POSTFIX = {  # a keyword after its number, in Chinese order: 8 Nong 1 Hao 101 Shi, 3rd Floor, 3 F
    "hao": "door",
    "nong": "lane",
    "shi": "room",
    "ceng": "floor",
    "lou": "floor",
    "f": "floor",
    "fl": "floor",
    "floor": "floor",
    "danyuan": "unit",
}
_DESIGNATORS = {"号": "door", "弄": "lane", "室": "room", "房": "room", "号楼": "building", "幢": "building"}
_DOOR_SUFFIXES = ("甲", "乙", "丙", "丁")
_DESIGNATORS |= {"栋": "building", "座": "building", "单元": "unit", "层": "floor", "楼": "floor"}
_ROOM_NAMES = {  # 石库门 rooms in pinyin: the room part of the house
    "ketangjian": "客堂间",
    "qianxiangfang": "前厢房",
    "houxiangfang": "后厢房",
    "tingzijian": "亭子间",
    "zaopijian": "灶披间",
    "qianlou": "前楼",
    "houlou": "后楼",
    "sancengge": "三层阁",
    "shaitai": "晒台",
}
# Words that are a place of the house themselves: 石库门 rooms and the floors with a name.
_WORD_PLACES = {name: ("room", chinese) for name, chinese in _ROOM_NAMES.items()}
_WORD_PLACES |= {"basement": ("floor", "B1"), "ground": ("floor", "1"), "gf": ("floor", "1")}
# A place told by another place, or a crossing of two roads: for review, never a house.
_LANDMARKS = {"near", "nearby", "opposite", "opp", "across", "beside", "next", "behind", "corner", "junction"}
_LANDMARKS |= {"intersection", "crossing", "exit", "station", "metro", "subway", "between", "tel", "phone", "mobile"}
_PINYIN_LIKE = re.compile(
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ue|ui|er|a|o|e|i|u|v))+"
)
_ORDER = (("lane", "弄"), ("door", "号"), ("building", "号楼"), ("unit", "单元"), ("floor", "层"), ("room", "室"))
_AMBIGUOUS = ""


def _keys(road: str, lazy_pinyin) -> set[str]:
    """Every toneless spelling of ``road``, syllables run together: 瑞金二路 -> ruijinerlu."""
    syllables = lazy_pinyin(road)
    if len(syllables) != len(road):  # not all Chinese: one spelling, letters only
        return {re.sub(r"[^a-z0-9]", "", "".join(syllables).lower())}
    readings = []
    for char, syllable in zip(road, syllables, strict=True):
        options = _SPELLED.get(char) or (syllable, *_POLYPHONES.get(char, ()))
        readings.append(tuple(dict.fromkeys(r for option in options for r in (option, option.replace("v", "u")))))
    return {"".join(combo) for combo in islice(product(*readings), 64)}


def looks_romanized(text: str) -> bool:
    """Whether ``text`` may be written in Latin letters (two in a row): the cheap test before building a Romanizer."""
    return _LATIN.search(text) is not None


class Romanizer:
    """Known roads by pinyin, and the rewrite of an English or pinyin address into Chinese."""

    def __init__(self, roads: Iterable[str]) -> None:
        from pypinyin import lazy_pinyin  # loads its dictionaries: only when a Romanizer is built

        index: dict[str, str] = {}
        for road in sorted(set(roads)):
            for key in _keys(road, lazy_pinyin):
                index[key] = road if index.get(key, road) == road else _AMBIGUOUS
        self._index = index

    def to_chinese(self, text: str) -> str | None:
        """``text`` in Chinese when it is an address in English or pinyin on a known road, else None."""
        if not _LATIN.search(text):
            return None
        flat = unicodedata.normalize("NFKC", text).lower().replace("ü", "u")
        tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(re.sub(r"['’`]", "", flat))]
        road = self._road(tokens)
        if road is None:
            return None
        name, spans = road
        parts = _places(tokens, spans)
        if parts is None:
            return None
        city, district, slots = parts
        out = [city, district, name]
        for slot, designator in _ORDER:
            value = slots.get(slot)
            if value is not None:
                if value in _ROOM_NAMES.values():
                    out.append(value)
                elif value[-1] in _DOOR_SUFFIXES:
                    out.append(value[:-1] + designator + value[-1])  # 64号甲
                else:
                    out.append(value + designator)
        return "".join(out)

    def _road(self, tokens: list[tuple[str, str]]) -> tuple[str, list[tuple[int, int]]] | None:
        """The one known road the words name, with the token spans [start, end) that name it (an address may
        name it twice: Ruijin Er Rd (Ruijin 2nd Road)); None for no road or several."""
        found: dict[str, list[tuple[int, int]]] = {}
        for i, (kind, word) in enumerate(tokens):
            if kind != "word":
                continue
            if word in _LANDMARKS:
                return None
            hit = self._road_ending_at(tokens, i)
            if hit is not None:
                found.setdefault(hit[0], []).append(hit[1:])
        if len(found) != 1 or _AMBIGUOUS in found:
            return None
        ((name, spans),) = found.items()
        return name, spans

    def _road_ending_at(self, tokens: list[tuple[str, str]], i: int) -> tuple[str, int, int] | None:
        """The known road whose name ends with word ``i``: the longest run of words before it that is one."""
        before = _words_before(tokens, i)
        after = _direction_after(tokens, i) if tokens[i][1] in _GENERIC else None
        for s in range(len(before) + 1):
            if s and not _droppable(tokens[before[s - 1]]):
                break
            positions = before[s:] + [i]
            if tokens[positions[0]][0] != "word":
                continue  # a road name starts with a word; a number before it is the door
            for direction in ([after[0]] if after else []) + [None]:
                hits = {self._index[key] for key in _spellings(tokens, positions, direction) if key in self._index}
                if hits:
                    end = after[1] if direction else i + 1
                    return (hits.pop() if len(hits) == 1 else _AMBIGUOUS), positions[0], end
        return None


def _words_before(tokens: list[tuple[str, str]], i: int) -> list[int]:
    """Positions of the words (and an ordinal) that may belong to a road name ending at word ``i``."""
    out: list[int] = []
    j = i - 1
    while j >= 0 and len(out) < 8:
        kind, text = tokens[j]
        if kind == "punct" and text in "-.":
            j -= 1
        elif kind == "word" and text not in _PREFIX and not (text in _POSTFIX and j and tokens[j - 1][0] == "num"):
            out.append(j)
            j -= 1
        elif kind == "ord" or (kind == "num" and text.isdigit() and len(text) == 1 and not out):
            out.append(j)  # Ruijin 2nd Road, Ruijin 2 Rd, Zhongshan East No.1 Road
            j -= 1
            while j >= 0 and (tokens[j] == ("punct", ".") or tokens[j] == ("word", "no")):
                j -= 1
        else:
            break
    return out[::-1]


def _direction_after(tokens: list[tuple[str, str]], i: int) -> tuple[str, int] | None:
    """A direction written after the road word, "Rd (S.)", "Rd. S", "Road South": its pinyin and where it ends."""
    j = i + 1
    if j < len(tokens) and tokens[j] == ("punct", "."):
        j += 1
    bracket = j < len(tokens) and tokens[j] == ("punct", "(")
    j += bracket
    if j >= len(tokens) or tokens[j][0] != "word" or tokens[j][1] not in _DIRECTIONS:
        return None
    direction, j = _DIRECTIONS[tokens[j][1]], j + 1
    if j < len(tokens) and tokens[j] == ("punct", "."):
        j += 1
    if bracket:
        if j >= len(tokens) or tokens[j] != ("punct", ")"):
            return None
        return direction, j + 1
    if j < len(tokens) and tokens[j][0] == "word" and tokens[j][1] not in _PREFIX:
        return None  # "Rd S" followed by more words is not a direction
    return direction, j


def _droppable(token: tuple[str, str]) -> bool:
    """Whether a token may stand before a road name without being part of it: a number, a place word, or a
    word that is no pinyin (a shop's name); a pinyin syllable may be the head of a road we do not know."""
    kind, text = token
    if kind != "word":
        return kind in ("num", "ord")
    if text in _PLACE_WORDS:
        return True
    return text not in _DIRECTIONS and not _PINYIN_LIKE.fullmatch(text)


def _spellings(tokens: list[tuple[str, str]], positions: list[int], direction: str | None) -> set[str]:
    """Every key the words at ``positions`` may spell, English directions and ordinals put where pinyin has them."""
    parts: list[tuple[tuple[str, ...], str]] = []
    for p in positions:
        kind, text = tokens[p]
        if kind != "word":
            value = int(re.sub(r"\D", "", text))
            if not 0 < value < len(_NUMERALS):
                return set()
            parts.append(((_NUMERALS[value],), "ord"))
        elif text in _DIRECTIONS:
            parts.append(((_DIRECTIONS[text],), "dir"))
        else:
            parts.append((_ENGLISH.get(text, (text,)), "word"))
    if direction is not None:  # Zhongshan Rd (E) 1 is rare; the direction goes before any ordinal and the road word
        at = len(parts) - 1
        while at > 0 and parts[at - 1][1] == "ord":
            at -= 1
        parts.insert(at, ((direction,), "dir"))
    orders = [parts]
    if parts[0][1] == "dir":
        stem = next((k for k in range(1, len(parts)) if parts[k][1] != "word"), len(parts) - 1)
        orders.append(parts[1:stem] + parts[:1] + parts[stem:])  # South Maoming Road -> Maoming Nan Lu
    return {"".join(combo) for order in orders for combo in product(*(options for options, _ in order))}


def _places(tokens: list[tuple[str, str]], spans: list[tuple[int, int]]) -> tuple[str, str, dict[str, str]] | None:
    """City, district and the numbered places (lane, door, building, unit, floor, room) around the road."""
    city = district = ""
    slots: dict[str, str] = {}
    start, end = spans[0]
    used = {k for a, b in spans for k in range(a, b)}
    bare: list[tuple[int, str]] = []
    lane_after_road = _lane_after(tokens, end)
    if lane_after_road is not None:
        used.add(lane_after_road)

    def fill(slot: str, value: str) -> bool:
        value = value.upper()
        return slots.setdefault(slot, value) == value

    for k, (kind, text) in enumerate(tokens):
        if k in used:
            continue
        if kind == "cjk" and text in _ROOM_NAMES.values():
            if not fill("room", text):  # Ruijin Er Lu 54 Nong 1 Hao 亭子间
                return None
        elif kind == "cjk":
            place = _chinese_place(text)
            if place is None or district not in ("", place[1] or district):
                return None
            city, district = place[0] or city, place[1] or district
        elif kind == "word":
            if text in _CITY_WORDS:
                city = "上海市"
            elif text in _DISTRICTS:
                if district not in ("", _DISTRICTS[text]):
                    return None
                district = _DISTRICTS[text]
            elif text in _WORD_PLACES and not fill(*_WORD_PLACES[text]):
                return None
        elif kind == "punct" and text == "+":
            return None  # +86 ...: a phone number
        elif kind in ("num", "ord"):
            value = re.sub(r"(?<=\d)(st|nd|rd|th)$", "", text)
            if value.isdigit() and len(value) >= 7:
                return None  # a phone number
            if value.isdigit() and len(value) == 6 and value.startswith("20"):
                continue  # a Shanghai postcode
            suffix = _door_suffix(tokens, k, used)  # 64甲, 64号甲: a door of its own
            role = "door" if suffix.startswith("号") else _role(tokens, k, used)
            value += suffix.removeprefix("号")
            if k + 2 < len(tokens) and tokens[k + 1] == ("punct", "-") and tokens[k + 2][0] == "num":
                last = tokens[k + 2][1]
                if role != "door" or not _door_range(value, last):
                    return None  # 5-402: building and room, or a range? not ours to say
                value, used = f"{value}-{last}", used | {k + 2}  # a door range keeps both ends: No. 120-124
            if role is None and re.fullmatch(r"\d+f|f\d+|b\d", value):
                role, value = "floor", value.strip("f")  # 3F, F3, B1
            if role == "unit" and (len(value) >= 3 or not value.isdigit()):
                role = "room"  # Unit 1201 is a flat; Unit 2 a stairway (单元)
            if role is None:
                if kind == "ord" or (k != start - 1 and _after_other_word(tokens, k, used)):
                    return None  # 3rd alone; Shop 3, Gate 3, Phase 2: a number some other word places
                bare.append((k, value))
            elif not fill(role, value):
                return None
    for k, value in sorted(bare, key=lambda b: b[0] != start - 1):  # the number right before the road first
        if k < start and lane_after_road is not None and "lane" not in slots:
            slot = "lane"  # 372 Changle Rd. Lane
        else:
            slot = next((s for s in ("door", "room") if s not in slots), None)
        if slot is None or not fill(slot, value):
            return None
    if any(value[-1] in _DOOR_SUFFIXES for slot, value in slots.items() if slot != "door"):
        return None  # 甲 on a room or a lane: not a form anyone writes
    return city, district, slots


def _after_other_word(tokens: list[tuple[str, str]], k: int, used: set[int]) -> bool:
    """Whether the number at ``k`` follows a word this module does not read (Shop 3): that word may place it."""
    if k == 0 or k - 1 in used or tokens[k - 1][0] != "word":
        return False
    word = tokens[k - 1][1]
    return not (word in _PREFIX or word in _POSTFIX or word in _PLACE_WORDS or word in _WORD_PLACES)


def _door_suffix(tokens: list[tuple[str, str]], k: int, used: set[int]) -> str:
    """The 甲 written right after the number at ``k`` (64甲), taken; 号甲 when it says 号 too (64号甲, 64甲号)."""
    if k + 1 < len(tokens) and k + 1 not in used and tokens[k + 1][0] == "cjk":
        text = tokens[k + 1][1]
        core = text.removeprefix("号").removesuffix("号")
        if core in _DOOR_SUFFIXES and len(text) <= 2:
            used.add(k + 1)
            return core if text == core else "号" + core
    return ""


def _door_range(first: str, last: str) -> bool:
    """120-124 is a range of doors; 5-402 is not (a building and a room, most likely)."""
    return first.isdigit() and last.isdigit() and len(first) == len(last) and int(first) < int(last)


def _lane_after(tokens: list[tuple[str, str]], end: int) -> int | None:
    """The position of a "Lane" right after the road with no number of its own: "372 Changle Rd. Lane"."""
    j = end
    while j < len(tokens) and tokens[j] == ("punct", "."):
        j += 1
    if j < len(tokens) and tokens[j][1] in ("lane", "ln", "nong"):
        nxt = tokens[j + 1] if j + 1 < len(tokens) else ("punct", ",")
        if nxt[0] not in ("num", "ord") and nxt not in (("punct", "."), ("punct", "#"), ("punct", ":")):
            return j
    return None


def _role(tokens: list[tuple[str, str]], k: int, used: set[int]) -> str | None:
    """What the number at ``k`` counts by its keyword before (No. 5) or after (5 Hao, 3rd Floor); None if bare."""
    j = k - 1
    while j >= 0 and tokens[j][0] == "punct" and tokens[j][1] in ".:#":
        j -= 1
    if j >= 0 and j not in used and tokens[j][0] == "word" and tokens[j][1] in _PREFIX:
        used.add(j)
        return _PREFIX[tokens[j][1]]
    if k > 0 and tokens[k - 1] == ("punct", "#"):
        return "door"
    j = k + 1
    if j < len(tokens) and tokens[j] == ("punct", "/") and j + 1 < len(tokens) and tokens[j + 1] == ("word", "f"):
        j += 1  # 3/F
    if j < len(tokens) and j not in used:
        kind, text = tokens[j]
        if kind == "word" and text == "hao" and j + 1 < len(tokens) and tokens[j + 1] == ("word", "lou"):
            used.update((j, j + 1))
            return "building"  # 5 Hao Lou: 5号楼
        role = _POSTFIX.get(text) if kind == "word" else _DESIGNATORS.get(text) if kind == "cjk" else None
        if role is not None:
            used.add(j)
            return role
    return None


def _chinese_place(text: str) -> tuple[str, str] | None:
    """(city, district) a Chinese word in a romanised address names: ("", "") for a designator (号, 室) whose
    number has it; None for any other word, which may be a door suffix (甲) or a road: not ours to drop."""
    if text in _DESIGNATORS:
        return "", ""
    rest = text.removeprefix("上海").removeprefix("市")
    city = "上海市" if rest != text else ""
    if rest in _DISTRICTS.values() or not rest:
        return city, rest
    return None
