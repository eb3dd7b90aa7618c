"""Files read ahead on other processes land as they do read one after the other: the sample's 26 weekly patrol
files and an empty one among them, on two spawned workers (as a 200,000-person subdistrict's patrols are)."""

import shutil

import pytest

from connectors.landing import survey
from connectors.spec import load_registry
from warehouse import read_ahead
from warehouse.database import connect
from warehouse.intake import land_source

SOURCE = "grid_patrols"
TABLES = {
    f"raw.{SOURCE}": "SELECT * FROM raw.grid_patrols ORDER BY _record_id",
    "meta.deliveries": "SELECT delivery_id, file_name, file_hash, file_bytes, encoding, rows_delivered,"
    " rows_loaded, rows_quarantined, notes, status FROM meta.deliveries ORDER BY file_name",
    "quality.quarantine": "SELECT source, delivery_id, file_name, sheet, row_number, record_id, column_name, rule,"
    " value, reason FROM quality.quarantine ORDER BY ALL",
}


@pytest.fixture(scope="module")
def landing(tmp_path_factory, sample_world):
    """The sample's patrol files, with an empty file delivered between two weeks (it fails alone)."""
    root = tmp_path_factory.mktemp("landing")
    shutil.copytree(sample_world / "landing" / SOURCE, root / SOURCE)
    (root / SOURCE / "patrol_2026-06-02.jsonl").write_text("\n", encoding="utf-8")
    return root


def landed(landing, folder, monkeypatch, from_bytes: int) -> dict[str, list[tuple]]:
    monkeypatch.setattr(read_ahead, "READ_AHEAD_FROM_BYTES", from_bytes)
    with connect(folder / "housekey.duckdb") as con:
        result = land_source(con, load_registry()[SOURCE], landing)
        assert [d.status for d in result.deliveries].count("failed") == 1
        return {table: con.execute(query).fetchall() for table, query in TABLES.items()}


def test_files_read_ahead_land_as_files_read_in_turn(landing, tmp_path, monkeypatch):
    ahead = landed(landing, tmp_path / "ahead", monkeypatch, 0)
    in_turn = landed(landing, tmp_path / "in_turn", monkeypatch, 2**62)
    assert len(ahead[f"raw.{SOURCE}"]) > 10_000
    for table, rows in in_turn.items():
        assert ahead[table] == rows, f"{table} differs when its files are read ahead"


def test_a_caller_that_stops_early_leaves_the_other_files_unread(landing, monkeypatch):
    monkeypatch.setattr(read_ahead, "READ_AHEAD_FROM_BYTES", 0)
    spec = load_registry()[SOURCE]
    files = survey(spec, set(), landing).pending
    reading = read_ahead.read_in_order(files, spec)
    first, delivered = next(reading)
    assert first == files[0] and delivered.row_count > 0
    reading.close()  # as a delivery held for drift stops the landing: the workers stop, nothing hangs
    # the empty file comes back as the error that stops it, in its place
    errors = [file.file_name for file, read in read_ahead.read_in_order(files, spec) if isinstance(read, Exception)]
    assert errors == ["patrol_2026-06-02.jsonl"]
