"""Split a run of name characters (浙江省杭州市滨江区缤纷北苑) into labelled names.

Known names come first (longest match in the Gazetteer); where none is known, a name ends at the
first suffix that closes one (路, 镇, 小区, ...), unless that suffix is the head of a longer name
(白银路街道, 城市花园). An abbreviation from the Gazetteer never takes the name away from a suffix
that would be left bare: 长乐 before 路 is part of the road 长乐路, not the city 长乐.
"""

from __future__ import annotations

import re

from resolution.address.gazetteer import Entry, Gazetteer

RANK = {
    "country": 0,
    "prov": 1,
    "city": 2,
    "district": 3,
    "devzone": 4,
    "town": 5,
    "community": 6,
    "road": 7,
    "subroad": 8,
    "poi": 9,
    "subpoi": 10,
}
ADMIN_LABELS = frozenset(("country", "prov", "city", "district", "devzone", "town", "community"))
SUFFIXES = {
    "prov": ("省", "自治区", "特别行政区"),
    "city": ("市", "自治州"),
    "district": ("区", "县", "旗"),
    "devzone": ("经济技术开发区", "高新技术产业开发区", "经济开发区", "开发区", "高新区", "新区", "工业区"),
    "town": ("街道办事处", "街办事处", "街道办", "街道", "镇", "乡"),
    "community": ("社区", "居委会", "村委会", "居委", "村"),
    "road": ("大道", "大街", "公路", "路", "街", "巷", "弄"),
    "poi": (
        "小区",
        "花园",
        "公寓",
        "大厦",
        "大楼",
        "广场",
        "中心",
        "家园",
        "新村",
        "商城",
        "市场",
        "公司",
        "医院",
        "学校",
        "大学",
        "中学",
        "小学",
        "酒店",
        "宾馆",
        "工业园",
        "园区",
        "苑",
        "城",
        "园",
        "府",
        "厦",
        "寓",
        "场",
        "站",
        "局",
        "所",
        "厂",
        "店",
        "馆",
        "院",
        "楼",
        "厅",
        "坊",
    ),
}
_CLASS = {suffix: label for label, suffixes in SUFFIXES.items() for suffix in suffixes}
_SUFFIX = re.compile("|".join(sorted(_CLASS, key=len, reverse=True)))
# What cannot be a name alone: a suffix, maybe after a direction or numeral (路, 北路, 十二路, 街道);
# a one-character poi suffix can (城南路 is not 城 + 南路).
_STRONG = sorted((s for s, label in _CLASS.items() if label != "poi" or len(s) > 1), key=len, reverse=True)
_BARE = re.compile(f"[东西南北中一二三四五六七八九十]{{0,2}}(?:{'|'.join(_STRONG)})")
_ROAD_TAIL = re.compile("[东西南北中]?[一二三四五六七八九十]?(?:路|街|大道|巷)")
# Position words between names (汽车北站对面莫干山路); 与/内 only after a name.
_ASSIST = re.compile(r"斜对面|正对面|对面|交叉口|交汇处|交界处|交界|路口|旁边|门口|附近|后面|隔壁|[东西南北]侧|楼下|旁")
_ASSIST_AFTER_NAME = re.compile(r"与|内")
_AREA = ("prov", "city", "district")


def is_bare(name: str) -> bool:
    """Whether ``name`` is only a suffix, maybe after a direction or numeral (南路, 一街): not a name alone."""
    return _BARE.fullmatch(name) is not None


def _continues(suffix: str, length: int, following: str) -> bool:
    """Whether ``suffix`` (closing a name of ``length`` characters) is inside a longer name that
    ``following`` closes (白银路|街道, 城市|花园, 方城|县, 上街|镇) rather than closing one
    itself (海游街道|广场路, 钱库镇|中学, 江干区|经济技术开发区)."""
    label, next_label = _CLASS[suffix], _CLASS[following]
    if label in ("devzone", "town", "community"):
        return len(suffix) == 1 and following in ("镇", "乡", "街道")  # 五乡|镇
    if next_label in _AREA:
        return len(following) == 1
    if label in _AREA:
        return length == 2  # 城市|花园
    if next_label == "town" or label == "road" and next_label == "community":
        return True  # 上街|镇, 金川弄|村
    return len(following) > 1 or label == "poi" and next_label != "poi"


