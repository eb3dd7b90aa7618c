"""Generate the sample world and every source's exports, with ground truth and a manifest.

The pipeline never reads ``truth/`` or ``manifest.json``; tests and benchmarks do.
"""

from __future__ import annotations

import csv
import importlib
import json
import pkgutil
import shutil
from collections.abc import Callable
from pathlib import Path

from data_samples.generator import sources
from data_samples.generator.delivery import FACTS, NAMES, TRUTH_KEYS, Deliveries
from data_samples.generator.geography import SAMPLE_SUBDISTRICT
from data_samples.generator.noise import NoiseRates
from data_samples.generator.population import AS_OF
from data_samples.generator.world import World, build_world

SAMPLES = Path(__file__).resolve().parents[1]  # data_samples/: the committed small world
DEFAULT_SEED = 20261101
SAMPLE_PEOPLE = 3000


def source_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(sources.__path__))


def generate(
    out: Path,
    people: int = SAMPLE_PEOPLE,
    seed: int = DEFAULT_SEED,
    rates: NoiseRates = NoiseRates(),
    only: list[str] | None = None,
    subdistrict: str = SAMPLE_SUBDISTRICT,
    beside: tuple[Path, ...] = (),
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write landing/, databases/, truth/ and manifest.json under `out` for a world of `subdistrict`; return the
    manifest. `beside`: worlds already generated for other subdistricts, whose ID numbers and credit codes this one
    must not reuse (independent draws alone collide now and then from about 20,000 people on)."""
    say = progress or (lambda _: None)
    say(f"building a world of about {people:,} people")
    world = build_world(people, seed, subdistrict=subdistrict, taken=issued_identifiers(beside))
    return export_world(out, world, people, seed, rates, only or source_names(), say)


def export_world(
    out: Path, world: World, people: int, seed: int, rates: NoiseRates, names: list[str], say: Callable[[str], None]
) -> dict:
    """Write the exports of `names`, the truth and manifest.json of a built world under `out`; return the manifest."""
    for folder in ("landing", "databases", "truth"):
        shutil.rmtree(out / folder, ignore_errors=True)
    (out / "truth").mkdir(parents=True)
    manifest = {"seed": seed, "people": people, "as_of": AS_OF.isoformat(), "sources": {}}
    if not world.subdistrict.is_sample:  # the committed sample's manifest predates other subdistricts
        manifest = {"subdistrict": world.subdistrict.code, "subdistrict_name": world.subdistrict.name, **manifest}
    truth_rows = []
    for name in names:
        say(f"exporting {name}")
        deliveries = Deliveries.open(name, out, world.seed, rates)
        importlib.import_module(f"{sources.__name__}.{name}").export(world, deliveries)
        truth_rows.extend(deliveries.truth)
        emitted = sum(f["rows"] for f in deliveries.files)
        manifest["sources"][name] = {
            "files": deliveries.files,
            "rows_emitted": emitted,
            "rows_distinct_deliveries": sum(f["rows"] for f in deliveries.files if not f.get("duplicate_of")),
        }
    manifest["records"] = sum(s["rows_emitted"] for s in manifest["sources"].values())
    say("writing the truth")
    _write_truth(out / "truth", world, truth_rows)
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def issued_identifiers(worlds: tuple[Path, ...]) -> frozenset[str]:
    """The ID numbers and credit codes of generated worlds, from their truth/people.csv and truth/businesses.csv."""
    issued = set()
    for world in worlds:
        for name, column in (("people.csv", "id_number"), ("businesses.csv", "credit_code")):
            path = world / "truth" / name
            if not path.is_file():
                raise ValueError(f"{world} is not a generated world: no {path}")
            with path.open(encoding="utf-8", newline="") as f:
                issued.update(row[column] for row in csv.DictReader(f))
    return frozenset(issued)


def write_records(path: Path, records: list[tuple]) -> None:
    """truth/records.csv: for every exported row, what it refers to (``Deliveries.truth``)."""
    write_csv(path, ["source", "file", "sheet", "row_number", "record_key", *TRUTH_KEYS, NAMES, FACTS], records)


def write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _id(obj) -> str:
    return "" if obj is None else getattr(obj, "house_id", None) or getattr(obj, "person_id", None) or obj.business_id


def _write_truth(folder: Path, world: World, records: list[tuple]) -> None:
    write_records(folder / "records.csv", records)
    write_csv(
        folder / "houses.csv",
        [
            "house_id",
            "kind",
            "committee_code",
            "grid_code",
            "address",
            "road",
            "lane_no",
            "door_no",
            "compound",
            "building_no",
            "unit_no",
            "floor_no",
            "room_no",
        ],
        (
            [
                h.house_id,
                h.kind,
                h.committee.code,
                h.grid_code,
                h.canonical(),
                h.road,
                h.lane_no,
                h.door,
                h.compound,
                h.building_no,
                h.unit_no,
                h.floor_no,
                h.room_no,
            ]
            for h in world.houses
        ),
    )
    write_csv(
        folder / "people.csv",
        [
            "person_id",
            "name",
            "sex",
            "birth_date",
            "id_number",
            "phone",
            "household_id",
            "relation",
            "home_house_id",
            "registered_house_id",
            "moved_in",
            "previous_house_id",
            "owns",
            "rents",
            "landlord_person_id",
            "flags",
        ],
        (
            [
                p.person_id,
                p.name,
                p.sex,
                p.birth,
                p.id_number,
                p.phone,
                p.household_id,
                p.relation,
                _id(p.home),
                _id(p.registered),
                p.moved_in,
                _id(p.previous_home),
                ";".join(h.house_id for h in p.owns),
                _id(p.rents),
                _id(p.landlord),
                ";".join(sorted(p.flags)),
            ]
            for p in world.people
        ),
    )
    write_csv(
        folder / "businesses.csv",
        [
            "business_id",
            "credit_code",
            "legal_name",
            "shop_name",
            "category",
            "house_id",
            "owner_person_id",
            "phone",
            "opened",
            "flags",
        ],
        (
            [
                b.business_id,
                b.credit_code,
                b.legal_name,
                b.shop_name,
                b.category,
                b.house.house_id,
                b.owner.person_id,
                b.phone,
                b.opened,
                ";".join(sorted(b.flags)),
            ]
            for b in world.businesses
        ),
    )
    write_csv(
        folder / "events.csv",
        ["event_id", "kind", "category", "house_id", "business_id", "person_id", "occurred_at", "closed_at", "status"],
        (
            [
                e.event_id,
                e.kind,
                e.category,
                e.house.house_id,
                _id(e.business),
                _id(e.person),
                e.occurred,
                e.closed,
                e.status,
            ]
            for e in world.events
        ),
    )
