"""Incremental equals full (issue 18, point 5): the sample's deliveries of five sources brought in five batches,
the pipeline run after each on the sample world's day, against one run over the same deliveries; every core,
tags and marts table is equal, ids equal or mapped one to one (benchmarks/equality.py says what differs).

The five sources are the fewest that reach every stage: the house register (houses, address matching), household
registration and minimum income (people, linked across sources), market entities (businesses) and grid patrols
(events, shops, and a changes file: its last week is delivered half first, then re-sent whole under its name,
which lands only the rows it adds)."""

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from benchmarks.equality import compare_warehouses
from connectors.spec import load_registry
from pipelines.definitions import pipeline_assets, warehouse_resources
from resolution.identity.people import resolve_people
from resolution.identity.person_decisions import RECORD_KEY_SQL, record_person_decision
from tests.conftest import WORLD_AS_OF

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data_samples" / "landing"
SOURCES = ("address_register", "household_registration", "minimum_income", "market_entities", "grid_patrols")
WEEKS = sorted(path.name for path in (SAMPLE / "grid_patrols").glob("patrol_*.jsonl"))[:6]
HALF = "half"  # the first half of a file's lines: a changes file before its owner re-sends it whole
BATCHES = (
    (("address_register", "*"), ("household_registration", "*"), ("grid_patrols", WEEKS[0])),
    (("market_entities", "*"), ("grid_patrols", WEEKS[1]), ("grid_patrols", WEEKS[2])),
    (("minimum_income", "*"), ("grid_patrols", WEEKS[3]), ("grid_patrols", (WEEKS[4], HALF))),
    (("grid_patrols", WEEKS[4]),),  # re-sent whole: only the lines it adds land
    (("grid_patrols", WEEKS[5]),),
)
NOT_COMPARED = {AssetKey(["meta", "dictionary"])}
"""Left out with publishing (the analyst copy and the site, its own tests'): the dictionary's comments."""
SETTLED = 1_700_000_000  # every delivered file's mtime: long at rest, whatever a spec's settle_seconds


def deliver(batch: tuple, landing: Path) -> None:
    """Put a batch's files into the landing zone, as their owners would."""
    for source, what in batch:
        name, part = what if isinstance(what, tuple) else (what, None)
        for path in sorted((SAMPLE / source).glob(name)):
            target = landing / source / path.name
            if part == HALF:
                lines = path.read_bytes().splitlines(keepends=True)
                target.write_bytes(b"".join(lines[: len(lines) // 2]))
            else:
                shutil.copyfile(path, target)
            os.utime(target, (SETTLED, SETTLED))


def run(assets, warehouse: Path, landing: Path, monkeypatch, selection=None) -> None:
    monkeypatch.setenv("HOUSEKEY_LANDING", str(landing))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(warehouse))
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            assets, selection=selection, resources=warehouse_resources(), instance=instance, raise_on_error=False
        )
    assert result.success, [event.step_key for event in result.all_events if event.is_step_failure]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> tuple[Path, Path]:
    """(full, incremental): the incremental warehouse ran the pipeline after every batch; the full one landed
    the same deliveries batch by batch (its raw assets only, so its deliveries are the same), then ran once."""
    root = tmp_path_factory.mktemp("incremental")
    (root / "sources").mkdir()
    for name in SOURCES:
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", root / "sources")
        (root / "landing" / name).mkdir(parents=True)
    full, incremental = root / "full" / "housekey.duckdb", root / "incremental" / "housekey.duckdb"
    full.parent.mkdir(), incremental.parent.mkdir()
    assets = pipeline_assets(load_registry(root / "sources"))
    keys = [key for a in assets for key in a.keys if key not in NOT_COMPARED and key.path[0] != "publish"]
    landing_only = [key for key in keys if key.path[0] == "raw"]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("HOUSEKEY_AS_OF", WORLD_AS_OF)
        monkeypatch.setenv("HOUSEKEY_DATABASES", "off")
        monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
        for batch in BATCHES:
            deliver(batch, root / "landing")
            run(assets, incremental, root / "landing", monkeypatch, keys)
            run(assets, full, root / "landing", monkeypatch, landing_only)
        run(assets, full, root / "landing", monkeypatch, keys)
    return full, incremental


def test_the_batches_reach_every_stage(warehouses):
    _, incremental = warehouses
    with duckdb.connect(str(incremental), read_only=True) as con:
        resent = con.execute(
            "SELECT rows_loaded, rows_resent FROM meta.deliveries WHERE file_name = ? ORDER BY loaded_at", [WEEKS[4]]
        ).fetchall()
        counts = con.execute("""
            SELECT (SELECT count(*) FROM core.address_matches WHERE house_id IS NOT NULL),
                   (SELECT count(*) FROM core.people WHERE len(sources) > 1),
                   (SELECT count(*) FROM core.businesses),
                   (SELECT count(*) FROM core.event_attributions),
                   (SELECT count(*) FROM tags.person_tags), (SELECT count(*) FROM tags.house_tags),
                   (SELECT count(*) FROM marts.house_profiles)""").fetchone()
        linking = dict(con.execute("SELECT entity, relinked_because FROM core.identity_basis").fetchall())
    assert len(resent) == 2 and resent[1][1] >= resent[0][0] > 0 and resent[1][0] > 0  # half, then the rest
    assert all(n > 0 for n in counts), counts
    # the last batch (patrols) names nobody: identity kept the people it had; its shops were linked again
    assert linking == {"person": None, "business": "the records changed since the latest linking"}


def test_incremental_equals_full(warehouses):
    comparison = compare_warehouses(*warehouses)
    assert comparison.tables > 30
    assert comparison.equal, comparison.summary()


def test_identity_links_again_when_a_decision_changes_and_says_why(warehouses, tmp_path):
    """People kept as they were are what linking them again gives; a reviewer's decision makes the next
    linking link every record again, and core.identity_basis says why."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouses[1], copy)
    with duckdb.connect(str(copy)) as con:
        people = con.execute("SELECT * FROM core.people ORDER BY person_id").fetchall()
        assert resolve_people(con)["linked_again"] == 0
        records = (
            f"SELECT {RECORD_KEY_SQL} AS k, person_id FROM (SELECT *, 'subject' AS party FROM core.person_records)"
        )
        first, person = con.execute(f"{records} ORDER BY k LIMIT 1").fetchone()
        (second,) = con.execute(f"SELECT min(k) FROM ({records}) WHERE person_id <> ?", [person]).fetchone()
        record_person_decision(con, first, second, "different", "test reviewer")  # two people already
        counts = resolve_people(con)
        why = con.execute("SELECT relinked_because FROM core.identity_basis WHERE entity = 'person'").fetchone()[0]
        again = con.execute("SELECT * FROM core.people ORDER BY person_id").fetchall()
    assert counts["linked_again"] == 1 and why == "the reviewers' decisions changed since the latest linking"
    assert again == people
