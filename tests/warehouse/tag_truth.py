"""The truth of every tag: its rule applied to the generator's clean facts, independent of the pipeline.

The oracle fills the tables tag rules read (tags.person_records, link_records, business_records,
event_records, house_records, residents and core.houses) from data_samples/truth: one row per exported
row of truth/records.csv, keyed by the true person, house and business, with the clean values the
exporter drew (its ``facts``) under the record kind's canonical columns. People are keyed by their
true ID number, so rules that read it work as on the pipeline; members are given back as truth ids.

The pipeline's members are mapped to truth ids by provenance: every tag input row names its source,
file, sheet and row; the truth id a pipeline id stands for is the one most of its rows have in truth.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from connectors.spec import load_registry
from schemas.record_kinds import record_kind_columns, sql_type
from warehouse.tag_inputs import ENTITY_KEYS, build_residents
from warehouse.tags import evaluate_tags, load_catalogue

_KINDS = ("person", "link", "business", "event", "house")
_EXTRA = {
    "source": "VARCHAR",
    "delivery_id": "VARCHAR",
    "file_name": "VARCHAR",
    "sheet": "VARCHAR",
    "row_number": "BIGINT",
    "is_current": "BOOLEAN",
    "house_id": "VARCHAR",
    "match_level": "VARCHAR",
    "is_building_wide": "BOOLEAN",
}
_KEYS = {
    "person": {"person_id": "VARCHAR", "birth_date": "DATE"},
    "link": {"person_id": "VARCHAR", "counterpart_person_id": "VARCHAR"},
    "business": {"business_id": "VARCHAR"},
    "event": {"person_id": "VARCHAR", "business_id": "VARCHAR"},
    "house": {},
}
_BUILDING = ["road", "lane_no", "door_no", "compound", "building_no"]


def read_records(truth: Path) -> pd.DataFrame:
    records = pd.read_csv(truth / "records.csv", dtype=str, keep_default_na=False)
    records["facts"] = records["facts"].map(json.loads)
    return records


def _row_id(record) -> str:
    return f"row:{record.source}:{record.file}:{record.sheet}:{record.row_number or record.record_key}"


def _distinct(records: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """The rows of perfect data: a file delivered again and a row keyed in twice are there once."""
    copies = {
        (source, f["file"])
        for source, entry in manifest["sources"].items()
        for f in entry["files"]
        if f.get("duplicate_of")
    }
    records = records[[(s, f) not in copies for s, f in zip(records["source"], records["file"], strict=False)]]
    same = ["source", "file", "sheet", "house_id", "person_id", "business_id", "event_id", "names"]
    return records[~records[same].assign(facts=records["facts"].map(json.dumps)).duplicated()]


def _current_files(manifest: dict, registry) -> set[tuple[str, str]]:
    """(source, file) of the rows in force: every file of a change feed, the latest of a snapshot."""
    current = set()
    for source, entry in manifest["sources"].items():
        files = [f["file"] for f in entry["files"] if not f.get("duplicate_of")]
        if registry[source].delivery == "snapshot":
            files = files[-1:]
        current |= {(source, f) for f in files}
    return current


def _columns(kind: str) -> dict[str, str]:
    canonical = {name: sql_type(column["type"]) for name, column in record_kind_columns(kind).items()}
    return {**canonical, **_EXTRA, **_KEYS[kind]}


def build_oracle(con: duckdb.DuckDBPyConnection, samples: Path) -> None:
    """Write the tag inputs of the perfect world into con (an empty DuckDB)."""
    truth = samples / "truth"
    registry = load_registry()
    manifest = json.loads((samples / "manifest.json").read_text(encoding="utf-8"))
    current = _current_files(manifest, registry)
    people = pd.read_csv(truth / "people.csv", dtype=str, keep_default_na=False).set_index("person_id")
    houses = pd.read_csv(truth / "houses.csv", dtype=str, keep_default_na=False)
    building_of = houses.set_index("house_id")[_BUILDING].apply(tuple, axis=1)
    building_houses = houses.groupby(_BUILDING, dropna=False)["house_id"].apply(list)
    id_number = people["id_number"].to_dict()

    rows: dict[str, list[dict]] = {kind: [] for kind in _KINDS}
    for record in _distinct(read_records(truth), manifest).itertuples(index=False):
        if record.names == "out_of_area":
            continue  # another subdistrict's record: no person, business, event or tag here
        kind = registry[record.source].record_kind
        facts = record.facts
        wide = record.names == "building" and kind in ("event", "house")
        house_ids = building_houses[building_of[record.house_id]] if wide else [record.house_id or None]
        row = {
            **facts,
            "source": record.source,
            "delivery_id": record.file,
            "file_name": record.file,
            "sheet": record.sheet or None,
            "row_number": record.row_number or None,
            "is_current": (record.source, record.file) in current,
            "match_level": "building" if wide else ("room" if house_ids[0] else "none"),
            "is_building_wide": wide,
            f"{kind}_ref": record.record_key or None,
        }
        person = record.person_id or None
        if kind in ("person", "link", "event"):
            row["person_id"] = row["id_number"] = id_number.get(person) if person else None
        if kind == "person" and person:
            row["birth_date"] = people.at[person, "birth_date"]
        if kind == "link":
            landlord = facts.get("counterpart_person_id")
            row["counterpart_person_id"] = row["counterpart_id_number"] = id_number.get(landlord) if landlord else None
        if kind == "event":
            row["business_id"] = record.business_id or None
        if kind == "business":  # a shop's long-gone tenant is in no truth table: the row stands for it
            row["business_id"] = record.business_id or _row_id(record)
        for house_id in house_ids:
            rows[kind].append({**row, "house_id": house_id})

    con.execute("CREATE SCHEMA IF NOT EXISTS tags")
    con.execute("CREATE SCHEMA IF NOT EXISTS core")
    for kind in _KINDS:
        columns = _columns(kind)
        frame = pd.DataFrame(rows[kind], columns=list(columns)).astype(object).where(lambda f: f.notna(), None)
        frame = frame.map(lambda v: v if v is None or isinstance(v, bool) else str(v))
        con.register("_frame", frame)
        casts = ", ".join(
            f'TRY_CAST("{c}" AS {t}) AS "{c}"' if t != "BOOLEAN" else f'"{c}"' for c, t in columns.items()
        )
        con.execute(f"CREATE OR REPLACE TABLE tags.{kind}_records AS SELECT {casts} FROM _frame")
        con.unregister("_frame")
    con.register("_houses", houses)
    con.execute("""CREATE OR REPLACE TABLE core.houses AS
        SELECT house_id, address AS canonical_address, committee_code, grid_code, road, nullif(lane_no, '') AS lane_no,
               nullif(door_no, '') AS door_no, nullif(compound, '') AS compound,
               nullif(building_no, '') AS building_no, nullif(unit_no, '') AS unit_no,
               nullif(floor_no, '') AS floor_no, nullif(room_no, '') AS room_no, kind AS house_kind
        FROM _houses""")
    con.unregister("_houses")
    build_residents(con)


def oracle_members(samples: Path, as_of: date, path: Path) -> dict[str, set[str]]:
    """tag code -> truth ids of its members when its rule runs on the perfect world (errors raise)."""
    catalogue = load_catalogue()
    people = pd.read_csv(samples / "truth" / "people.csv", dtype=str).set_index("id_number")["person_id"]
    with duckdb.connect(str(path)) as con:
        results = evaluate_tags(
            con,
            catalogue,
            load_registry(),
            as_of=as_of,
            run_id="truth",
            build_inputs=lambda c, _registry, _as_of: build_oracle(c, samples),
        )
        failed = {r.code: r.error for r in results if r.error}
        assert not failed, f"rules that fail on the truth: {failed}"
        members = {t.code: set() for t in catalogue}
        for entity, key in ENTITY_KEYS.items():
            for code, member in con.execute(
                f"SELECT tag_code, {key} FROM tags.{entity}_tags WHERE valid_to IS NULL"
            ).fetchall():
                members[code].add(people.get(member, f"?{member}") if entity == "person" else member)
    return members


def pipeline_to_truth(con: duckdb.DuckDBPyConnection, records: pd.DataFrame) -> dict[str, dict[str, str]]:
    """entity -> {pipeline id: truth id}, by the truth of the rows each pipeline id was read from."""
    flat = records.assign(
        counterpart=records["facts"].map(lambda f: f.get("counterpart_person_id", "")),
        business_or_row=[r.business_id or _row_id(r) for r in records.itertuples(index=False)],
    )
    con.register("_truth", flat.drop(columns=["facts"]))
    rows = []
    for kind, ref in (
        ("person", "person_ref"),
        ("link", "link_ref"),
        ("event", "event_ref"),
        ("business", "business_ref"),
    ):
        keys = [("person_id", "person_id")] if kind in ("person", "link", "event") else []
        keys += [("counterpart_person_id", "counterpart")] if kind == "link" else []
        keys += [("business_id", "business_id")] if kind == "event" else []
        keys += [("business_id", "business_or_row")] if kind == "business" else []
        for pipeline_key, truth_key in keys:
            entity = "person" if pipeline_key != "business_id" else "business"
            rows.append(f"""
                SELECT '{entity}' AS entity, r.{pipeline_key} AS pipeline_id, t.{truth_key} AS truth_id
                FROM tags.{kind}_records r JOIN _truth t ON t.source = r.source AND t.file = r.file_name
                     AND t.sheet = coalesce(r.sheet, '')
                     AND (t.row_number = CAST(r.row_number AS VARCHAR) OR t.row_number = '' AND t.record_key = r.{ref})
                WHERE r.{pipeline_key} IS NOT NULL AND t.{truth_key} <> ''""")
    votes = con.execute(f"""SELECT entity, pipeline_id, mode(truth_id) FROM ({" UNION ALL ".join(rows)})
                            GROUP BY ALL""").fetchall()
    con.unregister("_truth")
    mapping: dict[str, dict[str, str]] = {"person": {}, "business": {}}
    for entity, pipeline_id, truth_id in votes:
        mapping[entity][pipeline_id] = truth_id
    return mapping


def pipeline_members(con: duckdb.DuckDBPyConnection, mapping: dict[str, dict[str, str]]) -> dict[str, set[str]]:
    """tag code -> the pipeline's open members as truth ids ('?id' where no truth row stands behind one)."""
    members: dict[str, set[str]] = {}
    for (code,) in con.execute("SELECT tag_code FROM tags.catalogue").fetchall():
        members[code] = set()
    for entity, key in ENTITY_KEYS.items():
        ids = mapping.get(entity)
        for code, member in con.execute(
            f"SELECT tag_code, {key} FROM tags.{entity}_tags WHERE valid_to IS NULL"
        ).fetchall():
            members[code].add(ids.get(member, f"?{member}") if ids is not None else member)
    return members
