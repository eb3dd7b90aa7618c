"""The record backbone writes a kind's table only when what it is made of changed: a new event delivery writes
core.event_rows and leaves the people's rows as they were, and writes only the deliveries whose rows changed
while the code and specs stay the same; the result is what a full rebuild gives."""

import shutil
from pathlib import Path

from connectors.spec import load_registry
from resolution.address import records
from resolution.address.records import KINDS, build_records
from resolution.address.register import Register, build_core_houses
from resolution.address.resolve import resolve_addresses
from tests.resolution.address.tables import differ
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.staging import stage

SAMPLE = Path(__file__).resolve().parents[3] / "data_samples" / "landing"


def _deliver(con, registry, names: tuple[str, ...]) -> None:
    for name in names:
        land_source(con, registry[name], SAMPLE)
        stage(con, registry[name])
    build_core_houses(con)
    resolve_addresses(con, Register.from_warehouse(con))
    build_records(con, registry)


def test_a_new_event_delivery_rebuilds_the_event_rows_alone_as_a_full_rebuild_would(tmp_path):
    registry = load_registry()
    with connect(tmp_path / "warehouse.duckdb") as con:
        _deliver(con, registry, ("address_register", "household_registration", "grid_patrols"))
        patrols = con.execute("SELECT count(*) FROM core.event_rows").fetchone()[0]
        # a mark on a person row: it stays only if the person rows are not rebuilt
        con.execute("UPDATE core.person_rows SET name = 'kept as built' WHERE rowid = 0")
        _deliver(con, registry, ("hotline_12345",))
        assert con.execute("SELECT count(*) FROM core.person_rows WHERE name = 'kept as built'").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM core.event_rows").fetchone()[0] > patrols
        for kind in KINDS:
            con.execute(f"CREATE TABLE kept_{kind} AS FROM core.{kind}_rows")
        con.execute("DROP TABLE core.backbone_basis")  # no basis: every kind is rebuilt
        build_records(con, registry)
        assert con.execute("SELECT count(*) FROM core.person_rows WHERE name = 'kept as built'").fetchone()[0] == 0
        assert differ(con, "kept_event", "core.event_rows") == 0
        assert differ(con, "kept_person", "core.person_rows") == 2  # the mark, both ways
        assert all(differ(con, f"kept_{kind}", f"core.{kind}_rows") == 0 for kind in ("link", "business", "house"))


def test_a_new_delivery_writes_its_own_rows_and_those_of_a_changed_match_as_a_full_rebuild_would(tmp_path, monkeypatch):
    registry = load_registry()
    landing = tmp_path / "landing"
    weeks = sorted((SAMPLE / "grid_patrols").glob("patrol_*.jsonl"))[:3]
    written: list[tuple[str, int | None]] = []  # deliveries each kind's table was written by (None: whole)
    by_delivery = records._replace_changed_deliveries

    def spying(con, kind, sources):
        written.append((kind, by_delivery(con, kind, sources)))
        return written[-1][1]

    monkeypatch.setattr(records, "_replace_changed_deliveries", spying)

    def deliver(source: str, files: list[Path]) -> None:
        (landing / source).mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copyfile(path, landing / source / path.name)
        land_source(con, registry[source], landing, now=2_000_000_000)
        stage(con, registry[source])
        build_core_houses(con)
        resolve_addresses(con, Register.from_warehouse(con))
        build_records(con, registry)

    with connect(tmp_path / "warehouse.duckdb") as con:
        deliver("address_register", list((SAMPLE / "address_register").iterdir()))
        deliver("grid_patrols", weeks[:2])
        assert written == []  # a source staged for the first time: its kind is built whole
        deliver("grid_patrols", weeks[2:])
        assert written == [("event", 1)]
        (other,) = con.execute("SELECT min(record_id) FROM core.event_rows WHERE house_id IS NOT NULL").fetchone()
        con.execute(  # a record loses its house: its delivery alone is written again
            "UPDATE core.address_matches SET house_id = NULL, match_level = 'none' WHERE record_id = ?", [other]
        )
        build_records(con, registry)
        assert written == [("event", 1), ("event", 1)]
        assert con.execute("SELECT match_level FROM core.event_rows WHERE record_id = ?", [other]).fetchone() == (
            "none",
        )
        con.execute("CREATE TABLE kept AS FROM core.event_rows")
        con.execute("DROP TABLE core.backbone_basis")  # no basis: every kind is rebuilt whole
        build_records(con, registry)
        assert len(written) == 2 and differ(con, "kept", "core.event_rows") == 0
        con.execute("UPDATE core.address_matches SET house_id = NULL WHERE record_id = ?", [other])
        monkeypatch.setattr(records, "code_digest", lambda paths: "other code")  # the code changed: built whole
        build_records(con, registry)
        assert len(written) == 2
        assert con.execute("SELECT house_id FROM core.event_rows WHERE record_id = ?", [other]).fetchone() == (None,)
