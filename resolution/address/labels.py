"""Which label a name or a number takes, given what came before it in the address.

Addresses are written from the largest area to the smallest, so the parse walks left to right with
a ``State``: once a road or a number has been seen, 市/区 words are parts of names (超市, 北四区);
a 号 after a lane (长乐路372弄5号) is the building in the lane, a 号 right after a road is the door.
"""

from __future__ import annotations

import re

from resolution.address.compound import one_place
from resolution.address.gazetteer import Gazetteer
from resolution.address.segment import ADMIN_LABELS, RANK

_PARTS = re.compile(r"[A-Z]{0,2}\d+[A-Z甲乙丙丁附]?|[A-Z]")
_BY_DESIGNATOR = {
    "号楼": "houseno",
    "单元": "cellno",
    "层": "floorno",
    "楼": "floorno",
    "室": "roomno",
    "铺": "roomno",
    "区": "subpoi",
    "期": "subpoi",
    "支弄": "subroad",
}
_COMPONENT = {
    "houseno": "building_no",
    "subroadno": "building_no",
    "cellno": "unit_no",
    "floorno": "floor_no",
    "roomno": "room_no",
    "subroad": "sub_lane",
}
_NAME_COMPONENT = {"district": "district", "town": "town", "community": "community", "road": "road", "poi": "compound"}
# A number right after a building's name is a room; after a compound's, a building; else a door.
_BUILDING = re.compile(r"(?:大厦|楼|中心|市场|城|广场|商城)$")
_COMPOUND = re.compile(r"(?:区|园|苑|里|新村|公寓|花园|家园)$")
_ROAD_LIKE = frozenset(("road", "subroad"))
_AFTER_BUILDING = frozenset(("houseno", "cellno", "floorno", "subroadno"))


class State:
    """What the parse has seen so far, and the elements and components it has found."""

    __slots__ = ("components", "found", "last", "last_name", "poi", "rank", "road", "roadno", "seen", "subroadno")

    def __init__(self) -> None:
        self.rank = 0  # the deepest level seen: admin names after a road are parts of names
        self.seen: dict[str, tuple[str, int]] = {}  # admin label -> (name, index in found)
        self.road = self.poi = self.subroadno = False
        self.roadno: str | None = None  # 弄 (a lane) or 号 (a door)
        self.last = self.last_name = ""
        self.found: list[tuple[str, int, int]] = []
        self.components: dict[str, str] = {}

    def emit(self, label: str, start: int, end: int, key: str | None = None, value: str | None = None) -> None:
        self.found.append((label, start, end))
        self.last = label
        if key is not None:
            self.components.setdefault(key, value)


def _stem(name: str) -> str:
    """宁波市 and 宁波 are one place."""
    return name[:-1] if len(name) > 2 and name[-1] in "省市区县" else name


def label_name(
    state: State, start: int, end: int, label: str, canonical: str, gazetteer: Gazetteer, numbers_follow: bool
) -> None:
    """Emit a name the segmenter proposed as ``label``, correcting the label for its place in the address;
    a road one character off a register road is taken for it only when numbers follow (近贤路12号)."""
    if label in ADMIN_LABELS:
        key = _stem(canonical)
        if label == "city" and state.seen.get("city", (key,))[0] != key:
            label = "district"  # 宁波市余姚市: a county-level city
        if state.seen.get(label, ("",))[0] == key:
            index = state.seen[label][1]
            if index < len(state.found) - 1:  # 浙江省杭州市浙江省杭州市: the second block is the address
                state.found[index] = ("redundant",) + state.found[index][1:]
                state.seen[label] = (key, len(state.found))
            else:
                label = "redundant"  # 西湖区西湖区, 宁波宁波市: the repeat adds nothing
        else:
            if RANK[label] <= state.rank and (label != "community" or "community" in state.seen):  # 秋一村横河村
                label = "subpoi" if state.poi else "poi"
                state.poi = True
            else:
                state.rank = RANK[label]
                state.seen[label] = (key, len(state.found))
    elif label == "road":
        if not state.road:
            state.road, state.rank = True, RANK["road"]
            canonical = gazetteer.road(canonical, one_off=numbers_follow) or canonical
        elif not state.roadno:
            label = "subroad"  # 天童北路与鄞县大道, 钢铁路玻东巷
        else:
            label = "subpoi" if state.poi else "poi"
    elif label in ("poi", "subpoi") and state.last in ("floorno", "roomno"):
        label = "person"  # 开太百货新馆七楼伊袖专柜: the counter or shop inside, not a place of the address
    elif label in ("poi", "subpoi"):
        label = "subpoi" if state.poi else "poi"
        state.poi, state.rank = True, max(state.rank, RANK["road"])
    if (
        label == "subpoi"
        and state.last in ("poi", "subpoi")
        and state.found[-1][2] == start
        and one_place(state.last_name, canonical)
    ):
        label, start = state.found.pop()[:2]  # 西城博司: one place, found as two names
        canonical = state.last_name + canonical
        if label == "poi":
            state.components["compound"] = canonical
    key = _NAME_COMPONENT.get(label)
    state.last_name = canonical
    state.emit(label, start, end, key, canonical if key else None)


