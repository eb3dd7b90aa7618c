"""The real pipeline on the committed sample world: every source lands, nothing is lost, truth lines up."""

import csv
import json
import os
import re
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize
from stdnum.cn import ric
from typer.testing import CliRunner

from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from pipelines.definitions import warehouse_resources
from pipelines.sources import raw_assets
from warehouse.accounting import row_accounts

SAMPLE_ROOT = Path(os.environ.get("HOUSEKEY_TEST_SAMPLES", SAMPLES))


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SAMPLE_ROOT / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def warehouse(full_warehouse, seeding_notes) -> Path:
    """The sample world run once through the whole pipeline, databases and publishing included (the session's)."""
    assert not any("skipped" in note or "unreachable" in note for note in seeding_notes), seeding_notes
    return full_warehouse


@pytest.fixture
def con(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def test_every_source_has_a_raw_table(con, manifest):
    registry = load_registry()
    assert len(registry) >= 24
    assert set(manifest["sources"]) == set(registry)
    tables = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
        ).fetchall()
    }
    assert tables == set(registry)


def test_raw_rows_equal_what_each_source_emitted(con, manifest):
    """Per source: rows in raw = rows emitted (re-deliveries once) - rows quarantined as unreadable."""
    for source, emitted in manifest["sources"].items():
        landed = con.execute(f'SELECT count(*) FROM raw."{source}"').fetchone()[0]
        unreadable = con.execute(
            "SELECT count(*) FROM quality.quarantine WHERE source = ? AND rule LIKE 'unreadable%'", [source]
        ).fetchone()[0]
        assert landed + unreadable == emitted["rows_distinct_deliveries"], source


def test_every_file_is_a_delivery_and_the_copy_loads_nothing(con, manifest):
    statuses = {
        (s, f): st for s, f, st in con.execute("SELECT source, file_name, status FROM meta.deliveries").fetchall()
    }
    for source, emitted in manifest["sources"].items():
        for delivered in emitted["files"]:
            if delivered.get("database"):
                continue
            expected = "duplicate" if delivered.get("duplicate_of") else "loaded"
            assert statuses[(source, delivered["file"])] == expected, (source, delivered["file"])


def test_every_raw_row_is_exactly_one_truth_row(con):
    """Provenance is exact: (source, file, sheet, row) of each raw row names the row the generator wrote."""
    with (SAMPLE_ROOT / "truth" / "records.csv").open(encoding="utf-8") as f:
        truth = {(r["source"], r["file"], r["sheet"], r["row_number"] or r["record_key"]) for r in csv.DictReader(f)}
    registry = load_registry()
    for source, spec in registry.items():
        if spec.is_database:
            key = spec.record_key[0]
            rows = con.execute(f'SELECT _source, _file_name, \'\', "{key}" FROM raw."{source}"').fetchall()
        else:
            rows = con.execute(
                f"SELECT _source, _file_name, coalesce(_sheet, ''), _row_number::VARCHAR FROM raw.\"{source}\""
            ).fetchall()
        assert len(set(rows)) == len(rows), f"{source}: two raw rows claim one file row"
        missing = set(rows) - truth
        assert not missing, f"{source}: raw rows with no truth row, e.g. {sorted(missing)[:3]}"


def test_provenance_on_every_row(con):
    for source in load_registry():
        nulls = con.execute(
            f'SELECT count(*) FROM raw."{source}" WHERE _source IS NULL OR _delivery_id IS NULL '
            f"OR _file_hash IS NULL OR _row_number IS NULL"
        ).fetchone()[0]
        assert nulls == 0, source


def test_rows_delivered_equal_staged_plus_quarantined(con):
    accounts = row_accounts(con, list(load_registry()))
    unbalanced = [a for a in accounts if not a.balanced]
    assert unbalanced == []
    assert sum(a.staged for a in accounts) > 0.95 * sum(a.delivered for a in accounts)


def test_quarantine_names_file_row_column_and_reason(con):
    rows = con.execute(
        "SELECT source, file_name, row_number, column_name, value, reason FROM quality.quarantine "
        "WHERE rule LIKE 'transform_%'"
    ).fetchall()
    assert rows, "the sample world carries Excel-mangled ID numbers, which must be quarantined"
    assert all(all(v is not None for v in row) for row in rows)
    assert any("mangled by Excel" in reason for *_, reason in rows)


def test_a_mangled_id_number_is_quarantined_alone_and_its_person_still_placed(con):
    """The cell goes to quarantine; the row is staged with that ID number NULL and identity resolution places
    the person it names (unless the row is about a place outside the subdistrict: then it makes no person)."""
    lost = con.execute("""SELECT source, delivery_id, sheet, row_number, column_name FROM quality.quarantine q
        WHERE is_row_kept AND contains(reason, 'mangled by Excel') AND NOT EXISTS (  -- nor quarantined for more
            SELECT 1 FROM quality.quarantine r WHERE NOT r.is_row_kept AND r.source = q.source
            AND r.delivery_id = q.delivery_id AND r.sheet IS NOT DISTINCT FROM q.sheet AND r.row_number = q.row_number)
        AND q.record_id NOT IN (SELECT record_id FROM core.address_matches WHERE match_level = 'out_of_area')
        """).fetchall()
    assert len(lost) > 20
    registry = load_registry()
    for source, delivery_id, sheet, row_number, column in lost:
        party = registry[source].columns[column].to  # id_number, or counterpart_id_number (a landlord)
        where = "_delivery_id = ? AND _sheet IS NOT DISTINCT FROM ? AND _row_number = ?"
        assert con.execute(
            f'SELECT {party} FROM staging."{source}" WHERE {where}', [delivery_id, sheet, row_number]
        ).fetchall() == [(None,)]
        people = "person_records" if party == "id_number" else "person_counterparts"
        assert (
            con.execute(
                f"SELECT count(*) FROM core.{people} WHERE _source = ? AND {where} AND person_id IS NOT NULL",
                [source, delivery_id, sheet, row_number],
            ).fetchone()[0]
            == 1
        ), (source, sheet, row_number)


