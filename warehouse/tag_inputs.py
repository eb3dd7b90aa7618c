"""What tag rules read: every staged record of a kind in one table, with its house and its keys.

tags.person_records, link_records, business_records, event_records and house_records hold every
staged row of that record kind (all sources, canonical columns, NULL where a source has none) plus
``house_id`` and ``match_level`` from address matching and ``is_current`` (the row is in a delivery
current on the run day: the latest observed, not held, snapshot of a snapshot source, or any accepted
delivery of a changes source; warehouse/business_time.py). They are read from the record backbone
(core.<kind>_rows, resolution/address/records.py). Keys come from identity resolution, joined on record_id:

- ``person_id``: the person core.person_records gives the row (``PSN...``); ``id_number`` is the row's
  ID number checked and lifted to 18 digits, else that person's (rules that read its digits use it);
  ``counterpart_person_id`` (a landlord) is the person holding the counterpart's ID number, else the
  one core.person_counterparts gives the row;
- ``business_id``: the business core.business_records gives a business row; an event takes the business
  core.event_attributions attributes it to, and its house too unless the event is building-wide.

An event or house record whose address names only a building is repeated for every house of it
(``is_building_wide``): a waste-sorting check of 1号楼 is about all of 1号楼's households.

Each run writes only the rows of the records (for tags.residents, the people) whose rows changed
(warehouse/changed_rows.py): a delivery costs the rows it brings, not every row the tables hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import duckdb

from connectors.spec import sources_with
from resolution.address import records
from resolution.address.records import KINDS, records_table
from schemas import identifiers
from schemas.clock import run_day
from schemas.identifiers import identifier_macros
from warehouse import business_time, changed_rows
from warehouse.business_time import mark_current
from warehouse.catalogue import table_exists
from warehouse.changed_rows import replace_changed, rows_digest

ENTITY_KEYS = {"house": "house_id", "person": "person_id", "business": "business_id"}


def _matched(kind: str, only: str | None = None) -> str:
    """The kind's records (core.<kind>_rows) of the sources ``$sources``, with their currency and house; an event
    or house record matched to a building only is one row per house of it. ``only``: just the records that
    table names."""
    houses = "[r.house_id]"
    if kind in ("event", "house"):
        houses = "CASE WHEN r.match_level = 'building' THEN r.candidates ELSE [r.house_id] END"
    named = f"AND r.record_id IN (SELECT record_id FROM {only})" if only else ""
    return f"""
        SELECT r.* EXCLUDE (house_id, match_level, candidates, blanked),
               r.delivery_id IN (SELECT delivery_id FROM current_deliveries) AS is_current,
               unnest(CASE WHEN len({houses}) = 0 THEN [NULL] ELSE {houses} END) AS house_id,
               r.match_level, r.match_level = 'building' AS is_building_wide
        FROM {records_table(kind)} r WHERE list_contains($sources::VARCHAR[], r.source) {named}"""


def _person(alias: str) -> str:
    """The record's person, that person's ID number and birth date, and its own ID number checked and lifted."""
    return f"""LEFT JOIN core.person_records pr ON pr.record_id = {alias}.record_id
        LEFT JOIN core.people pp ON pp.person_id = pr.person_id
        LEFT JOIN _id18 n ON n.written = {alias}.id_number"""


# each kind's rows from its matched records (``m``) and identity resolution's keys
_ROWS = {
    "person": f"""
        SELECT p.* EXCLUDE (birth_date, id_number), pr.person_id,
               coalesce(n.id18, pp.id_number) AS id_number,
               coalesce(p.birth_date, pp.birth_date,
                        try_strptime(substr(coalesce(n.id18, pp.id_number), 7, 8), '%Y%m%d')::DATE) AS birth_date
        FROM m p {_person("p")}""",
    "link": f"""
        SELECT l.* EXCLUDE (id_number, counterpart_id_number), pr.person_id,
               coalesce(n.id18, pp.id_number) AS id_number,
               coalesce(c.person_id, pc.person_id) AS counterpart_person_id,
               cn.id18 AS counterpart_id_number
        FROM m l {_person("l")}
        LEFT JOIN _id18 cn ON cn.written = l.counterpart_id_number
        LEFT JOIN (SELECT id_number, any_value(person_id) AS person_id FROM core.people
                   WHERE id_number IS NOT NULL GROUP BY id_number HAVING count(*) = 1) c
               ON c.id_number = cn.id18
        -- a masked ID number (340104********2899) keys nobody: identity resolution still placed the landlord
        LEFT JOIN core.person_counterparts pc ON pc.record_id = l.record_id""",
    "business": "SELECT b.*, br.business_id FROM m b LEFT JOIN core.business_records br ON br.record_id = b.record_id",
    "event": f"""
        SELECT e.* EXCLUDE (id_number, house_id), pr.person_id, coalesce(n.id18, pp.id_number) AS id_number,
               a.business_id,
               -- attribution also reads the free text ("来电人称雁荡路39号油烟直排") where the address names no house
               CASE WHEN e.is_building_wide THEN e.house_id ELSE coalesce(a.house_id, e.house_id) END AS house_id
        FROM m e {_person("e")}
        LEFT JOIN core.event_attributions a ON a.record_id = e.record_id""",
    "house": "SELECT * FROM m",
}


def build_tag_inputs(con: duckdb.DuckDBPyConnection, registry: Mapping, as_of: date | None = None) -> None:
    """Bring the tags.*_records tables in line with the record backbone and identity resolution;
    ``is_current`` as of ``as_of`` (default the run day). A kind whose inputs are as at its last build is left
    as it is (meta.tag_inputs_basis)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS tags")
    con.execute(BASIS_SQL)
    con.execute(identifier_macros(as_of))  # id18: the row's ID number checked and lifted to 18 characters
    mark_current(con, registry, as_of)
    sources = {kind: [name for name, spec in registry.items() if spec.record_kind == kind] for kind in KINDS}
    residents = sources_with(registry, residents=True)
    bases = _bases(con, sources, residents, as_of)
    earlier = {kind: (inputs, n) for kind, inputs, n in con.execute(f"SELECT * FROM {BASIS}").fetchall()}
    stale = [kind for kind in bases if earlier.get(kind) != (bases[kind], _count(con, kind))]
    # until a kind's table is brought in line, its basis no longer holds
    con.execute(f"DELETE FROM {BASIS} WHERE kind IN (SELECT unnest(?::VARCHAR[]))", [stale])
    # each written ID number checked and lifted once, however many records carry it; only the kinds built read it
    written = {
        "person": ["SELECT id_number FROM core.person_rows WHERE list_contains($person::VARCHAR[], source)"],
        "link": [
            "SELECT id_number FROM core.link_rows WHERE list_contains($link::VARCHAR[], source)",
            "SELECT counterpart_id_number FROM core.link_rows WHERE list_contains($link::VARCHAR[], source)",
        ],
        "event": ["SELECT id_number FROM core.event_rows WHERE list_contains($event::VARCHAR[], source)"],
    }
    built = [kind for kind in written if kind in stale]
    if built:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _id18 AS SELECT written, id18(written) AS id18 FROM (
            SELECT DISTINCT written FROM ({" UNION ".join(q for kind in built for q in written[kind])}) t(written)
            WHERE written IS NOT NULL)""",
            {kind: sources[kind] for kind in built},
        )
    for kind in KINDS:
        if kind in stale:
            rows = lambda only, kind=kind: f"WITH m AS ({_matched(kind, only)}) {_ROWS[kind]}"
            replace_changed(con, f"tags.{kind}_records", rows, "record_id", {"sources": sources[kind]})
            _held(con, kind, bases[kind])
    if "residents" in stale:
        build_residents(con, registry)
        _held(con, "residents", bases["residents"])


# the code a kind's rows depend on besides its tables: this module, how rows are replaced, currency, ID numbers
CODE = hashlib.sha256(
    b"".join(
        Path(path).read_bytes()
        for path in (__file__, changed_rows.__file__, business_time.__file__, identifiers.__file__, records.__file__)
    )
).hexdigest()
BASIS = "meta.tag_inputs_basis"  # meta: what each tags.*_records table (and tags.residents) was last built from
BASIS_SQL = f"CREATE SCHEMA IF NOT EXISTS meta; CREATE TABLE IF NOT EXISTS {BASIS} (kind VARCHAR PRIMARY KEY, inputs VARCHAR NOT NULL, row_count BIGINT NOT NULL)"
# the identity tables each kind's query reads besides core.<kind>_rows (_ROWS)
READS = {
    "person": ("core.person_records", "core.people"),
    "link": ("core.person_records", "core.people", "core.person_counterparts"),
    "business": ("core.business_records",),
    "event": ("core.person_records", "core.people", "core.event_attributions"),
    "house": (),
}


def _bases(con, sources: dict[str, list[str]], residents: list[str], as_of: date | None) -> dict[str, str | None]:
    """Per kind, a digest of everything its query reads: the code, the run day, its sources, their current
    deliveries and the rows of the tables it reads; tags.residents reads tags.person_records, so the person
    kind's digest and its own sources."""
    tables = {table for kind in KINDS for table in (records_table(kind), *READS[kind])}
    digests = {table: rows_digest(con, table) for table in sorted(tables)}
    # per source: a kind's rows are current or not by its own sources' deliveries, so another's leaves it be
    current = dict(
        con.execute(
            "SELECT source, (count(*), sum(hash(c)))::VARCHAR FROM current_deliveries c GROUP BY source"
        ).fetchall()
    )
    common = [CODE, str(as_of or run_day())]

    def basis(kind: str, names: list[str], *inputs: object) -> str | None:  # None: a table cannot be read
        if None in inputs:
            return None
        read = [kind, names, [current.get(name) for name in names], *inputs]
        return hashlib.sha256(json.dumps([*common, *read], default=str).encode()).hexdigest()

    bases = {
        kind: basis(kind, sources[kind], *(digests[t] for t in (records_table(kind), *READS[kind]))) for kind in KINDS
    }
    bases["residents"] = basis("residents", residents, bases["person"])
    return bases


