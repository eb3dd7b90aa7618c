"""Rows of district and municipal exports that lie outside the subdistrict: their addresses, people and shops.

The district housing bureau, market registration and 12345 list the whole district (or city); a subdistrict's
delivery still holds rows of other subdistricts. Their roads are real (outside_roads.csv: road and district
from ../shared/reference/shanghai_central_roads.csv; 香港路, a real road of 外滩街道, is not in that list;
subdistricts only where a road lies mostly in one, else blank): many are near-namesakes of the register's
roads (陕西北路 beside 陕西南路), others other roads of 黄浦区 and its neighbours, and a few are register roads
at door numbers far beyond the register's, where the road runs on into the next district.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from data_samples.generator.geography import CITY_NAME, DISTRICT_NAME, ROADS, ROOM_NAMES, load_roads
from data_samples.generator.identifiers import id_number, mobile
from data_samples.generator.population import DIVISIONS, GIVEN, SURNAMES

OUTSIDE_ROADS = Path(__file__).with_name("outside_roads.csv")
OUTSIDE_SHARE = 0.1  # rows of another subdistrict, per district or municipal export
_KINDS = (("namesake", 0.55), ("other", 0.35), ("beyond", 0.10))


@dataclass(frozen=True)
class Place:
    """An address outside the subdistrict as written, and what truth knows of it."""

    address: str
    facts: dict = field(default_factory=dict)
    """district, and subdistrict where the address writes it."""


@dataclass(frozen=True)
class Outsider:
    name: str
    sex: str
    id_number: str
    phone: str


def outside_rows(inside: int) -> int:
    """How many out-of-area rows an export of `inside` rows of the subdistrict holds."""
    return max(3, round(inside * OUTSIDE_SHARE))


def _roads() -> list[dict]:
    with OUTSIDE_ROADS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _worlds_roads() -> set[str]:
    """Roads some generated world of another subdistrict has houses on."""
    return {road for path in ROADS.glob("*.csv") for road in load_roads(path.stem)}


class OutsideWorld:
    """Draws out-of-area places and the people and shops at them for one export."""

    def __init__(self, rng: random.Random, world, district_first: bool):
        """`district_first`: a district export (most rows still of 黄浦区); else municipal."""
        self.rng, self.world, self.district_first = rng, world, district_first
        own = set(world.subdistrict.roads)
        self.roads = [  # a world of another subdistrict: its own roads are not outside it
            r
            for r in _roads()
            if r["kind"] == "beyond" or (r["road"] not in own and r["subdistrict"] != world.subdistrict.name)
        ]
        self.used_ids = {p.id_number for p in world.people}
        self.shared = _worlds_roads() - own  # roads of another generated world: numbers clear of its doors
        self.highest = {}  # the register's highest lane or door number per road
        for h in world.houses:
            number = h.lane_no if h.lane_no is not None else h.door_no
            self.highest[h.road] = max(self.highest.get(h.road, 0), number or 0)

    def place(self, business: bool = False) -> Place:
        """An address outside the subdistrict: a home (lane, flat, 石库门 room) or, for a business, a door."""
        rng = self.rng
        kind = rng.choices([k for k, _ in _KINDS], [w for _, w in _KINDS])[0]
        pool = [r for r in self.roads if r["kind"] == kind]
        if kind != "beyond" and self.district_first and rng.random() < 0.8:
            pool = [r for r in pool if r["district"] == DISTRICT_NAME] or pool
        if kind == "beyond":
            pool = [r for r in pool if r["road"] in self.highest] or [r for r in self.roads if r["kind"] == "namesake"]
        road = rng.choice(pool)
        if road["kind"] == "beyond":  # far past the register's doors: the road has run into the next district
            number = self.highest[road["road"]] + rng.randrange(600, 1200)
        elif road["road"] in self.shared:  # clear of the doors another world of the district numbers from 1
            number = rng.randrange(400, 900)
        else:
            number = rng.randrange(1, 900)
        body = road["road"] + (self._door(number) if business else self._home(number))
        prefix, facts = self._prefix(road)
        return Place(prefix + body, facts)

    def _home(self, number: int) -> str:
        rng = self.rng
        form = rng.random()
        if form < 0.45:  # a lane flat: 380弄5号302室
            return f"{number}弄{rng.randrange(1, 30)}号{rng.randrange(1, 7)}0{rng.randrange(1, 4)}室"
        if form < 0.7:  # a 石库门 room: 36弄2号亭子间, 2楼前楼
            name = rng.choice(sorted(ROOM_NAMES))
            floor = rng.choice(("", "", "2楼", "二楼")) if name in ("前楼", "后楼", "亭子间") else ""
            return f"{number}弄{rng.randrange(1, 40)}号{floor}{name}"
        return f"{number}号{rng.randrange(1, 8)}号楼{rng.randrange(1, 20)}0{rng.randrange(1, 5)}室"  # a compound flat

    def _door(self, number: int) -> str:
        rng = self.rng
        form = rng.random()
        if form < 0.7:
            return f"{number}号"
        if form < 0.85:
            return f"{number}号{rng.randrange(1, 4)}楼"
        return f"{number}号{rng.randrange(1, 20)}0{rng.randrange(1, 5)}室"

    def _prefix(self, road: dict) -> tuple[str, dict]:
        """How much of the division the clerk wrote; truth keeps the district and any subdistrict written."""
        rng, district, subdistrict = self.rng, road["district"], road["subdistrict"]
        facts = {"district": district}
        r = rng.random()
        if r < 0.4:
            return "", facts
        if r < 0.65:
            return CITY_NAME + district, facts
        if r < 0.8 or not subdistrict:
            return district, facts
        facts["subdistrict"] = subdistrict
        return (CITY_NAME if r < 0.9 else "") + district + subdistrict, facts

    def person(self) -> Outsider:
        """Someone who lives or works elsewhere: a name, a valid ID number no one in the world holds, a mobile."""
        rng = self.rng
        sex = rng.choice("MF")
        division = rng.choices([d for d, _ in DIVISIONS], [w for _, w in DIVISIONS])[0]
        birth = date(rng.randrange(1950, 2002), rng.randrange(1, 13), rng.randrange(1, 29))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        return Outsider(name, sex, id_number(rng, division, birth, sex, self.used_ids), mobile(rng))
