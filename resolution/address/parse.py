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
_NUMBER = r"(?:[A-Z]{0,2}\d+[A-Z]?|[A-Z](?=[-/][A-Z]?\d|号|单元|区))(?:[-/][A-Z]{0,2}\d+[A-Z]?)*"
_WORD_CHAR = r"[^\dA-Z\-/_,、.;:?*~#'\"!]|[A-Z](?![A-Z]?\d|[-/][A-Z]?\d|号|单元|区)"
_TOKEN = re.compile(
    r"(?P<numroad>\d+号?(?:大街|大道|国道|省道|路|街|巷))"
    rf"|(?P<num>{_NUMBER})(?P<des>支弄|号楼|号|弄|单元|层|楼|室|铺|组|区|期|街|巷)?"
    rf"|(?P<word>(?:{_WORD_CHAR})+)|(?P<sep>.)"
)
_DROPPED_WORDS = re.compile(
    r"(?P<assist>(?:斜对面|正对面|对面|交叉口|交汇处|路口|旁边|门口|附近|后面|隔壁|[东西南北]侧|楼下|旁|后门|沿街)+)"
    r"|(?:电联|提前致电|电话联系|null|NULL)+"
)
COMPONENT_KEYS = (
    "district",
    "town",
    "community",
    "road",
    "lane_no",
    "door_no",
    "sub_lane",
    "building_no",
    "compound",
    "unit_no",
    "floor_no",
    "room_no",
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
    lane_no, door_no, sub_lane, building_no, compound, unit_no, floor_no, room_no; numbers are plain
    digit strings. Treat it as read-only: parses are cached and shared.
    """

    input: str
    normalized: str
    elements: tuple[Element, ...]
    components: dict[str, str] = field(default_factory=dict)


def _parse(text: str, gazetteer: Gazetteer) -> ParsedAddress:
    norm = normalize_with_offsets(text)
    t = norm.text
    state = State()
    tokens = list(_TOKEN.finditer(t))
    kinds = [m.lastgroup for m in tokens]  # num, des (a num with its designator), numroad, word, sep
    numbers_left = kinds.count("num") + kinds.count("des")
    for k, m in enumerate(tokens):
        kind = kinds[k]
        if kind == "num" or kind == "des":
            numbers_left -= 1
            label_number(state, t, m.start(), m.end(), m.group("des"), numbers_left > 0)
        elif kind == "word":
            road_may_follow = not state.road and not state.poi and _door_follows(norm, tokens, k)
            for start, end, label, canonical in segment_words(
                t, m.start(), m.end(), state.rank, gazetteer, road_may_follow
            ):
                label_name(state, start, end, label, canonical, gazetteer, numbers_left > 0)
        elif kind == "numroad":
            label_numbered_road(state, t, m.start(), m.end())
    starts, ends = norm.starts, norm.ends
    elements = []
    width = 0
    for label, s, e in state.found:
        a, b = starts[s], ends[e - 1]
        if a < b:
            elements.append(Element(label, text[a:b], a, b))
            width += b - a
    if width < len(text):
        elements += _dropped(text, elements)
        elements.sort(key=lambda el: el.start)
    found = state.components
    return ParsedAddress(text, t, tuple(elements), {key: found[key] for key in COMPONENT_KEYS if key in found})


def _door_follows(norm: Normalized, tokens: list[re.Match], k: int) -> bool:
    """Whether token ``k`` is followed by a number written with 号 or 弄 (not one normalisation added: 28-602)."""
    if k + 1 == len(tokens) or tokens[k + 1].lastgroup != "des" or tokens[k + 1].group("des") not in ("号", "弄"):
        return False
    at = tokens[k + 1].start("des")
    return norm.ends[at] > norm.starts[at]


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
