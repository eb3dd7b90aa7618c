"""The names the parser trusts: divisions, roads and compounds, looked up by longest match.

``Gazetteer.shanghai(roads, compounds)`` knows China's provinces, Shanghai's districts (today's and
legacy), subdistricts and committees from ``schemas/divisions.csv``, plus the roads and compound
names the caller's register holds. A full name (长乐路, 长乐市) always beats an abbreviation, and an
abbreviation never swallows the suffix of a longer name: that is what keeps 长乐路 a road.

It also knows real roads beyond the register (``schemas/roads.csv``: each with its districts, the
subdistricts it runs through where known, and the source of the name):
a written road that is itself a real road is never corrected into another, and neither is a road that
differs from a register road only by a direction or an ordinal (陕西北路 is not 陕西南路, 瑞金一路 is not
瑞金二路): in Shanghai those are distinct roads, often in the next subdistrict.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import NamedTuple

from resolution.address.normalize import LEGACY_DISTRICTS
from resolution.address.romanized import Romanizer, looks_romanized

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
DIVISIONS = SCHEMAS / "divisions.csv"
KNOWN_ROADS = SCHEMAS / "roads.csv"
# Characters that make distinct roads of one stem: 陕西南路/陕西北路, 瑞金一路/瑞金二路, 中山东一路/中山东二路.
_DISTINCT = (frozenset("东西南北中"), frozenset("一二三四五六七八九十"))
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
PROVINCES = [
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
]
_ADMIN_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "新区", "省", "市", "区", "县")
ROAD_SUFFIXES = ("大道", "大街", "公路", "路", "街", "巷", "弄")
# Where two entries spell the same string, the earlier label in this order wins.
_LABEL_RANK = {
    label: rank
    for rank, label in enumerate(
        ("road", "prov", "city", "district", "devzone", "town", "community", "subroad", "poi", "subpoi")
    )
}


class KnownRoad(NamedTuple):
    districts: tuple[str, ...]
    towns: tuple[str, ...]  # subdistricts it is known to run through (empty: not known)


@cache
def known_roads() -> dict[str, KnownRoad]:
    """Real roads of central Shanghai beyond any register, each with the districts (and, where known, the
    subdistricts) it runs through."""
    with KNOWN_ROADS.open(encoding="utf-8") as f:
        return {
            row["road"]: KnownRoad(tuple(row["districts"].split("|")), tuple(filter(None, row["towns"].split("|"))))
            for row in csv.DictReader(f)
        }


def distinct_roads(written: str, road: str) -> bool:
    """Whether ``written`` names another road than ``road``, not a misspelling of it: they differ in a
    direction or an ordinal (南 for 北, 一 for 二, 瑞金路 for 瑞金二路), which in Shanghai makes another road."""
    marked = _DISTINCT[0] | _DISTINCT[1]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, written, road, autojunk=False).get_opcodes():
        a, b = written[i1:i2], road[j1:j2]
        if tag == "replace" and len(a) == len(b):
            if any(x in kind and y in kind for x, y in zip(a, b, strict=True) for kind in _DISTINCT):
                return True
        elif tag != "equal" and any(c in marked for c in a + b):
            return True
    return False


@cache
def shanghai_towns() -> dict[str, str]:
    """Shanghai's subdistricts and towns (街道, 镇) by name, each with its district's name."""
    with DIVISIONS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    districts = {row["code"]: row["name"] for row in rows if row["level"] == "district"}
    return {row["name"]: districts.get(row["parent_code"], "") for row in rows if row["level"] == "street"}


@dataclass(frozen=True, slots=True)
class Entry:
    """A known name: its label, the name to report for matching (today's, in full), and whether it is abbreviated."""

    label: str
    canonical: str
    short: bool = False


def _precedence(entry: Entry) -> tuple[bool, int]:
    """Full names before abbreviations, then by label."""
    return entry.short, _LABEL_RANK.get(entry.label, 99)


def _abbreviation(name: str) -> str | None:
    """黄浦区 -> 黄浦, 浙江省 -> 浙江, 广西壮族自治区 -> 广西; None when too little would remain (东区)."""
    for suffix in _ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class Gazetteer:
    """Known names by label, with longest-match lookup and one-character-off road matching."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}
        self._roads: set[str] = set()  # the register's roads: the only roads a written name is corrected to
        self._known_roads: set[str] = set()  # real roads, never corrected into another
        self._road_variants: dict[str, str | None] = {}
        self._romanizer: Romanizer | None = None  # built on the first English or pinyin address
        # fuzzy look-ups repeat across addresses
        self._road_cache: dict[tuple[str, bool, bool], str | None] = {}

    @classmethod
    def shanghai(cls, roads: Iterable[str] = (), compounds: Iterable[str] = ()) -> Gazetteer:
        """Provinces, the four municipalities, Shanghai's divisions (legacy names included), the real
        roads of schemas/roads.csv, and the roads and compounds of the caller's register."""
        gazetteer = _shanghai().copy()  # the reference names are read once a process (0.25 s), the register's added
        gazetteer.add("road", roads)
        gazetteer.add("poi", compounds)
        return gazetteer

    def copy(self) -> Gazetteer:
        """A gazetteer that knows what this one knows; names added to it are not added to this one."""
        other = Gazetteer()
        other._entries, other._lengths = dict(self._entries), dict(self._lengths)
        other._roads, other._known_roads = set(self._roads), set(self._known_roads)
        other._road_variants = dict(self._road_variants)
        return other

    def add(
        self,
        label: str,
        names: Iterable[str],
        canonical: str | None = None,
        abbreviate: bool = False,
        register: bool = True,
    ) -> None:
        """Know ``names`` as ``label``; ``abbreviate`` also knows 黄浦 for 黄浦区 (never over a full name);
        a road from outside the register (``register=False``) is known but never a correction's target."""
        for name in names:
            if not name:
                continue
            self._put(name, Entry(label, canonical or name))
            short = _abbreviation(name) if abbreviate else None
            if short:
                self._put(short, Entry(label, canonical or name, short=True))
            if label == "road":
                self._known_roads.add(canonical or name)
                self._romanizer = None
                if register:
                    self._add_road(canonical or name)
                self._road_cache.clear()

    def _put(self, name: str, entry: Entry) -> None:
        old = self._entries.get(name)
        if old is not None and _precedence(old) <= _precedence(entry):
            return
        self._entries[name] = entry
        lengths = set(self._lengths.get(name[0], ())) | {len(name)}
        self._lengths[name[0]] = tuple(sorted(lengths, reverse=True))

    def _add_road(self, road: str) -> None:
        self._roads.add(road)
        for i in range(len(road) - 1):  # one character off, the suffix kept: 近贤路 for 进贤路
            key = road[:i] + "\0" + road[i + 1 :]
            self._road_variants[key] = None if self._road_variants.get(key, road) != road else road

    def longest(self, text: str, start: int, end: int) -> tuple[int, Entry] | None:
        """The longest known name in ``text[start:end]`` that starts at ``start``, as (end, entry)."""
        entries = self._entries
        for length in self._lengths.get(text[start], ()):
            stop = start + length
            if stop <= end:
                entry = entries.get(text[start:stop])
                if entry is not None:
                    return stop, entry
        return None

    def entry(self, name: str) -> Entry | None:
        """The entry spelled exactly ``name``."""
        return self._entries.get(name)

    @property
    def has_roads(self) -> bool:
        return bool(self._roads)

    def romanized(self, text: str) -> str | None:
        """An English or pinyin address on a known road, rewritten in Chinese (No. 90 Ruijin Er Rd -> 瑞金二路90号); else None."""
        if not looks_romanized(text):
            return None
        if self._romanizer is None:
            self._romanizer = Romanizer(self._known_roads)
        return self._romanizer.to_chinese(text)

    def is_known_road(self, name: str) -> bool:
        """Whether ``name`` is a real road: the register's or one of schemas/roads.csv."""
        return name in self._known_roads

    def road(self, name: str, suffix_optional: bool = False, one_off: bool = True) -> str | None:
        """The register's road for ``name``: itself or, with ``one_off``, the register road one character
        off it, suffix kept (近贤路 -> 进贤路); with ``suffix_optional``, ``name`` + 路/街 likewise (长乐 ->
        长乐路, 燕荡 -> 雁荡路). None when unknown, ambiguous, a real road outside the register (陕西北路)
        or one direction or ordinal off (瑞金三路). An index of every road with one character blanked
        answers in a few dictionary look-ups, however many roads the register holds."""
        if not self._roads:
            return None
        if name in self._roads:
            return name
        if name in self._known_roads:
            return None
        key = (name, suffix_optional, one_off)
        if key not in self._road_cache:
            if len(self._road_cache) > 100_000:
                self._road_cache.clear()
            self._road_cache[key] = self._find_road(name, suffix_optional, one_off)
        return self._road_cache[key]

    def _find_road(self, name: str, suffix_optional: bool, one_off: bool) -> str | None:
        candidates = [name + suffix for suffix in ROAD_SUFFIXES] if suffix_optional else [name]
        if any(road in self._known_roads and road not in self._roads for road in candidates):
            return None  # 瑞金一 + 路 is a real road of its own
        exact = next((road for road in candidates if road in self._roads), None)
        if exact is not None or not one_off:
            return exact
        return next((road for road in map(self._one_off, candidates) if road is not None), None)

    def _one_off(self, name: str) -> str | None:
        for i in range(len(name) - 1):
            road = self._road_variants.get(name[:i] + "\0" + name[i + 1 :])
            if road is not None and not distinct_roads(name, road):
                return road
        return None


@cache
def _shanghai() -> Gazetteer:
    """The names every Shanghai gazetteer knows, whatever the register (``Gazetteer.shanghai``); never changed."""
    gazetteer = Gazetteer()
    gazetteer.add("prov", PROVINCES, abbreviate=True)
    gazetteer.add("city", MUNICIPALITIES, abbreviate=True)
    labels = {"city": "city", "district": "district", "street": "town", "community": "community"}
    with DIVISIONS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        label, name = labels[row["level"]], row["name"]
        gazetteer.add(label, [name], abbreviate=label in ("city", "district"))
        if label == "community" and name.endswith("居委会"):
            stem = name[:-3]  # 延中居委会 is also written 延中居委 and 延中社区
            gazetteer.add(label, [stem + "居委", stem + "社区"], canonical=name)
    for legacy, today in LEGACY_DISTRICTS.items():
        gazetteer.add("district", [legacy], canonical=today)
    gazetteer.add("road", known_roads(), register=False)
    return gazetteer