def _table(kind: str) -> str:
    return "tags.residents" if kind == "residents" else f"tags.{kind}_records"


def _count(con, kind: str) -> int | None:
    """The kind's table's rows now (None if it is missing): a table changed since its build is built again."""
    schema, name = _table(kind).split(".")
    return (
        con.execute(f"SELECT count(*) FROM {_table(kind)}").fetchone()[0] if table_exists(con, schema, name) else None
    )


def _held(con, kind: str, basis: str | None) -> None:
    """Record the basis a kind's table now stands on, with its row count as written."""
    if basis is not None:
        con.execute(f"INSERT OR REPLACE INTO {BASIS} VALUES (?, ?, ?)", [kind, basis, _count(con, kind)])


def build_residents(con: duckdb.DuckDBPyConnection, registry: Mapping | None = None) -> None:
    """tags.residents: who lives where now, from the current snapshot of the residents list (实有人口, the
    source with the ``residents`` role), one row per person."""
    rows = lambda only: (
        f"""
        SELECT person_id, mode(house_id ORDER BY house_id) AS house_id, min(birth_date) AS birth_date,
               mode(sex ORDER BY sex) AS sex, mode(status ORDER BY status) AS residence_reason,
               mode(name ORDER BY name) AS name, mode(id_number ORDER BY id_number) AS id_number
        FROM tags.person_records
        WHERE list_contains($residents::VARCHAR[], source) AND is_current AND person_id IS NOT NULL
          AND house_id IS NOT NULL {f"AND person_id IN (SELECT person_id FROM {only})" if only else ""}
        GROUP BY person_id"""
    )
    replace_changed(con, "tags.residents", rows, "person_id", {"residents": sources_with(registry, residents=True)})
