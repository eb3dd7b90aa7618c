"""A subdistrict's ground: committees, grids, roads, and every house down to the room.

Any subdistrict of 黄浦区 with a roads file (roads/<code>.csv) and compound name stems (compounds.csv)
can be built: its real committees come from schemas/divisions.csv, its real roads from its file;
lanes, door numbers, compounds, buildings and rooms are synthetic. The committed sample is
瑞金二路街道 (310101023).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

DIVISIONS = Path(__file__).resolve().parents[2] / "schemas" / "divisions.csv"
ROADS = Path(__file__).with_name("roads")  # one file per subdistrict: roads/<code>.csv
COMPOUNDS = Path(__file__).with_name("compounds.csv")  # the stems compound names are made of, per subdistrict

SAMPLE_SUBDISTRICT = "310101023"  # 瑞金二路街道, the committed sample's subdistrict
DISTRICT_CODE = "310101"
DISTRICT_NAME = "黄浦区"
CITY_NAME = "上海市"
GRID_COUNT = 40

_COMPOUND_WORDS = ["公寓", "大楼", "花园", "小区", "新村", "里", "坊", "苑"]
# The rooms of a 石库门 door, each a household of its own, by the door's plan (floor_no set only where a name
# repeats on two floors: 二楼亭子间 and 三楼亭子间).
SHIKUMEN_PLANS = (
    (("客堂间", None), ("灶披间", None), ("前楼", None), ("亭子间", None), ("晒台", None)),
    (("客堂间", None), ("前厢房", None), ("后厢房", None), ("灶披间", None), ("前楼", None), ("亭子间", None)),
    (
        ("客堂间", None),
        ("灶披间", None),
        ("前楼", None),
        ("后楼", None),
        ("亭子间", 2),
        ("亭子间", 3),
        ("三层阁", None),
    ),
)
ROOM_NAMES = frozenset(name for plan in SHIKUMEN_PLANS for name, _ in plan)
# The floor a 石库门 room is on, which clerks sometimes write before its name (2楼前楼); 亭子间 sits between floors.
ROOM_FLOORS = {"客堂间": 1, "灶披间": 1, "前厢房": 1, "后厢房": 1, "前楼": 2, "后楼": 2, "三层阁": 3}
DOOR_SUFFIXES = ("甲", "乙")  # a door built beside an existing one takes its number with a suffix: 20号, 20号甲


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
    room_no: str | None  # 402, or a 石库门 room name (亭子间)
    area_m2: float
    door_suffix: str = ""  # 甲 or 乙: door 20甲 stands beside door 20

    @property
    def door(self) -> str | None:
        """The door number as the register holds it: 20, 20甲."""
        return None if self.door_no is None else f"{self.door_no}{self.door_suffix}"

    @property
    def room_is_named(self) -> bool:
        """A 石库门 room told apart by its name (亭子间), not a number."""
        return self.room_no in ROOM_NAMES

    @property
    def site(self) -> tuple:
        """The building this house is in: houses of one site share a door."""
        return (self.road, self.lane_no, self.door, self.building_no, self.compound)

    def canonical(self, prefix: bool = True) -> str:
        """The register's canonical address, e.g. 上海市黄浦区长乐路372弄5号402室, 长乐路372弄6号2楼亭子间."""
        parts = [f"{CITY_NAME}{DISTRICT_NAME}" if prefix else "", self.road]
        if self.lane_no is not None:
            parts.append(f"{self.lane_no}弄")
        if self.door_no is not None:
            parts.append(f"{self.door}号")
        if self.compound and self.lane_no is None:
            parts.append(self.compound)
        if self.building_no is not None:
            parts.append(f"{self.building_no}号" if self.lane_no is not None else f"{self.building_no}号楼")
        if self.unit_no is not None:
            parts.append(f"{self.unit_no}单元")
        if self.room_is_named:
            parts.append(("" if self.floor_no is None else f"{self.floor_no}楼") + self.room_no)
        elif self.room_no is not None:
            parts.append(f"{self.room_no}室")
        return "".join(parts)


