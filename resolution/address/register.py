"""The house register: canonical houses with stable ``house_id``s, indexed for matching.

Houses come from the standard address register (the source whose spec has ``roles: {house_register: true}``,
staged as ``staging.<its name>``); its 地址编码 is the house_id, stable across deliveries because the planning
bureau never reuses a code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import duckdb

from connectors.spec import SpecError, register_source
from resolution.address.parse import canonical_room
from warehouse.database import quote_name

CORE_HOUSES_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE OR REPLACE TABLE core.houses AS
SELECT DISTINCT ON (house_ref)
    house_ref AS house_id, address AS canonical_address, district, town, committee_code, committee_name,
    grid_code, road, lane_no, door_no, compound, building_no, unit_no, floor_no, room_no,
    coalesce(house_kind, 'home') AS house_kind, area_m2, _delivery_id AS source_delivery_id
FROM staging.{register}
WHERE house_ref IS NOT NULL
ORDER BY house_ref, _delivery_id DESC;
"""


def build_core_houses(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild ``core.houses`` from the staged register; returns the number of houses."""
    register = register_source()
    if register is None:
        raise SpecError("no source spec is the house register (roles: {house_register: true})")
    con.execute(CORE_HOUSES_SQL.format(register=quote_name(register)))
    return con.execute("SELECT count(*) FROM core.houses").fetchone()[0]


@dataclass(frozen=True, slots=True)
class RegisteredHouse:
    house_id: str
    road: str
    lane_no: str | None
    door_no: str | None
    compound: str | None
    building_no: str | None
    unit_no: str | None
    room_no: str | None
    kind: str
    floor_no: str | None = None
    district: str | None = None
    town: str | None = None


def _digits(value) -> str | None:
    """Register numbers as plain digit text ('372'), so they compare with parsed numbers."""
    if value is None or value == "":
        return None
    text = str(value)
    return text.removesuffix(".0")


def leading_number(value: str | None) -> int | None:
    """The leading number of a lane or door (20甲 -> 20, 120-124 -> 120)."""
    digits = re.match(r"\d+", value or "")
    return int(digits.group()) if digits else None


class Register:
    """Every house, and the blocks the matcher searches: a lane, a door, a compound."""

    def __init__(self, houses: list[RegisteredHouse]):
        self.houses = houses
        self.by_lane: dict[tuple[str, str], list[RegisteredHouse]] = defaultdict(list)
        self.by_door: dict[tuple[str, str], list[RegisteredHouse]] = defaultdict(list)
        self.by_compound: dict[str, list[RegisteredHouse]] = defaultdict(list)
        for house in houses:
            if house.lane_no is not None:
                self.by_lane[(house.road, house.lane_no)].append(house)
            elif house.door_no is not None:
                self.by_door[(house.road, house.door_no)].append(house)
            if house.compound:
                self.by_compound[house.compound].append(house)
        self._rooms: dict[int, dict[tuple, list[RegisteredHouse]]] = {}
        numbers: dict[str, list[int]] = defaultdict(list)  # lanes and doors share one numbering along a road
        for house in houses:
            number = leading_number(house.lane_no or house.door_no)
            if number is not None:
                numbers[house.road].append(number)
        self.numbers = {road: (min(found), max(found)) for road, found in numbers.items()}
        self.districts = frozenset(h.district for h in houses if h.district)
        self.towns = frozenset(h.town for h in houses if h.town)
        self.roads = sorted({h.road for h in houses})
        self.road_names = frozenset(self.roads)
        self.compounds = sorted(self.by_compound)

    def rooms(self, block: list[RegisteredHouse]) -> dict[tuple, list[RegisteredHouse]]:
        """A block's houses by (building, unit, room) and by (building, room), built once per block."""
        index = self._rooms.get(id(block))
        if index is None:
            index = {}
            for house in block:
                index.setdefault((house.building_no, house.unit_no, house.room_no), []).append(house)
                index.setdefault((house.building_no, house.room_no), []).append(house)
            self._rooms[id(block)] = index
        return index

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection) -> Register:
        rows = con.execute(
            "SELECT house_id, road, lane_no, door_no, compound, building_no, unit_no, room_no, "
            "house_kind, floor_no, district, town FROM core.houses ORDER BY house_id"
        ).fetchall()
        return cls(
            [
                RegisteredHouse(
                    r[0],
                    r[1],
                    _digits(r[2]),
                    _digits(r[3]),
                    r[4] or None,
                    _digits(r[5]),
                    _digits(r[6]),
                    canonical_room(_digits(r[7])),
                    r[8],
                    _digits(r[9]),
                    r[10] or None,
                    r[11] or None,
                )
                for r in rows
            ]
        )
