"""Parse a Chinese address into labelled elements and the components a house match needs.

``parse("上海市卢湾区长乐路372弄5号402室")`` labels 上海市 city, 卢湾区 district (component
黄浦区), 长乐路 road, 372弄 roadno (lane 372), 5号 subroadno (building 5), 402室 roomno. The text is
normalised first (resolution.address.normalize); element offsets point into the input as given.
Names come from a Gazetteer where it knows them, from suffix rules where it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from operator import sub
from typing import NamedTuple

from resolution.address.gazetteer import Gazetteer
from resolution.address.labels import State, label_name, label_number, label_numbered_road
from resolution.address.normalize import Normalized, normalize_with_offsets
from resolution.address.segment import segment_words

LABELS = (
    "country",
    "prov",
    "city",
    "district",
    "devzone",
    "town",
    "community",
    "road",
    "subroad",
    "roadno",
    "subroadno",
    "poi",
    "subpoi",
    "houseno",
    "cellno",
    "floorno",
    "roomno",
    "person",
    "assist",
    "redundant",
    "otherinfo",
)
_SEPARATORS = re.compile(r"[-/_,、.;:?*~#'\"!]")
# A number: digits with an optional letter (B6, 12A), or a lone letter before a dash or designator (A-762, B区).
_NUMBER = r"(?:[A-Z]{0,2}\d+[A-Z甲乙丙丁附]?|[A-Z](?=[-/][A-Z]?\d|号|单元|区))(?:[-/][A-Z]{0,2}\d+[A-Z]?)*"
_WORD_CHAR = r"[^\dA-Z\-/_,、.;:?*~#'\"!]|[A-Z](?![A-Z]?\d|[-/][A-Z]?\d|号|单元|区)"
# Rooms of an old-lane (石库门) house: several households share one door and are told apart only by these.
# Short forms read as the register writes them (前厢 is 前厢房, 灶间 is 灶披间).
ROOM_ALIASES = {
    "前厢": "前厢房",
    "后厢": "后厢房",
    "灶间": "灶披间",
    "灶披": "灶披间",
    "客堂": "客堂间",
    "三层阁楼": "三层阁",
}
_ROOM_NAMES = ("前楼", "后楼", "亭子间", "前厢房", "后厢房", "东厢房", "西厢房", "厢房", "前客堂", "后客堂", "客堂间")
_ROOM_NAMES += ("灶披间", "晒台", "三层阁", "二层阁", "假三层", "过街楼", "阁楼", *ROOM_ALIASES)
ROOM_NAMES = "|".join(sorted(_ROOM_NAMES, key=len, reverse=True))
# A phone number typed into the address (mobile, landline with or without its area code).
_PHONE = r"1[3-9]\d{9}(?!\d)|0\d{2,3}-?\d{7,8}(?!\d)|[2-9]\d{7}(?!\d)"
_TOKEN = re.compile(
    rf"(?=\d{{7}})(?P<phone>{_PHONE})|(?=[前后亭东西厢客灶晒三二假过阁])(?P<roomname>{ROOM_NAMES})"
    r"|(?P<numroad>\d+号?(?:大街|大道|国道|省道|路|街|巷))"
    rf"|(?P<num>{_NUMBER})(?P<des>支弄|号楼|号|弄|单元|层|楼|室|铺|组|区|期|街|巷)?"
    rf"|(?P<word>(?:{_WORD_CHAR})+)|(?P<sep>.)"
)
# Where the address says near what, not which house: 对面, 旁, 附近, 地铁站3号口, 100号近地铁站 (对过 and
# 边上 are Shanghainese); a cross-street hint after the door (100号近茂名南路) still names the door.
_RELATIVE = re.compile(
    r"斜对面|正对面|对面|对过|旁边|边上|旁|附近|隔壁|后面|背后|周边|一带|交叉口|交汇处|路口|[东西南北]侧"
    r"|地铁站|轨交站|\d+号口|出入口|(?<=[\d号弄室楼])近(?![\u4e00-\u9fff]{1,8}?[路街](?:$|[)）]))"
)
_RELATIVE_HINT = re.compile("[面过边旁近隔背周带汇口侧站]")  # a character every relative form holds: a cheap first test
_TWO_SUFFIXES = re.compile(r"[甲乙丙丁]号?[甲乙丙丁]")  # 20号甲乙: which door?
_DROPPED_WORDS = re.compile(
    r"(?P<assist>(?:斜对面|正对面|对面|交叉口|交汇处|路口|旁边|门口|附近|后面|隔壁|[东西南北]侧|楼下|旁|后门|沿街)+)"
    r"|(?:电联|提前致电|电话联系|null|NULL)+"
)
COMPONENT_KEYS = (
    "district",
    "town",
    "community",
    "road",
    "road_written",
    "lane_no",
    "door_no",
    "sub_lane",
    "building_no",
    "compound",
    "unit_no",
    "floor_no",
    "room_no",
    "doubt",
)


@dataclass(frozen=True, slots=True)
class Element:
    """One labelled piece of the input: ``input[start:end] == text``."""

    label: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """The input, its normalised form, its elements in order, and the normalised components for matching.

    ``components`` keys: district (today's name), town, community, road (the register's spelling),
    road_written (the road as written, only when it differs from road), lane_no, door_no, sub_lane, building_no, compound, unit_no, floor_no, room_no; numbers are plain
    digit strings (a door may carry a suffix or a range: 20甲, 51-1, 120-124; a room may be a 石库门
    room's name: 亭子间); doubt says why the address does not name a house on its own (it names a place
    near one: 对面, 旁, 地铁站; a phone number was typed into it; two rooms or two door suffixes). Treat
    it as read-only: parses are cached and shared. An address in English or pinyin is parsed in its
    Chinese rewrite (components["rewritten"]), and its elements point into that rewrite.
    """

    input: str
    normalized: str
    elements: tuple[Element, ...]
    components: dict[str, str] = field(default_factory=dict)


def _parse(text: str, gazetteer: Gazetteer, with_elements: bool = True) -> ParsedAddress:
    rewrite = gazetteer.romanized(text)
    if rewrite is None:
        return _parse_chinese(text, gazetteer, with_elements)
    parsed = _parse_chinese(rewrite, gazetteer, with_elements)  # its elements point into the rewrite
    return ParsedAddress(text, parsed.normalized, parsed.elements, {**parsed.components, "rewritten": rewrite})


class Reading(NamedTuple):
    """What an address's components depend on: its normalised text, the characters normalisation added to it and
    the place it is written relative to (对面, 旁), looked for in the input as given. Addresses written apart only
    in ways normalisation undoes (５号, 五号; 3幢, 3号楼; a space) read alike, and one parse serves them all. An
    address in English or pinyin is read whole (``inserted`` None)."""

    text: str
    inserted: tuple[int, ...] | None
    relative: str | None


def read_address(text: str, gazetteer: Gazetteer) -> Reading:
    """The reading of one address (cheap: normalisation and a look for relative places, no parse)."""
    if gazetteer.romanized(text) is not None:
        return Reading(text, None, None)
    norm = normalize_with_offsets(text)
    return Reading(norm.text, _inserted(norm), _relative(text))


def components_of(reading: Reading, gazetteer: Gazetteer) -> dict[str, str]:
    """The components of every address with this reading, as ``parse(text, gazetteer).components`` gives them."""
    if reading.inserted is None:
        return _parse(reading.text, gazetteer, with_elements=False).components
    return _with_relative(_read(reading.text, reading.inserted, gazetteer)[1], reading.relative)


def _parse_chinese(text: str, gazetteer: Gazetteer, with_elements: bool = True) -> ParsedAddress:
    norm = normalize_with_offsets(text)
    found, components = _read(norm.text, _inserted(norm), gazetteer)
    elements = _elements(text, norm, found) if with_elements else []
    return ParsedAddress(text, norm.text, tuple(elements), _with_relative(components, _relative(text)))


def _inserted(norm: Normalized) -> tuple[int, ...]:
    """The normalised characters no input character was written for (号 in 28-602 -> 28号602室)."""
    widths = list(map(sub, norm.ends, norm.starts))
    if min(widths, default=1) > 0:  # the common case, checked without a loop in Python
        return ()
    return tuple(k for k, width in enumerate(widths) if width <= 0)


def _relative(text: str) -> str | None:
    """The place the input is written relative to (对面, 地铁站), or None."""
    relative = _RELATIVE.search(text) if _RELATIVE_HINT.search(text) else None
    return relative.group() if relative else None


def _with_relative(components: dict[str, str], relative: str | None) -> dict[str, str]:
    """The components with the doubt a relative place gives, which goes before every doubt _read finds."""
    if relative is None:
        return components
    return {**components, "doubt": f"written relative to a place ({relative})"}  # doubt is the last key


def _read(t: str, inserted: tuple[int, ...], gazetteer: Gazetteer) -> tuple[tuple, dict[str, str]]:
    """The labelled spans and the components of normalised text ``t`` (``inserted``: its characters normalisation
    added), without the doubt a relative place gives (_with_relative)."""
    state = State()
    tokens = list(_TOKEN.finditer(t))
    kinds = [m.lastgroup for m in tokens]  # num, des (a num with its designator), numroad, word, sep
    numbers_left = kinds.count("num") + kinds.count("des")
    rooms, phone = kinds.count("roomname"), "phone" in kinds
    for k, m in enumerate(tokens):
        kind = kinds[k]
        if kind == "num" or kind == "des":
            numbers_left -= 1
            label_number(state, t, m.start(), m.end(), m.group("des"), numbers_left > 0)
        elif kind == "word":
            road_may_follow = not state.road and not state.poi and _door_follows(inserted, tokens, k)
            for start, end, label, canonical in segment_words(
                t, m.start(), m.end(), state.rank, gazetteer, road_may_follow
            ):
                label_name(state, start, end, label, canonical, gazetteer, numbers_left > 0)
        elif kind == "numroad":
            label_numbered_road(state, t, m.start(), m.end())
        elif kind == "roomname":
            state.emit("roomno", m.start(), m.end(), "room_no", canonical_room(m.group()))
        elif kind == "phone":
            state.emit("otherinfo", m.start(), m.end())
    found = state.components
    doubt = _doubt(t, state.found, rooms, phone)
    if doubt:
        found["doubt"] = doubt
    written = next((t[s:e] for label, s, e in state.found if label == "road"), None)
    if written is not None and written != found.get("road", written):
        found["road_written"] = written  # 近贤路 read as the register's 进贤路: the matcher says so
    return tuple(state.found), {key: found[key] for key in COMPONENT_KEYS if key in found}


def _elements(text: str, norm: Normalized, found: list[tuple[str, int, int]]) -> list[Element]:
    """The labelled pieces of the input, what normalisation dropped included, in input order."""
    starts, ends = norm.starts, norm.ends
    elements = []
    width = 0
    for label, s, e in found:
        a, b = starts[s], ends[e - 1]
        if a < b:
            elements.append(Element(label, text[a:b], a, b))
            width += b - a
    if width < len(text):
        elements += _dropped(text, elements)
        elements.sort(key=lambda el: el.start)
    return elements


def canonical_room(name: str) -> str:
    """A room as the register writes it: 前厢 -> 前厢房; numbers and other names unchanged."""
    return ROOM_ALIASES.get(name, name)


def _doubt(normalized: str, found: list[tuple[str, int, int]], rooms: int, phone: bool) -> str | None:
    """Why the address may not name one house, or None (``rooms``: room names read; ``phone``: a phone read);
    a place it is written relative to is looked for in the input as given (_with_relative), before these."""
    if "近" in normalized and any(label != "road" and normalized[s:e] == "近" for label, s, e in found):
        return "written relative to a place (近)"
    if phone:
        return "a phone number is typed into it"
    if rooms > 1:
        return "two rooms are written"
    if _TWO_SUFFIXES.search(normalized):
        return "two door suffixes are written"
    return None


def _door_follows(inserted: tuple[int, ...], tokens: list[re.Match], k: int) -> bool:
    """Whether token ``k`` is followed by a number written with 号 or 弄 (not one normalisation added: 28-602)."""
    if k + 1 == len(tokens) or tokens[k + 1].lastgroup != "des" or tokens[k + 1].group("des") not in ("号", "弄"):
        return False
    return tokens[k + 1].start("des") not in inserted


def _dropped(text: str, elements: list[Element]) -> list[Element]:
    """Elements for what normalisation dropped: separators (9-1148) and position words (对面, 旁)."""
    covered = [False] * len(text)
    for element in elements:
        covered[element.start : element.end] = [True] * (element.end - element.start)
    out = []
    for m in _SEPARATORS.finditer(text):
        if not covered[m.start()]:
            out.append(Element("redundant", m.group(), m.start(), m.end()))
    for m in _DROPPED_WORDS.finditer(text):
        if not any(covered[m.start() : m.end()]):
            out.append(Element("assist" if m.lastgroup == "assist" else "redundant", m.group(), m.start(), m.end()))
    return out


@lru_cache(maxsize=500_000)
def _parse_cached(text: str, gazetteer: Gazetteer) -> ParsedAddress:
    return _parse(text, gazetteer)


@cache
def default_gazetteer() -> Gazetteer:
    """Provinces and Shanghai's divisions, without roads or compounds."""
    return Gazetteer.shanghai()


def parse(text: str, gazetteer: Gazetteer | None = None) -> ParsedAddress:
    """Parse one address; repeated strings are answered from a cache (keyed on the gazetteer object).

    Pass the register's Gazetteer (``Gazetteer.shanghai(roads, compounds)``) so roads written without
    their suffix or with a one-character typo come back as the register spells them.
    """
    return _parse_cached(text, gazetteer if gazetteer is not None else default_gazetteer())


def clear_cache() -> None:
    """Forget cached parses (after the register's names change, or to time cold parsing)."""
    _parse_cached.cache_clear()