@dataclass(frozen=True, slots=True)
class Subdistrict:
    """The 街道 a world is built for: its real committees (with their grids), roads and local compound names."""

    code: str
    name: str
    committees: tuple[Committee, ...]
    roads: tuple[str, ...]
    compound_stems: tuple[str, ...]

    @property
    def is_sample(self) -> bool:
        return self.code == SAMPLE_SUBDISTRICT

    @property
    def id_prefix(self) -> str:
        """Put in person, business and event ids so two worlds of one district never share one;
        empty for the sample, whose committed ids predate other subdistricts."""
        return "" if self.is_sample else self.code[len(DISTRICT_CODE) :]


def _divisions() -> list[dict]:
    with DIVISIONS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_subdistrict(code: str = SAMPLE_SUBDISTRICT) -> Subdistrict:
    """A subdistrict of 黄浦区 by its 9-digit code; a clear error if it is unknown or has no roads file."""
    rows = _divisions()
    streets = {r["code"]: r["name"] for r in rows if r["level"] == "street" and r["parent_code"] == DISTRICT_CODE}
    if code not in streets:
        raise ValueError(
            f"{code} is not a subdistrict of {DISTRICT_NAME} in {DIVISIONS}; those with a roads file: "
            + ", ".join(f"{c} {streets[c]}" for c in sorted(streets) if (ROADS / f"{c}.csv").exists())
        )
    if not (ROADS / f"{code}.csv").exists():
        raise ValueError(
            f"no roads file {ROADS / f'{code}.csv'} for {code} {streets[code]}: "
            "add one with its real roads (columns road,note)"
        )
    with COMPOUNDS.open(encoding="utf-8") as f:
        stems = tuple(r["stem"] for r in csv.DictReader(f) if r["subdistrict"] == code)
    if not stems:
        raise ValueError(
            f"no compound name stems for {code} {streets[code]} in {COMPOUNDS}: add a few (锦江, 步高, ...)"
        )
    return Subdistrict(code, streets[code], tuple(load_committees(code, rows)), tuple(load_roads(code)), stems)


def load_committees(subdistrict: str = SAMPLE_SUBDISTRICT, rows: list[dict] | None = None) -> list[Committee]:
    """The subdistrict's real committees, the 40 micro-grids shared out among them (2 or 3 each for 瑞金二路)."""
    rows = sorted(
        (r for r in rows or _divisions() if r["level"] == "community" and r["parent_code"] == subdistrict),
        key=lambda r: r["code"],
    )
    if not rows:
        raise ValueError(f"no residents' committees of {subdistrict} in {DIVISIONS}")
    committees, grid = [], 1
    each, extra = divmod(GRID_COUNT, len(rows))  # the first `extra` committees get one grid more
    for i, row in enumerate(rows):
        count = each + (1 if i < extra else 0)
        grids = tuple(f"{subdistrict}-WG{grid + k:02d}" for k in range(count))
        grid += count
        committees.append(Committee(row["code"], row["name"], grids))
    return committees


def load_roads(subdistrict: str = SAMPLE_SUBDISTRICT) -> list[str]:
    with (ROADS / f"{subdistrict}.csv").open(encoding="utf-8") as f:
        roads = [r["road"] for r in csv.DictReader(f)]
    if not roads or len(set(roads)) != len(roads):
        raise ValueError(f"{ROADS / f'{subdistrict}.csv'}: column road must list distinct roads")
    return roads


def _sample_sides(seed: int) -> dict[str, int]:
    """The parity of every door on the sample's roads for this seed (its numbering, the first draws of the sample
    world's stream, starts at random and steps by even numbers): another subdistrict takes the other side of a
    road it shares, so no address is in both."""
    rng = random.Random(seed)
    return {road: rng.randrange(1, 60) % 2 for road in load_roads(SAMPLE_SUBDISTRICT)}


class _Numbering:
    """Door and lane numbers per road, ascending as on a real street."""

    def __init__(self, rng: random.Random, roads: tuple[str, ...], taken_sides: dict[str, int]):
        self.rng = rng
        self.next = {road: rng.randrange(1, 60) for road in roads}
        for road, parity in taken_sides.items():
            if road in self.next and self.next[road] % 2 == parity:
                self.next[road] += 1

    def take(self, road: str) -> int:
        number = self.next[road]
        self.next[road] += self.rng.choice((2, 2, 4, 6, 8))
        return number


