"""The record backbone rebuilds a kind's table only when what it is made of changed: a new event delivery rebuilds
core.event_rows and leaves the people's rows as they were; the result is what a full rebuild gives."""

from pathlib import Path

from connectors.spec import load_registry
from resolution.address.records import KINDS, build_records
from resolution.address.register import Register, build_core_houses
from resolution.address.resolve import resolve_addresses
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


def _differ(con, one: str, other: str) -> int:
    return con.execute(
        f"SELECT (SELECT count(*) FROM (FROM {one} EXCEPT ALL FROM {other})) "
        f"+ (SELECT count(*) FROM (FROM {other} EXCEPT ALL FROM {one}))"
    ).fetchone()[0]


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
        assert _differ(con, "kept_event", "core.event_rows") == 0
        assert _differ(con, "kept_person", "core.person_rows") == 2  # the mark, both ways
        assert all(_differ(con, f"kept_{kind}", f"core.{kind}_rows") == 0 for kind in ("link", "business", "house"))
