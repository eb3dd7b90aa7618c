"""Every file source of the session's world through its suite; what is quarantined checked against truth."""

import csv
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from connectors.spec import load_registry
from warehouse.accounting import row_accounts


def _file_sources() -> list[str]:
    return [name for name, spec in load_registry().items() if not spec.is_database]


@pytest.fixture
def con(full_warehouse):
    """The session's warehouse: its file sources were landed and staged as any run does (the database sources are
    covered end to end)."""
    with duckdb.connect(str(full_warehouse), read_only=True) as connection:
        yield connection


def _truth(world: Path) -> dict[tuple[str, str, str, int], dict]:
    with (world / "truth" / "records.csv").open(encoding="utf-8") as f:
        return {
            (r["source"], r["file"], r["sheet"], int(r["row_number"])): r for r in csv.DictReader(f) if r["row_number"]
        }


def test_every_delivery_of_every_file_source_was_validated(con):
    file_sources = _file_sources()
    loaded = set(con.execute("SELECT source, delivery_id FROM meta.deliveries WHERE status = 'loaded'").fetchall())
    validated = set(
        con.execute("SELECT source, delivery_id FROM meta.validations WHERE rule = 'delivery_threshold'").fetchall()
    )
    assert {s for s, _ in loaded if s in file_sources} == set(file_sources)
    assert validated == loaded
    assert con.execute(
        "SELECT count(*) FROM meta.validations WHERE rule = 'delivery_threshold' AND NOT success"
    ).fetchone() == (0,), "no sample delivery is bad enough to be held"


def test_rows_keyed_in_twice_are_quarantined_and_are_the_same_record_as_the_row_they_repeat(con, sample_world):
    truth = _truth(sample_world)
    file_sources = _file_sources()
    rows = con.execute(
        "SELECT source, file_name, coalesce(sheet, ''), row_number, reason FROM quality.quarantine "
        "WHERE rule LIKE 'suite:%.record_key_unique' AND list_contains(?, source)",
        [file_sources],
    ).fetchall()
    by_source = {}
    for source, file_name, sheet, row, reason in rows:
        named = re.search(r"\((?:sheet (.*), )?row (\d+)\)$", reason)
        first_sheet, first = named.group(1) or "", int(named.group(2))
        assert (first_sheet, first) < (sheet, row)
        again, original = truth[(source, file_name, sheet, row)], truth[(source, file_name, first_sheet, first)]
        same = ("person_id", "event_id", "house_id")
        assert any(again[k] and again[k] == original[k] for k in same), (source, file_name, row, again, original)
        by_source[source] = by_source.get(source, 0) + 1
    # the generator keys about 1% of these sources' rows in twice
    assert {"actual_residents", "contact_book", "grid_patrols", "family_doctor"} <= set(by_source)
    assert by_source["grid_patrols"] > 50


def test_every_quarantined_row_carries_source_delivery_file_row_rule_and_reason(con):
    missing = con.execute(
        "SELECT count(*) FROM quality.quarantine WHERE source IS NULL OR delivery_id IS NULL "
        "OR file_name IS NULL OR row_number IS NULL OR rule IS NULL OR reason IS NULL"
    ).fetchone()[0]
    assert missing == 0
    assert con.execute(
        "SELECT count(*) FROM quality.quarantine WHERE rule LIKE 'suite:%' AND column_name IS NULL "
        "AND rule <> 'suite:delivery_held'"
    ).fetchone() == (0,)


def test_row_accounting_holds_for_every_sample_file_source(con):
    accounts = row_accounts(con, _file_sources())
    assert [a.source for a in accounts if not a.balanced] == []


def test_the_report_names_every_source_and_masks_id_numbers(full_warehouse, tmp_path, monkeypatch):
    from commands.housekey import app

    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(full_warehouse))
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["quality", "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    for name in load_registry():
        assert f'id="{name}"' in html
    assert "record_key_unique" in html and "Pass rate" in html and "on time" in html
    assert "时效 Freshness" in html and "the data describe up to 2026-10-26" in html  # grid patrols' own day
    assert not re.search(r"[1-9][0-9]{16}[0-9Xx]", html), "an ID number in the report"
    assert not re.search(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", html), "a phone number in the report"


def test_freshness_is_judged_against_each_spec_schedule(con):
    from datetime import timedelta

    from quality.report import render
    from schemas.clock import run_day

    registry = load_registry()
    later = run_day() + timedelta(days=100)  # the sample's deliveries describe the run day (2026-11-01) or earlier
    html = render(con, registry, now=later)
    # 35-day sources are late by 65 days then, the yearly owners' committee roster is not
    assert f"late by {100 - registry['food_licences'].freshness_days} days" in html
    section = html[html.index('id="owners_committee"') : html.index('id="property_ownership"')]
    assert "on time" in section and "late by" not in section
