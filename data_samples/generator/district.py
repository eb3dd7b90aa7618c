"""A district of several subdistrict worlds whose people move between them, and the district's own exports.

``housekey generate --district --out DIR`` writes:

- ``DIR/<code>/``: one world per subdistrict as the single-subdistrict command writes it (landing/,
  databases/, truth/, manifest.json), without the district sources;
- ``DIR/district/landing/<source>/``: the district sources' exports, each file's rows spanning every
  subdistrict's houses, some rows outside the district (out of area) and a few rows no pipeline can keep
  (quarantine); ``DIR/district/truth/records.csv`` (as a world's) and ``routing.csv`` (per row: the
  subdistrict code, ``out_of_area`` or ``quarantine``); ``DIR/district/manifest.json``;
- ``DIR/truth/city_people.csv`` (one ``city_person`` per human: a mover has a person id in two
  subdistricts) and ``DIR/truth/moves.csv``;
- ``DIR/subdistricts.yaml`` for ``$HOUSEKEY_SUBDISTRICTS``.
"""

from __future__ import annotations

import csv
import importlib
import json
import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from data_samples.generator import sources
from data_samples.generator.delivery import NAMES, Deliveries
from data_samples.generator.formats import Table
from data_samples.generator.generate import export_world, source_names, write_csv, write_records
from data_samples.generator.geography import DISTRICT_CODE, DISTRICT_NAME, Subdistrict
from data_samples.generator.moves import Move, move_people
from data_samples.generator.noise import NoiseRates
from data_samples.generator.outside import OUTSIDE_ROADS
from data_samples.generator.population import AS_OF
from data_samples.generator.world import World, build_world, world_seed

DEFAULT_SUBDISTRICTS = ("310101002", "310101013", "310101022", "310101023")
MOVER_SHARE = 0.1
# The district's departments export the whole district; the column a bad row lacks is one the pipeline
# cannot do without (the record kind's required column), and its record key is spoilt so it repeats no other.
DISTRICT_SOURCES = {
    "hotline_12345": ("来电时间", ("工单编号",)),
    "market_entities": ("住所", ("统一社会信用代码",)),
    "rental_registration": ("房屋地址", ("合同编号", "承租人身份证号")),
}
BAD_ROWS_PER = 150  # one bad row per this many rows of a file, at least one in a file of 30 rows or more
# Real roads of the district's subdistricts that no register here holds (the committed sample draws out-of-area
# rows on them, so they stay out of the roads files): a district export draws no out-of-area row on them.
UNREGISTERED_ROADS = ("南京东路", "九江路", "福州路", "香港路")
OUT_OF_AREA, QUARANTINE = "out_of_area", "quarantine"