def _rule(t: str, start: int, end: int, admin_open: bool) -> tuple[int, str, int] | None:
    """The end, label class and suffix start of the name that starts at ``start``, by its suffix."""
    for m in _SUFFIX.finditer(t, start + 1, end):
        stop = m.end()
        label = _CLASS[m.group()]
        following = _SUFFIX.match(t, stop, end)
        if following and _continues(m.group(), stop - start, following.group()):
            continue
        if label == "poi" and _ROAD_TAIL.match(t, stop, end):
            continue  # 车站西路, 圣苑北街: a road named after a place
        if not admin_open and label in ("prov", "city", "district", "devzone"):
            if m.group() in "省市县旗":
                continue  # 超市, 嘉兴市毛衫业大楼: after a road, admin words are parts of names
            label = "poi"  # 西区, 经济开发区 after a road: part of a compound
        return stop, label, m.start()
    return None


def segment_words(
    t: str, start: int, end: int, rank: int, gazetteer: Gazetteer, road_before_number: bool
) -> list[tuple[int, int, str, str]]:
    """Names in ``t[start:end]`` as (start, end, label, canonical); ``rank`` is the parse's admin level so
    far and ``road_before_number`` says the run is followed by 号/弄 with no road yet (长乐372弄)."""
    out: list[tuple[int, int, str, str]] = []
    p = start
    road_rank = RANK["road"]
    while p < end:
        assist = _ASSIST.match(t, p, end) or (p > start and _ASSIST_AFTER_NAME.match(t, p, end))
        if assist:
            out.append((p, assist.end(), "assist", assist.group()))
            p = assist.end()
            continue
        admin_open = rank < road_rank
        rule = _rule(t, p, end, admin_open)
        road = gazetteer.road(t[p:end], suffix_optional=True) if road_before_number and rule is None else None
        if road is not None:  # 长乐372弄: the register's road, written without its suffix
            out.append((p, end, "road", road))
            break
        known = _known(t, p, end, admin_open, rule, gazetteer)
        if known is not None:
            stop, entry = known
            out.append((p, stop, entry.label, entry.canonical))
            rank = max(rank, RANK.get(entry.label, road_rank))
            p = stop
            continue
        if rule is not None:
            stop, label, _ = rule
            inner = _known_road(t, p, stop, gazetteer) if label == "road" else None
            if inner is not None:  # 胡家坟振兴路: an unknown place, then a known road
                out.append((p, inner, _unknown(rank, admin_open, False), t[p:inner]))
                p = inner
            out.append((p, stop, label, t[p:stop]))
            rank = max(rank, RANK[label])
            p = stop
            continue
        stop = next(
            (q for q in range(p + 2, end) if _known(t, q, end, admin_open, _rule(t, q, end, admin_open), gazetteer)),
            end,
        )
        label = _unknown(rank, admin_open, stop == end)
        out.append((p, stop, label, t[p:stop]))
        rank = max(rank, RANK[label])
        p = stop
    return out


def _known(
    t: str, start: int, end: int, admin_open: bool, rule: tuple[int, str, int] | None, gazetteer: Gazetteer
) -> tuple[int, Entry] | None:
    """The gazetteer's longest name at ``start``, unless it would leave a suffix bare (长乐|路) or cut
    one in two (朝阳街|道)."""
    known = gazetteer.longest(t, start, end)
    if known is None or not admin_open and known[1].label in ADMIN_LABELS:
        return None
    if rule and rule[0] > known[0] and (_BARE.fullmatch(t, known[0], rule[0]) or rule[2] < known[0]):
        return None
    return known


def _known_road(t: str, start: int, stop: int, gazetteer: Gazetteer) -> int | None:
    """Where a known road begins inside the rule-found road ``t[start:stop]``, if not at its start."""
    if gazetteer.road(t[start:stop]) is not None:
        return None
    for q in range(start + 1, stop - 2):
        entry = gazetteer.entry(t[q:stop])
        if entry is not None and entry.label == "road":
            return q
    return None


def _unknown(rank: int, admin_open: bool, at_end: bool) -> str:
    """The label of a name with no known entry and no suffix: a town or village before the road
    (下应诚信路, 慈东), else a place (poi)."""
    if admin_open and rank < RANK["community"] and not at_end:
        return "town" if rank < RANK["town"] else "community"
    return "poi"
