"""The sample subdistrict's ground: committees, grids, roads, and every house down to the room.

Modelled on the real 瑞金二路街道 (310101023, 黄浦区): its 16 real committees and the real roads
of the area; lanes, door numbers, compounds, buildings and rooms are synthetic.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

DIVISIONS = Path(__file__).resolve().parents[2] / "schemas" / "divisions.csv"
ROADS = Path(__file__).with_name("roads.csv")

SUBDISTRICT_CODE = "310101023"
SUBDISTRICT_NAME = "瑞金二路街道"
DISTRICT_CODE = "310101"
DISTRICT_NAME = "黄浦区"
CITY_NAME = "上海市"
GRID_COUNT = 40

_COMPOUND_WORDS = ["公寓", "大楼", "花园", "小区", "新村", "里", "坊", "苑"]
_COMPOUND_STEMS = ["锦江", "瑞金", "茂名", "思南", "永嘉", "建德", "香山", "雁荡", "南昌", "长乐",
                   "淮海", "复兴", "绍兴", "嘉善", "皋兰", "重庆", "陕建", "瑞兴", "瑞成", "巨鹿",
                   "金谷", "兰园", "福履", "林村", "尚贤", "步高", "霞飞", "亚尔培", "桃源", "延庆"]


@dataclass(frozen=True, slots=True)
class Committee:
    code: str
    name: str
    grids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class House:
    """A unit of the standard address register: a room in a home building, a shop or an office."""

    house_id: str
    kind: str  # home | shop | office | public
    committee: Committee
    grid_code: str
    road: str
    door_no: int | None  # 号 on the road (None inside a lane)
    lane_no: int | None  # 弄
    building_no: int | None  # 号 in a lane, or 号楼/幢 in a compound
    compound: str | None
    unit_no: int | None
    floor_no: int | None
    room_no: str | None
    area_m2: float

    @property
    def site(self) -> tuple:
        """The building this house is in: houses of one site share a door."""
        return (self.road, self.lane_no, self.door_no, self.building_no, self.compound)

    def canonical(self, prefix: bool = True) -> str:
        """The register's canonical address, e.g. 上海市黄浦区长乐路372弄5号402室."""
        parts = [f"{CITY_NAME}{DISTRICT_NAME}" if prefix else "", self.road]
        if self.lane_no is not None:
            parts.append(f"{self.lane_no}弄")
        if self.door_no is not None:
            parts.append(f"{self.door_no}号")
        if self.compound and self.lane_no is None:
            parts.append(self.compound)
        if self.building_no is not None:
            parts.append(f"{self.building_no}号" if self.lane_no is not None else f"{self.building_no}号楼")
        if self.unit_no is not None:
            parts.append(f"{self.unit_no}单元")
        if self.room_no is not None:
            parts.append(f"{self.room_no}室")
        return "".join(parts)


def load_committees() -> list[Committee]:
    """The subdistrict's real committees, each with two or three of the 40 micro-grids."""
    with DIVISIONS.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["level"] == "community" and r["parent_code"] == SUBDISTRICT_CODE]
    rows.sort(key=lambda r: r["code"])
    committees, grid = [], 1
    extra = GRID_COUNT - 2 * len(rows)  # the first `extra` committees get a third grid
    for i, row in enumerate(rows):
        count = 3 if i < extra else 2
        grids = tuple(f"{SUBDISTRICT_CODE}-WG{grid + k:02d}" for k in range(count))
        grid += count
        committees.append(Committee(row["code"], row["name"], grids))
    return committees


def load_roads() -> list[str]:
    with ROADS.open(encoding="utf-8") as f:
        return [r["road"] for r in csv.DictReader(f)]


class _Numbering:
    """Door and lane numbers per road, ascending as on a real street."""

    def __init__(self, rng: random.Random, roads: list[str]):
        self.rng = rng
        self.next = {road: rng.randrange(1, 60) for road in roads}

    def take(self, road: str) -> int:
        number = self.next[road]
        self.next[road] += self.rng.choice((2, 2, 4, 6, 8))
        return number


def build_register(rng: random.Random, homes_wanted: int, shops_wanted: int) -> list[House]:
    """Every house of the subdistrict, homes first by committee, then shops and offices on the roads."""
    committees, roads = load_committees(), load_roads()
    numbering = _Numbering(rng, roads)
    committee_roads = {c.code: rng.sample(roads, 3) for c in committees}
    houses: list[House] = []
    seq = {c.code: 0 for c in committees}
    compound_names: set[str] = set()

    def add(committee: Committee, grid: str, **fields) -> None:
        seq[committee.code] += 1
        house_id = f"{committee.code}{seq[committee.code]:06d}"
        houses.append(House(house_id=house_id, committee=committee, grid_code=grid, **fields))

    def compound_name() -> str:
        while True:
            name = rng.choice(_COMPOUND_STEMS) + rng.choice(_COMPOUND_WORDS)
            if name not in compound_names or len(compound_names) > 200:
                compound_names.add(name)
                return name

    per_committee = max(1, homes_wanted // len(committees))
    big = min(1.0, per_committee / 600)  # small worlds get small sites, so every committee has several
    for committee in committees:
        made = 0
        while made < per_committee:
            road, grid = rng.choice(committee_roads[committee.code]), rng.choice(committee.grids)
            if rng.random() < 0.6:  # a 里弄 lane: 长乐路372弄5号402室
                lane, name = numbering.take(road), (compound_name() if rng.random() < 0.4 else None)
                for building in range(1, rng.randrange(3, 4 + int(12 * big))):
                    for floor in range(1, rng.randrange(2, 5)):
                        for r in range(1, rng.randrange(2, 4)):
                            add(committee, grid, kind="home", road=road, door_no=None, lane_no=lane, building_no=building,
                                compound=name, unit_no=None, floor_no=floor, room_no=f"{floor}0{r}",
                                area_m2=round(rng.uniform(12, 60), 1))
                            made += 1
            else:  # an apartment compound: 复兴中路1200号锦江公寓3号楼2单元502室
                door, name = numbering.take(road), compound_name()
                for building in range(1, rng.randrange(2, 3 + int(3 * big))):
                    units = rng.choice((None, 1, 2, 3))
                    for unit in ([None] if units is None else range(1, units + 1)):
                        for floor in range(1, rng.randrange(4, 5 + int(14 * big))):
                            for r in range(1, rng.randrange(2, 5)):
                                add(committee, grid, kind="home", road=road, door_no=door, lane_no=None,
                                    building_no=building, compound=name, unit_no=unit, floor_no=floor,
                                    room_no=f"{floor}0{r}", area_m2=round(rng.uniform(35, 140), 1))
                                made += 1
    for i in range(shops_wanted):  # street-front shops and offices: one door each on the road
        committee = committees[i % len(committees)]
        road = rng.choice(committee_roads[committee.code])
        kind = "office" if rng.random() < 0.1 else "shop"
        add(committee, rng.choice(committee.grids), kind=kind, road=road, door_no=numbering.take(road), lane_no=None, building_no=None,
            compound=None, unit_no=None, floor_no=1, room_no=None, area_m2=round(rng.uniform(15, 200), 1))
    for committee in committees:  # each committee's own office is a public house
        road = committee_roads[committee.code][0]
        add(committee, committee.grids[0], kind="public", road=road, door_no=numbering.take(road), lane_no=None, building_no=None,
            compound=None, unit_no=None, floor_no=1, room_no=None, area_m2=120.0)
    return houses