def generate_district(
    out: Path,
    people: int,
    seed: int,
    codes: tuple[str, ...] = DEFAULT_SUBDISTRICTS,
    movers: float = MOVER_SHARE,
    rates: NoiseRates = NoiseRates(),
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the district under `out` (layout in the module docstring); return the district manifest."""
    say = progress or (lambda _: None)
    worlds, taken = [], set()
    for code in codes:
        say(f"building {code}")
        world = build_world(people, seed, subdistrict=code, taken=frozenset(taken))
        taken.update(p.id_number for p in world.people)
        taken.update(b.credit_code for b in world.businesses)
        worlds.append(world)
    say("moving people")
    moves = move_people(random.Random(f"{seed}:moves"), worlds, movers)
    own = [name for name in source_names() if name not in DISTRICT_SOURCES]
    for world in worlds:
        code = world.subdistrict.code
        export_world(out / code, world, people, seed, rates, own, lambda step, code=code: say(f"{code}: {step}"))
    say("exporting the district sources")
    shutil.rmtree(out / "district", ignore_errors=True)
    manifest = _export_district(out / "district", _district_world(worlds, seed), seed, rates)
    manifest["moves"] = len(moves)
    (out / "district" / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    (out / "truth").mkdir(parents=True, exist_ok=True)
    _write_city_people(out / "truth", worlds, moves)
    _write_subdistricts(out, worlds)
    return manifest


def _district_world(worlds: list[World], seed: int) -> World:
    """Every subdistrict's houses, people, businesses and events as one world the district's exporters read; its
    roads (what out-of-area rows avoid) are every road lying in one of its subdistricts."""
    names = {w.subdistrict.name for w in worlds}
    with OUTSIDE_ROADS.open(encoding="utf-8") as f:
        inside = {r["road"] for r in csv.DictReader(f) if r["subdistrict"] in names}
    roads = {road for w in worlds for road in w.subdistrict.roads} | inside | set(UNREGISTERED_ROADS)
    district = Subdistrict(
        DISTRICT_CODE,
        DISTRICT_NAME,
        tuple(c for w in worlds for c in w.subdistrict.committees),
        tuple(sorted(roads)),
        tuple(s for w in worlds for s in w.subdistrict.compound_stems),
    )
    return World(
        world_seed(seed, DISTRICT_CODE),
        [h for w in worlds for h in w.houses],
        [p for w in worlds for p in w.people],
        [b for w in worlds for b in w.businesses],
        [e for w in worlds for e in w.events],
        district,
        {w.subdistrict.code: w.subdistrict.name for w in worlds},
    )


@dataclass
class _DistrictDeliveries(Deliveries):
    """A district source's deliveries: a few bad rows mixed in, and where every row belongs."""

    routing: list[tuple] = field(default_factory=list)

    def xlsx(self, file_name: str, tables: list[Table]) -> None:
        largest = max(range(len(tables)), key=lambda i: len(tables[i].rows))
        count = _bad_rows(sum(len(t.rows) for t in tables))
        spoilt = [self._spoil(file_name, t, count if i == largest else 0) for i, t in enumerate(tables)]
        super().xlsx(file_name, spoilt)

    def json(self, file_name: str, table: Table, records_path: str | None = None, envelope: dict | None = None):
        table = self._spoil(file_name, table, _bad_rows(len(table.rows)))
        super().json(file_name, table, records_path, {**(envelope or {}), "total": len(table.rows)})

    def csv(self, file_name: str, table: Table, encoding: str = "utf-8", delimiter: str = ",") -> None:
        super().csv(file_name, self._spoil(file_name, table, _bad_rows(len(table.rows))), encoding, delimiter)

    def _spoil(self, file_name: str, table: Table, count: int) -> Table:
        """The table with `count` bad rows among its rows: copies of rows of the district without their required
        column, their record key marked (so it repeats no other key)."""
        required, keys = DISTRICT_SOURCES[self.source]
        rng = random.Random(f"{self.source}:{file_name}:{table.sheet}:bad")
        rows, truth = list(table.rows), list(table.truth)
        inside = [i for i, t in enumerate(truth) if t.get("house_id")]
        for n in range(count if inside else 0):
            bad = list(rows[rng.choice(inside)])
            bad[table.header.index(required)] = None
            for key in keys:
                bad[table.header.index(key)] = f"{bad[table.header.index(key)]}-{n + 1}"
            at = rng.randrange(len(rows) + 1)
            rows.insert(at, bad)
            truth.insert(at, {NAMES: QUARANTINE})
            inside = [i + (i >= at) for i in inside]
        return replace(table, rows=rows, truth=truth)

    def _record(self, file_name: str, tables: list[Table], numbers: list[list[int]]) -> None:
        """Route every row: a row repeating an earlier row's record key in the file is quarantined (the first
        stays), a bad row too, an out-of-area row is out of area, any other goes to its house's subdistrict."""
        super()._record(file_name, tables, numbers)
        _, keys = DISTRICT_SOURCES[self.source]
        seen = set()
        for table, rows in zip(tables, numbers, strict=True):
            at = [table.header.index(k) for k in keys]
            for row, row_number, truth in zip(table.rows, rows, table.truth, strict=True):
                # a key with a blank cell, or one Excel turned into a number, is no key the pipeline compares
                key = (
                    None if any(isinstance(row[i], float) or not row[i] for i in at) else tuple(str(row[i]) for i in at)
                )
                route = truth.get(NAMES) if truth.get(NAMES) in (QUARANTINE, OUT_OF_AREA) else None
                route = QUARANTINE if key in seen else route or truth["house_id"][:9]
                if key is not None:
                    seen.add(key)
                self.routing.append((self.source, file_name, table.sheet or "", row_number, route))


def _bad_rows(rows: int) -> int:
    """How many bad rows a file of `rows` rows gets: none in a small one, which the gate would hold for them."""
    return max(1, rows // BAD_ROWS_PER) if rows >= 30 else 0


def _export_district(folder: Path, world: World, seed: int, rates: NoiseRates) -> dict:
    """The district sources' exports of `world` under `folder`, their truth and routing; the district's manifest."""
    manifest = {"seed": seed, "as_of": AS_OF.isoformat(), "sources": {}}
    records, routing = [], []
    for name in DISTRICT_SOURCES:
        deliveries = _DistrictDeliveries.open(name, folder, world.seed, rates)
        importlib.import_module(f"{sources.__name__}.{name}").export(world, deliveries)
        records.extend(deliveries.truth)
        routing.extend(deliveries.routing)
        manifest["sources"][name] = {
            "files": deliveries.files,
            "rows_emitted": sum(f["rows"] for f in deliveries.files),
        }
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    write_records(folder / "truth" / "records.csv", records)
    write_csv(folder / "truth" / "routing.csv", ["source", "file", "sheet", "row_number", "subdistrict"], routing)
    manifest["routing"] = dict(sorted(Counter(route for *_, route in routing).items()))
    return manifest


def _write_city_people(folder: Path, worlds: list[World], moves: list[Move]) -> None:
    """One city person per human: the mover's two person ids share one (the number of the first)."""
    arrived = {m.arrived.person_id: m.left for m in moves}
    city, rows = {}, []
    for world in worlds:
        code = world.subdistrict.code
        for person in world.people:
            human = arrived.get(person.person_id, person)
            city.setdefault(id(human), f"H{len(city) + 1:07d}")
            rows.append((code, person.person_id, city[id(human)]))
    write_csv(folder / "city_people.csv", ["subdistrict", "person_id", "city_person"], rows)
    write_csv(
        folder / "moves.csv",
        [
            "city_person",
            "moved_on",
            "from_subdistrict",
            "from_person_id",
            "from_house_id",
            "to_subdistrict",
            "to_person_id",
            "to_house_id",
            "id_number",
            "id_number_shown",
            "phone_changed",
        ],
        (
            (
                city[id(m.left)],
                m.moved_on,
                m.origin,
                m.left.person_id,
                m.from_house.house_id,
                m.destination,
                m.arrived.person_id,
                m.to_house.house_id,
                m.left.id_number,
                "yes" if m.arrived.id_number else "no",
                "yes" if m.arrived.phone != m.left.phone else "no",
            )
            for m in moves
        ),
    )


def _write_subdistricts(out: Path, worlds: list[World]) -> None:
    """The subdistricts file: each subdistrict's landing and warehouse in its folder, the district's landing."""
    document = {
        "district": {"landing": "district/landing"},
        "subdistricts": [
            {
                "code": w.subdistrict.code,
                "name": w.subdistrict.name,
                "landing": f"{w.subdistrict.code}/landing",
                "warehouse": f"{w.subdistrict.code}/warehouse.duckdb",
            }
            for w in worlds
        ],
    }
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    (out / "subdistricts.yaml").write_text(text, encoding="utf-8")