def label_numbered_road(state: State, text: str, start: int, end: int) -> None:
    """Emit a road named by a number (12号大街, 320国道), joined to an unknown name just before it (建设4路)."""
    if state.found and state.found[-1][0] == "poi" and state.found[-1][2] == start and not state.road:
        start = state.found.pop()[1]
        state.poi = any(label in ("poi", "subpoi") for label, _, _ in state.found)
    if state.last == "floorno":
        state.emit("cellno", start, end)  # 国际商贸城四区九楼106街: a row of shops on the floor
        return
    label = "road" if not state.road else "subroad"
    state.road, state.rank = True, max(state.rank, RANK["road"])
    state.emit(label, start, end, "road" if label == "road" else None, text[start:end])


def _door(state: State, value: str, designator: str | None, more: bool) -> str:
    """The label of one number written with 号 or 弄, or bare."""
    if designator == "弄":
        return "roadno" if not state.roadno else "subroad"
    if state.roadno == "弄" and not state.subroadno and designator == "号":
        return "subroadno"  # 长乐路372弄5号: the building in the lane
    if state.last == "subroad" and designator:
        return "subroadno"
    if state.last == "floorno":
        return "roomno"  # 皮草大世界6楼96号
    if (
        state.last == "houseno" and designator
    ):  # 北沙新城237幢11号三楼, 望春紫薇新村9幢39号: 号 after a building is its unit
        return "cellno" if more or (designator == "号" and len(value) <= 2) else "roomno"
    if not state.roadno:
        if state.last in _ROAD_LIKE or state.last in ("community", "town") or not state.poi:
            return "roadno"
        if more:
            return "houseno"
        if designator is None or _BUILDING.search(state.last_name) or len(value) >= 4:
            return "roomno"  # 金昌商务大厦1788号: a room in the building
        return "houseno" if _COMPOUND.search(state.last_name) else "roadno"
    if not more and (designator is None or state.last in _AFTER_BUILDING):
        return "roomno"
    return "houseno"


def _chain(state: State, count: int) -> list[str]:
    """Labels of a dashed chain (47-6-746): door, building, unit, room from the right."""
    if state.last in _ROAD_LIKE and not state.roadno or count >= 4:
        return ["roadno", "houseno", "cellno", "roomno"][:count] if count != 3 else ["roadno", "houseno", "roomno"]
    if state.last == "houseno":
        return ["cellno", "roomno"][-count:]  # 106幢6-13号: unit and room of a known building
    return ["houseno", "roomno"] if count == 2 else ["houseno", "cellno", "roomno"][-count:]


def _sub_door(first: str, last: str, designator: str | None, more: bool) -> bool:
    """思南路51-1号, 春江路1072-2: right after a road, a short second number is the door's sub-number."""
    return designator in (None, "号") and not more and first.isdigit() and last.isdigit() and len(last) <= 2


def label_number(state: State, text: str, start: int, end: int, designator: str | None, more: bool) -> None:
    """Emit the elements of one number token (372弄, 5号, 3号楼, 389-399号, 47-6-746, 402室); ``more``
    says whether other numbers follow it."""
    parts = [m.span() for m in _PARTS.finditer(text, start, end - len(designator or ""))]
    state.rank = max(state.rank, RANK["road"])
    first, last = text[parts[0][0] : parts[0][1]], text[parts[-1][0] : parts[-1][1]]
    if len(parts) == 2 and (
        first.isdigit()
        and last.isdigit()
        and 0 < int(last) - int(first) <= 20
        or state.last == "floorno"
        or state.last in _ROAD_LIKE
        and not state.roadno
        and _sub_door(first, last, designator, more)
    ):
        parts = [(parts[0][0], parts[-1][1])]  # 389-399号, 156-160, 5楼26-67, 思南路51-1号: one door, one room
        first = text[parts[0][0] : parts[0][1]]  # both ends kept: 120-124 is not door 120
    if len(parts) == 1 and designator is None and len(first) > 1 and first[-1] == "F" and first[:-1].isdigit():
        state.emit("floorno", start, end, "floor_no", first[:-1])  # 12F: the 12th floor
        return
    if len(parts) == 1 and designator in ("层", "楼") and first[:1] == "B" and first[1:].isdigit():
        state.emit("floorno", start, end, "floor_no", "-" + first[1:])  # B1层: the first basement
        return
    if len(parts) == 1 and (designator in (None, "号", "弄")):
        label = _door(state, first, designator, more)
        if label == "roadno":
            state.roadno = designator or "号"
            state.emit(label, start, end, "lane_no" if designator == "弄" else "door_no", first)
            return
        state.subroadno = state.subroadno or label == "subroadno"
        state.emit(label, start, end, _COMPONENT.get(label), first)
        return
    if len(parts) == 1:
        label = _BY_DESIGNATOR.get(designator) or ("road" if not state.road else "subroad")
        if label == "subpoi" and not state.poi:
            label, state.poi = "poi", True
        state.emit(label, start, end, _COMPONENT.get(label), first)
        return
    labels = _chain(state, len(parts))
    if designator in _BY_DESIGNATOR:
        labels[-1] = _BY_DESIGNATOR[designator]  # a7-10楼: the designator names the last part
    previous = None
    for label, (a, b) in zip(labels, parts, strict=False):
        if previous is not None and previous < a:
            state.emit("redundant", previous, a)
        value = text[a:b]
        b = end if b == parts[-1][1] else b  # the designator belongs to the last part: 1102-12号
        if label == "roadno":
            state.roadno = "号"
        state.emit(label, a, b, "door_no" if label == "roadno" else _COMPONENT.get(label), value)
        previous = b
