"""The matching cascade: from a parsed address to a house of the register, with a reason.

0. Outside: an address that names another district or subdistrict, a real road the register does not
   hold, or a door far beyond the register's doors on its road is ``out_of_area``, with no house.
1. Block: the lane (road + 弄), the door (road + 号) or the compound named in the address; a written
   road that is no known road may be corrected to the register's (近贤路 -> 进贤路), never across a
   direction or an ordinal, and the reason says so.
2. Within the block, the building, unit and room must agree where the address gives them.
3. One house left: a room-level match. Several: the address stops at the building or door (a
   coarser match_level) or leaves a choice (the review queue). None: the most specific level that
   still agrees.
4. Doubt: an address written relative to a place (对面, 旁, 地铁站3号口) or with a phone number typed
   into it goes to review with its house as a candidate, never to the house.
Every result says why, and how far it stands above the runner-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from resolution.address.gazetteer import KnownRoad, distinct_roads, known_roads, shanghai_towns
from resolution.address.register import Register, RegisteredHouse, leading_number

ROAD_CUTOFF = 65  # one wrong character in 长乐路 scores 66.7; the lane or door must then exist on that road
# A lane or door this far beyond the register's first or last number on a road is another subdistrict's:
# Shanghai's roads run through several, and a register holds only its own stretch.
BEYOND_REGISTER = 20


@dataclass(frozen=True)
class HouseMatch:
    house_id: str | None
    """The house, only when the address names exactly one (match_level room, or a door that is one house)."""
    match_level: str
    """room, building, door, road, none, or out_of_area (the address lies outside the register's area)."""
    score: float
    """Share of the address's elements that agree with the matched house or block, 0 to 1."""
    margin: float
    """Score minus the runner-up's (a lower bound on the indexed path): 1 when no other house fits."""
    match_reason: str
    needs_review: bool = False
    candidates: tuple[str, ...] = field(default=())
    district: str | None = None
    """For out_of_area: the district the address names or its road runs through, where known."""
    town: str | None = None
    """For out_of_area: the subdistrict (街道, 镇) the address names, where known."""


NO_MATCH = HouseMatch(None, "none", 0.0, 0.0, "no road, lane, door or compound of the register found")


def _outside(register: Register, parts: dict) -> HouseMatch | None:
    """``out_of_area`` when the address places itself outside the register's area; None when it may be inside."""
    district, town, road = parts.get("district"), parts.get("town"), parts.get("road")
    town_district = shanghai_towns().get(town or "")
    if town_district is None:
        town = None  # a name before the road the parser could not place (下应) is no subdistrict
    if district and register.districts and district not in register.districts:
        return _out(f"the address names {district}", district, town)
    if town and register.towns and town not in register.towns:
        return _out(f"the address names {town}", district or town_district, town)
    known = known_roads().get(road or "")
    if known and road not in register.road_names and not register.towns & set(known.towns):
        where = "/".join(known.districts)
        return _out(f"{road} is a real road ({where}) the register does not hold", district or _one(known), town)
    number = parts.get("lane_no") or parts.get("door_no")
    value = leading_number(number)
    if road in register.numbers and value is not None and not parts.get("road_written"):
        first, last = register.numbers[road]
        if value < first - BEYOND_REGISTER or value > last + BEYOND_REGISTER:
            reason = f"{road}{number}: the register's lanes and doors on {road} run {first}-{last}"
            return _out(reason, district, town)
    return None


def _one(road: KnownRoad) -> str | None:
    return road.districts[0] if len(road.districts) == 1 else None


def _out(reason: str, district: str | None, town: str | None) -> HouseMatch:
    return HouseMatch(None, "out_of_area", 0.0, 0.0, f"out of area: {reason}", district=district, town=town)


def _road(register: Register, parts: dict) -> tuple[str | None, str]:
    """The register's road: as written, corrected by the parser (said in the note), or the closest
    road on which the lane or door exists, when the written name is no known road and differs by
    more than a direction or an ordinal."""
    road, written = parts.get("road"), parts.get("road_written")
    note = f"road {written}→{road} (no known road is written {written}); " if written else ""
    if not road or road in register.road_names:
        return road or None, note
    for name, score, _ in process.extract(road, register.roads, scorer=fuzz.ratio, score_cutoff=ROAD_CUTOFF, limit=3):
        if distinct_roads(road, name):
            continue
        if (name, parts.get("lane_no")) in register.by_lane or (name, parts.get("door_no")) in register.by_door:
            return name, f"road {road}→{name} (no known road is written {road}; {score:.0f} similar); "
    return None, f"road {road} unknown; "


def _doubt(match: HouseMatch, parts: dict) -> HouseMatch:
    """Review, not a house, for an address that says where near (对面, 旁), carries a phone number, or
    writes two rooms or two door suffixes: the house it would get is the candidate."""
    doubt = parts.get("doubt")
    if not doubt or match.match_level == "out_of_area":
        return match
    level = "road" if doubt.startswith("written relative") else match.match_level
    return replace(
        match,
        house_id=None,
        match_level="door" if level == "room" else level,
        margin=0.0,
        match_reason=f"{doubt}: {match.match_reason}",
        needs_review=True,
        candidates=(match.house_id,) if match.house_id else match.candidates,
    )


_LETTERED = str.maketrans("ABCD", "甲乙丙丁")


def _door(register: Register, road: str, door: str) -> list[RegisteredHouse]:
    """The houses of a door; 20A is read as 20甲 where the register holds only that (how English writes 甲)."""
    block = register.by_door.get((road, door), [])
    if not block and len(door) > 1 and door[-1] in "ABCD" and door[:-1].isdigit():
        block = register.by_door.get((road, door.translate(_LETTERED)), [])
    return block


def _agrees(house: RegisteredHouse, parts: dict) -> tuple[int, int]:
    """(elements that agree, elements the address gives) for building, unit and room."""
    given = agree = 0
    for key in ("building_no", "unit_no", "room_no"):
        value = parts.get(key)
        if value is None:
            continue
        given += 1
        agree += getattr(house, key) == value
    return agree, given


def match_house(register: Register, parts: dict) -> HouseMatch:
    """Match parsed components (district, town, road, lane_no, door_no, compound, building_no, unit_no,
    floor_no, room_no, doubt)."""
    match = _outside(register, parts) or _doubt(_inside(register, parts), parts)
    rewritten = parts.get("rewritten")
    return replace(match, match_reason=f"read as {rewritten}; {match.match_reason}") if rewritten else match


def _inside(register: Register, parts: dict) -> HouseMatch:
    road, note = _road(register, parts)
    block, where = [], ""
    if road and parts.get("lane_no"):
        block, where = register.by_lane.get((road, parts["lane_no"]), []), f"{road}{parts['lane_no']}弄"
    if not block and road and parts.get("door_no"):
        block, where = _door(register, road, parts["door_no"]), f"{road}{parts['door_no']}号"
    if not block and parts.get("compound"):
        found = process.extractOne(parts["compound"], register.compounds, scorer=fuzz.ratio, score_cutoff=85)
        if found:
            block, where = register.by_compound[found[0]], found[0]
            if road:
                block = [h for h in block if h.road == road] or block
    if not block:
        if road:
            return HouseMatch(None, "road", 0.5, 0.0, f"{note}{road}: no lane or door of the register given or found")
        return HouseMatch(None, "none", 0.0, 0.0, note + NO_MATCH.match_reason)

    building, unit, room = parts.get("building_no"), parts.get("unit_no"), parts.get("room_no")
    if building and room:  # the common case, by index: one house with this building, unit and room
        hits = register.rooms(block).get((building, unit, room) if unit else (building, room), [])
        if len(hits) == 1:  # any other house of the block differs in one given element at least
            margin = 1.0 if len(block) == 1 else 1 / (2 + bool(unit))
            return HouseMatch(hits[0].house_id, "room", 1.0, margin, f"{note}{where}: building, unit and room agree")
    scored = sorted(((_agrees(h, parts), h) for h in block), key=lambda item: -(item[0][0]))
    (best_agree, given), best = scored[0]
    fitting = [h for (a, _), h in scored if a == best_agree]
    if given and best_agree == given and len(fitting) == 1:
        runner = (scored[1][0][0] / given) if len(scored) > 1 else 0.0
        return HouseMatch(best.house_id, "room", 1.0, 1.0 - runner, f"{note}{where}: building, unit and room agree")
    if not given and len(block) == 1:
        return HouseMatch(best.house_id, "door", 1.0, 1.0, f"{note}{where}: the door is one house")
    floor = parts.get("floor_no")
    on_floor = [h for h in fitting if h.floor_no == floor] if floor and best_agree == given else []
    if len(on_floor) == 1:  # 二楼亭子间 and 三楼亭子间 behind one door; 90号4楼 where the floor is one house
        return HouseMatch(
            on_floor[0].house_id,
            "room",
            1.0,
            0.5,
            f"{note}{where}: {'building, unit, room and ' if given else ''}floor agree",
        )
    if given and best_agree == given:
        ids = tuple(h.house_id for h in fitting)
        return HouseMatch(
            None,
            "building",
            best_agree / (given + 1),
            0.0,
            f"{note}{where}: {len(fitting)} houses fit (unit or room missing)",
            True,
            ids,
        )
    building = parts.get("building_no")
    if building and any(h.building_no == building for h in block):
        return HouseMatch(
            None, "building", 0.5, 0.0, f"{note}{where}: building {building} found, room not in register", True
        )
    return HouseMatch(
        None,
        "door",
        0.25,
        0.0,
        f"{note}{where}: found, but not building {building or '?'} or room {parts.get('room_no') or '?'}",
        True,
    )
