"""A run with nothing new is a no-op (issue 18, point 2): it starts no pipeline run, leaves every core, tags and
marts table and the analyst copy as they were, records a no-op row in meta.run_inputs and says so in one line;
a changed spec, run day, reviewer's decision or city person ids, a run that did not finish, or a new delivery makes the next run
a full one, which says why."""

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance
from typer.testing import CliRunner

from commands.housekey import app
from connectors.spec import load_registry
from data_samples.generator.generate import generate
from pipelines.noop import since_last_run
from resolution.city.link import city_ids_file
from warehouse.fingerprint import layer_checksums
from warehouse.subdistricts import load_subdistricts

SOURCES = ("address_register", "household_registration", "grid_patrols")
PEOPLE = 300  # a small generated world: what the test checks does not depend on its size


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """The landing zone of a generated world's three sources."""
    root = tmp_path_factory.mktemp("noop_world")
    generate(root, people=PEOPLE, only=list(SOURCES))
    return root / "landing"


@pytest.fixture
def place(world, tmp_path, monkeypatch):
    """Three sources of a generated world's landing zone, six patrol weeks of them, the sixth held back."""
    for name in SOURCES:
        shutil.copytree(world / name, tmp_path / "landing" / name)
    weeks = sorted((tmp_path / "landing" / "grid_patrols").glob("patrol_*.jsonl"))
    for week in weeks[6:]:
        week.unlink()
    weeks[5].rename(tmp_path / weeks[5].name)
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse" / "housekey.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("HOUSEKEY_DATABASES", "off")
    monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
    return tmp_path


def housekey(*args: str):
    """``housekey run`` of the three sources (and every stage after them)."""
    return CliRunner().invoke(app, ["run", *(f"--source={name}" for name in SOURCES), *args])


def _checksums(warehouse: Path) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return layer_checksums(con)


def _file_state(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _runs(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT outcome, changed, succeeded FROM meta.run_inputs ORDER BY run_number").fetchall()


def _verdict(registry=None):
    registry = registry or load_registry()
    selected = {name: registry[name] for name in SOURCES}
    return since_last_run(next(iter(load_subdistricts().values())), registry, selected)


def test_nothing_new_is_a_no_op_and_a_new_delivery_a_full_run(place, monkeypatch):
    warehouse = place / "warehouse" / "housekey.duckdb"
    first = housekey()
    assert first.exit_code == 0, first.output
    assert "full run: a new warehouse" in first.output
    tables, analyst = _checksums(warehouse), _file_state(warehouse.with_name("analyst.duckdb"))
    assert len(tables) > 20
    with DagsterInstance.get() as instance:
        pipeline_runs = len(instance.get_run_records())

    again = housekey()
    assert again.exit_code == 0, again.output
    lines = again.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nothing new since run ")
    assert _checksums(warehouse) == tables and _file_state(warehouse.with_name("analyst.duckdb")) == analyst
    with DagsterInstance.get() as instance:
        assert len(instance.get_run_records()) == pipeline_runs  # no pipeline started
    assert [outcome for outcome, _, _ in _runs(warehouse)] == ["full", "no-op"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = con.execute("SELECT status, sources FROM meta.runs ORDER BY started_at").fetchall()
    assert statuses == [("success", 3), ("no-op", 0)]

    # every input that matters is compared: each change alone makes the next run full, and it says which
    registry = load_registry()
    edited = registry["household_registration"].model_copy(update={"title": "户籍人口（新）"})
    assert _verdict({**registry, "household_registration": edited}).why == "the source specs changed"
    monkeypatch.setenv("HOUSEKEY_AS_OF", "2026-11-02")
    assert _verdict().why == "the run day 2026-11-01 → 2026-11-02 changed"
    monkeypatch.setenv("HOUSEKEY_AS_OF", "2026-11-01")
    with duckdb.connect(str(warehouse)) as con:
        house = con.execute("SELECT min(house_id) FROM core.houses").fetchone()[0]
        con.execute(
            "INSERT INTO core.address_decisions (address, house_id, decided_by) VALUES ('某地址', ?, '张')", [house]
        )
    assert _verdict().why == "the reviewers' decisions changed"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("DELETE FROM core.address_decisions")
    assert _verdict().nothing_new
    monkeypatch.setenv("HOUSEKEY_CITY_IDENTITY", str(place / "city"))  # a city link gave its people city ids
    city_ids = city_ids_file(place / "city", next(iter(load_subdistricts())))
    city_ids.parent.mkdir(parents=True)
    pq.write_table(pa.table({"person_id": ["PSN3101010230000001"], "city_person_id": ["CPN0000000001"]}), city_ids)
    assert _verdict().why == "the city person ids changed"
    city_ids.unlink()
    assert _verdict().nothing_new

    (week,) = place.glob("patrol_*.jsonl")
    week.rename(place / "landing" / "grid_patrols" / week.name)
    assert _verdict().why == f"new in grid_patrols: {week.name}"
    third = housekey()
    assert third.exit_code == 0, third.output
    assert f"full run: new in grid_patrols: {week.name}" in third.output
    after = _checksums(warehouse)
    assert after["core.event_rows"][0] > tables["core.event_rows"][0]
    assert _file_state(warehouse.with_name("analyst.duckdb")) != analyst
    fourth = housekey()
    assert fourth.output.startswith("nothing new since run ") and _checksums(warehouse) == after
    runs = _runs(warehouse)
    assert [outcome for outcome, _, _ in runs] == ["full", "no-op", "full", "no-op"] and all(ok for *_, ok in runs)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (inputs,) = con.execute("SELECT inputs FROM meta.run_inputs WHERE run_number = 4").fetchone()
    assert set(json.loads(inputs)) >= {"deliveries", "register", "specs", "decisions", "code", "as_of"}

    # a run killed after it began leaves its row 'running': the next run is full; --full forces one anyway
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "INSERT INTO meta.run_inputs (run_number, run_id, outcome, inputs) VALUES (9, 'killed-run', 'running', '{}')"
        )
    assert _verdict().why == "run killed-r did not finish"
    forced = housekey("--full")
    assert forced.exit_code == 0 and "full run: --full" in forced.output
    assert _verdict().nothing_new
