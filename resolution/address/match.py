"""The matching cascade: from a parsed address to a house of the register, with a reason.

1. Block: the lane (road + 弄), the door (road + 号) or the compound named in the address; a road
   not in the register is compared with rapidfuzz against the register's roads.
2. Within the block, the building, unit and room must agree where the address gives them.
3. One house left: a room-level match. Several: the address stops at the building or door (a
   coarser match_level) or leaves a choice (the review queue). None: the most specific level that
   still agrees.
Every result says why, and how far it stands above the runner-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from resolution.address.register import Register, RegisteredHouse

ROAD_CUTOFF = 65  # one wrong character in 长乐路 scores 66.7; the lane or door must then exist on that road


@dataclass(frozen=True)
class HouseMatch:
    house_id: str | None
    """The house, only when the address names exactly one (match_level room, or a door that is one house)."""
    match_level: str
    """room, building, door, road or none."""
    score: float
    """Share of the address's elements that agree with the matched house or block, 0 to 1."""
    margin: float
    """Score minus the runner-up's (a lower bound on the indexed path): 1 when no other house fits."""
    match_reason: str
    needs_review: bool = False
    candidates: tuple[str, ...] = field(default=())


NO_MATCH = HouseMatch(None, "none", 0.0, 0.0, "no road, lane, door or compound of the register found")


def _road(register: Register, parts: dict) -> tuple[str | None, str]:
    """The register's road: as written, or the closest road on which the lane or door exists."""
    road = parts.get("road")
    if not road or road in register.road_names:
        return road or None, ""
    for name, score, _ in process.extract(road, register.roads, scorer=fuzz.ratio, score_cutoff=ROAD_CUTOFF, limit=3):
        if (name, parts.get("lane_no")) in register.by_lane or (name, parts.get("door_no")) in register.by_door:
            return name, f"road {road}→{name} ({score:.0f}); "
    return None, f"road {road} unknown; "


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
    """Match parsed components (road, lane_no, door_no, compound, building_no, unit_no, room_no)."""
    road, note = _road(register, parts)
    block, where = [], ""
    if road and parts.get("lane_no"):
        block, where = register.by_lane.get((road, parts["lane_no"]), []), f"{road}{parts['lane_no']}弄"
    if not block and road and parts.get("door_no"):
        block, where = register.by_door.get((road, parts["door_no"]), []), f"{road}{parts['door_no']}号"
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