def test_a_second_run_lands_nothing(warehouse_copy, monkeypatch):
    """On a copy of the first run's warehouse, every source's landing step again (the raw assets: only they land,
    i.e. write meta.deliveries). What runs after landing, again over a warehouse that holds every source, is run by
    tests/pipelines/test_run_one_source.py; the whole pipeline a second time cost 99 CPU s here, landing alone 8."""
    monkeypatch.setenv("HOUSEKEY_LANDING", str(SAMPLE_ROOT / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(warehouse_copy))
    with duckdb.connect(str(warehouse_copy), read_only=True) as before:
        counts = before.execute(
            "SELECT count(*), sum(rows_loaded) FROM meta.deliveries WHERE status = 'loaded'"
        ).fetchone()
    assert materialize(
        raw_assets(load_registry()), resources=warehouse_resources(), instance=DagsterInstance.ephemeral()
    ).success
    with duckdb.connect(str(warehouse_copy), read_only=True) as after:
        assert (
            after.execute("SELECT count(*), sum(rows_loaded) FROM meta.deliveries WHERE status = 'loaded'").fetchone()
            == counts
        )


def test_housekey_run_prints_a_readable_summary(tmp_path, monkeypatch, manifest):
    from commands.housekey import app

    monkeypatch.setenv("HOUSEKEY_LANDING", str(SAMPLE_ROOT / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    result = CliRunner().invoke(app, ["run", "--source", "actual_residents", "--source", "food_licences"])
    assert result.exit_code == 0, result.output
    emitted = manifest["sources"]["actual_residents"]["rows_emitted"]
    assert f"actual_residents  2 files, {emitted:,} rows landed" in result.output
    assert str(tmp_path / "wh.duckdb") in result.output.replace("\n", "")  # rich wraps long lines
    assert "2 of 2 sources landed" in result.output
    assert "▸ typing and validating deliveries" in result.output  # a line per stage, not minutes of silence
    assert "…" not in result.output  # piped, the summary's figures are never cut to 6,0…


def test_addresses_match_their_true_house(con):
    """House assignment against truth: never a wrong house; nearly every room-level address found."""
    con.execute(
        f"CREATE TEMP TABLE truth AS SELECT * FROM read_csv('{SAMPLE_ROOT / 'truth' / 'records.csv'}', all_varchar=true)"
    )
    assigned, correct, found, expected = con.execute("""
        SELECT count(m.house_id), count(*) FILTER (WHERE m.house_id = t.house_id),
               count(*) FILTER (WHERE m.house_id = t.house_id AND t.names = 'house'),
               count(*) FILTER (WHERE t.names = 'house')
        FROM core.address_matches m  -- records that name only a building cannot be asked for a house
        JOIN truth t ON t.source = m.source AND t.file = m._file_name
         AND coalesce(t.sheet, '') = coalesce(m._sheet, '') AND t.row_number = m._row_number::VARCHAR""").fetchone()
    print(f"precision {correct / assigned:.4f}, recall {found / expected:.4f}")
    assert correct / assigned >= 0.995
    assert found / expected >= 0.98
    reasons = con.execute("SELECT count(*) FROM core.address_matches WHERE match_reason IS NULL").fetchone()[0]
    assert reasons == 0


def test_the_analyst_copy_holds_no_id_number_or_phone(warehouse):
    """Every text value of every table in the published copy: no valid ID number, no full mobile number
    (digits after a Latin letter are a code, such as a hash or 巡查编号 XC2026..., and stay as they are)."""
    analyst = warehouse.with_name("analyst.duckdb")
    assert analyst.exists()
    ids, mobiles = (
        re.compile(r"[1-9][0-9]{16}[0-9Xx]"),
        re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])"),
    )
    with duckdb.connect(str(analyst), read_only=True) as copy:
        columns = copy.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE data_type IN ('VARCHAR', 'JSON')"
        ).fetchall()
        scanned = 0
        for schema, table, column in columns:
            for (value,) in copy.execute(
                f'SELECT DISTINCT "{column}"::VARCHAR FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
            ).fetchall():
                scanned += 1
                assert not any(_is_id_number(m) for m in ids.findall(value)), (schema, table, column, value)
                assert not mobiles.search(value), (schema, table, column, value)
        tokens = copy.execute("SELECT count(DISTINCT id_number_token) FROM staging.actual_residents").fetchone()[0]
    assert scanned > 10_000 and tokens > 1000


def _is_id_number(text: str) -> bool:
    """Checksum and birth date right (stdnum's is_valid also demands a current division code)."""
    try:
        return ric.calc_check_digit(text) == text[17].upper() and ric.get_birth_date(text).year >= 1900
    except Exception:  # stdnum raises on an impossible birth date: then it is no ID number
        return False
