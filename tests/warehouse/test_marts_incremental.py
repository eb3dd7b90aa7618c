"""The marts rebuilt only for the keys whose inputs changed (warehouse/marts/changed_keys.py) equal a whole rebuild:
on a copy of the sample warehouse, inputs of every kind are changed by hand (an event's attribution, status and
new version, a person's name, a tag closed, a resident gone, a link opened), then the marts are brought up to date
and compared, table by table (EXCEPT ALL both ways, row counts), with the same marts rebuilt whole."""

import shutil
from pathlib import Path

import duckdb
import pytest

from schemas.clock import run_day
from warehouse.marts import stamp_run_day
from warehouse.marts.events import build_events
from warehouse.marts.hotspots import build_hotspots
from warehouse.marts.house_profile import build_house_profiles
from warehouse.marts.lists import build_lists, load_lists
from warehouse.marts.person_profile import build_person_profiles

LISTS = tuple(f"{name}_list" for name in load_lists())
TABLES = ("house_profiles", "person_profiles", "events", "event_versions", "hotspots", *LISTS)
MARTS = ("house_profiles", "person_profiles", "events", "hotspots", "lists")

CHANGES = """
-- an event moved to another house and business, another's status, a third gone, a fourth delivered again
UPDATE core.event_attributions SET house_id = (SELECT max(house_id) FROM core.houses), business_id = NULL
WHERE record_id = (SELECT min(record_id) FROM core.event_attributions WHERE house_id IS NOT NULL);
UPDATE tags.event_records SET status = 'reopened by the test'
WHERE record_id = (SELECT max(record_id) FROM core.event_attributions);
DELETE FROM core.event_attributions WHERE record_id = (SELECT min(record_id) FROM core.event_attributions
                                                       WHERE event_id LIKE 'grid_patrols:%');
INSERT INTO core.event_attributions
SELECT * REPLACE (record_id || '-again' AS record_id, _row_number + 1000000 AS _row_number,
                  (SELECT delivery_id FROM meta.deliveries ORDER BY loaded_at DESC, delivery_id LIMIT 1) AS _delivery_id)
FROM core.event_attributions WHERE record_id = (SELECT min(record_id) FROM core.event_attributions
                                                WHERE house_id IS NOT NULL AND event_id LIKE 'hotline_12345:%');
-- a person renamed, a house tag closed, a resident gone, a tenancy opened
UPDATE core.people SET name = name || '改' WHERE person_id = (SELECT min(person_id) FROM core.links
                                                              WHERE house_id IS NOT NULL AND valid_to IS NULL);
UPDATE tags.house_tags SET valid_to = DATE '2026-10-31'
WHERE (house_id, tag_code) = (SELECT (house_id, tag_code) FROM tags.house_tags WHERE valid_to IS NULL
                              ORDER BY house_id, tag_code LIMIT 1);
DELETE FROM tags.residents WHERE person_id = (SELECT max(person_id) FROM tags.residents);
INSERT INTO core.links (link_kind, person_id, house_id, valid_from)
SELECT 'tenant', max(person_id), min(house_id), DATE '2026-01-01' FROM core.links;
-- a graded event moved to another business (two hotspots' rows and every rank below), a listed tag closed
UPDATE core.event_attributions SET business_id = (SELECT max(business_id) FROM core.businesses)
WHERE record_id = (SELECT min(record_id) FROM core.event_attributions
                   WHERE event_id LIKE 'hotline_12345:%' AND business_id IS NULL AND house_id IS NOT NULL);
UPDATE tags.person_tags SET valid_to = DATE '2026-10-31'
WHERE (person_id, tag_code) = (SELECT (person_id, tag_code) FROM tags.person_tags
                               WHERE valid_to IS NULL AND tag_code IN (SELECT unnest($listed::VARCHAR[]))
                               ORDER BY person_id, tag_code LIMIT 1);
"""


def build(con: duckdb.DuckDBPyConnection) -> None:
    """The marts rebuilt by keys, as their assets build them (each stamped with its run day)."""
    build_house_profiles(con)
    build_events(con)
    build_hotspots(con, run_day())
    build_lists(con)
    build_person_profiles(con, run_day())
    stamp_run_day(con, run_day())


def rebuilt(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, bool]]:
    """mart -> (keys, keys rebuilt, rebuilt whole) of the latest build."""
    rows = con.execute("SELECT mart, keys, keys_rebuilt, rebuilt_whole FROM meta.mart_basis").fetchall()
    return {mart: tuple(rest) for mart, *rest in rows}


@pytest.fixture(scope="module")
def warehouses(full_warehouse: Path, tmp_path_factory) -> tuple[Path, Path, dict]:
    """(incremental, whole, what the incremental build rebuilt): both copies of the sample warehouse built once,
    changed alike, then brought up to date by keys and rebuilt whole."""
    root = tmp_path_factory.mktemp("marts_incremental")
    incremental, whole = root / "incremental.duckdb", root / "whole.duckdb"
    shutil.copy(full_warehouse, incremental)
    with duckdb.connect(str(incremental)) as con:
        build(con)  # whole, unless the run that made the warehouse kept its inputs
        build(con)
        assert {mart: n for mart, (_, n, _) in rebuilt(con).items()} == dict.fromkeys(MARTS, 0)  # nothing new
        con.execute(CHANGES, {"listed": sorted({code for codes in load_lists().values() for code in codes})})
    shutil.copy(incremental, whole)
    with duckdb.connect(str(incremental)) as con:
        build(con)
        counts = rebuilt(con)
    with duckdb.connect(str(whole)) as con:
        con.execute("DELETE FROM meta.mart_basis")  # as after a failed build: every row again
        build(con)
        assert all(whole for *_, whole in rebuilt(con).values())
    return incremental, whole, counts


def test_only_the_changed_keys_are_rebuilt(warehouses):
    *_, counts = warehouses
    assert all(not whole and 0 < n < keys / 10 for keys, n, whole in counts.values()), counts


@pytest.mark.parametrize("table", TABLES)
def test_the_rows_rebuilt_by_keys_equal_a_whole_rebuild(warehouses, table):
    incremental, whole, _ = warehouses
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{incremental}' AS i (READ_ONLY)")
        con.execute(f"ATTACH '{whole}' AS w (READ_ONLY)")
        counts = con.execute(f"SELECT (SELECT count(*) FROM i.marts.{table}), (SELECT count(*) FROM w.marts.{table})")
        rows, expected = counts.fetchone()
        only_incremental, only_whole = (
            con.execute(f"SELECT count(*) FROM (FROM {a}.marts.{table} EXCEPT ALL FROM {b}.marts.{table})").fetchone()[
                0
            ]
            for a, b in (("i", "w"), ("w", "i"))
        )
    assert rows == expected > 0 and only_incremental == only_whole == 0


def test_a_new_run_day_or_code_rebuilds_whole(warehouses, tmp_path, monkeypatch):
    """Windows of N days and the as_of stamp move with the day; a change of the marts' code changes every row."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouses[0], copy)
    with duckdb.connect(str(copy)) as con:
        monkeypatch.setenv("HOUSEKEY_AS_OF", "2026-11-02")
        build(con)
        assert all(whole for *_, whole in rebuilt(con).values())
        assert con.execute("SELECT DISTINCT as_of FROM marts.house_profiles").fetchall() == [(run_day(),)]
        monkeypatch.setattr("warehouse.marts.changed_keys.code_digest", lambda folders: "other code")
        build(con)
        assert all(whole for *_, whole in rebuilt(con).values())