def build_register(
    rng: random.Random, subdistrict: Subdistrict, homes_wanted: int, shops_wanted: int, sample_seed: int = 20261101
) -> list[House]:
    """Every house of the subdistrict, homes first by committee, then shops and offices on the roads.
    Outside the sample, roads shared with the sample's world of `sample_seed` get the other side's numbers."""
    committees, roads = list(subdistrict.committees), list(subdistrict.roads)
    numbering = _Numbering(rng, subdistrict.roads, {} if subdistrict.is_sample else _sample_sides(sample_seed))
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
            name = rng.choice(subdistrict.compound_stems) + rng.choice(_COMPOUND_WORDS)
            if name not in compound_names or len(compound_names) > 200:
                compound_names.add(name)
                return name

    per_committee = max(1, homes_wanted // len(committees))
    big = min(1.0, per_committee / 600)  # small worlds get small sites, so every committee has several
    for committee in committees:
        made = 0
        while made < per_committee:
            road, grid = rng.choice(committee_roads[committee.code]), rng.choice(committee.grids)
            if rng.random() < 0.25:  # a 石库门 lane: each door's rooms are households, 长乐路372弄5号亭子间
                lane = numbering.take(road)
                for building in range(1, rng.randrange(3, 4 + int(10 * big))):
                    for room, floor in rng.choice(SHIKUMEN_PLANS):
                        add(
                            committee,
                            grid,
                            kind="home",
                            road=road,
                            door_no=None,
                            lane_no=lane,
                            building_no=building,
                            compound=None,
                            unit_no=None,
                            floor_no=floor,
                            room_no=room,
                            area_m2=round(rng.uniform(6, 28), 1),
                        )
                        made += 1
            elif rng.random() < 0.6:  # a 里弄 lane: 长乐路372弄5号402室
                lane, name = numbering.take(road), (compound_name() if rng.random() < 0.4 else None)
                for building in range(1, rng.randrange(3, 4 + int(12 * big))):
                    for floor in range(1, rng.randrange(2, 5)):
                        for r in range(1, rng.randrange(2, 4)):
                            add(
                                committee,
                                grid,
                                kind="home",
                                road=road,
                                door_no=None,
                                lane_no=lane,
                                building_no=building,
                                compound=name,
                                unit_no=None,
                                floor_no=floor,
                                room_no=f"{floor}0{r}",
                                area_m2=round(rng.uniform(12, 60), 1),
                            )
                            made += 1
            else:  # an apartment compound: 复兴中路1200号锦江公寓3号楼2单元502室
                door, name = numbering.take(road), compound_name()
                for building in range(1, rng.randrange(2, 3 + int(3 * big))):
                    units = rng.choice((None, 1, 2, 3))
                    for unit in [None] if units is None else range(1, units + 1):
                        for floor in range(1, rng.randrange(4, 5 + int(14 * big))):
                            for r in range(1, rng.randrange(2, 5)):
                                add(
                                    committee,
                                    grid,
                                    kind="home",
                                    road=road,
                                    door_no=door,
                                    lane_no=None,
                                    building_no=building,
                                    compound=name,
                                    unit_no=unit,
                                    floor_no=floor,
                                    room_no=f"{floor}0{r}",
                                    area_m2=round(rng.uniform(35, 140), 1),
                                )
                                made += 1
    for i in range(shops_wanted):  # street-front shops and offices: one door each on the road
        committee = committees[i % len(committees)]
        road, grid = rng.choice(committee_roads[committee.code]), rng.choice(committee.grids)
        door = numbering.take(road)
        # a door cut in beside it later takes its number with 甲 (and then 乙): 20号, 20号甲, 20号乙
        beside = DOOR_SUFFIXES[: rng.choice((1, 1, 2))] if rng.random() < 0.12 else ()
        for suffix in ("", *beside):
            add(
                committee,
                grid,
                kind="office" if rng.random() < 0.1 else "shop",
                road=road,
                door_no=door,
                lane_no=None,
                building_no=None,
                compound=None,
                unit_no=None,
                floor_no=1,
                room_no=None,
                area_m2=round(rng.uniform(15, 200), 1),
                door_suffix=suffix,
            )
    for committee in committees:  # each committee's own office is a public house
        road = committee_roads[committee.code][0]
        add(
            committee,
            committee.grids[0],
            kind="public",
            road=road,
            door_no=numbering.take(road),
            lane_no=None,
            building_no=None,
            compound=None,
            unit_no=None,
            floor_no=1,
            room_no=None,
            area_m2=120.0,
        )
    return houses
