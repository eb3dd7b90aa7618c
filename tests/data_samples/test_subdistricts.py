"""A world for another subdistrict of 黄浦区, 淮海中路街道: its own committees, roads and people, and the real
pipeline matches its addresses as well as the sample's."""

import csv
import filecmp
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from benchmarks.address_matching import SCORE_SQL
from commands.housekey import app
from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from data_samples.generator.geography import DIVISIONS, load_roads
from data_samples.generator.world import build_world

CODE, NAME = "310101022", "淮海中路街道"
HOUSEKEY = [sys.executable, "-c", "from commands.housekey import app; app()"]


def _truth(world: Path, name: str) -> list[dict]:
    with (world / "truth" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("huaihai") / "world"
    subprocess.run(
        [*HOUSEKEY, "generate", "--people", "300", "--out", str(out), "--subdistrict", CODE],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def warehouse(world, tmp_path_factory) -> Path:
    """The world's file sources (the database servers hold the committed sample's tables) landed, staged and
    address-matched by the real assets, in this process: what this module reads (houses, address matches, the
    quarantine). Identity, tags, marts and publishing of these sources are other modules' (the whole of them cost
    about half this run, for nothing read here)."""
    from dagster import DagsterInstance, materialize

    from pipelines.address import address_assets
    from pipelines.definitions import source_assets, warehouse_resources

    run = tmp_path_factory.mktemp("huaihai-run")
    files = {name: spec for name, spec in load_registry().items() if not spec.is_database}
    with pytest.MonkeyPatch.context() as env:
        env.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
        env.setenv("HOUSEKEY_LANDING", str(world / "landing"))
        env.setenv("HOUSEKEY_WAREHOUSE", str(run / "housekey.duckdb"))
        with DagsterInstance.ephemeral() as instance:
            result = materialize(
                [*source_assets(files), *address_assets(files)],
                resources=warehouse_resources(),
                instance=instance,
                raise_on_error=False,
            )
    assert result.success, [event.step_key for event in result.all_events if event.is_step_failure]
    return run / "housekey.duckdb"


@pytest.fixture
def con(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def _real_committees() -> dict[str, str]:
    with DIVISIONS.open(encoding="utf-8") as f:
        return {
            r["code"]: r["name"] for r in csv.DictReader(f) if r["level"] == "community" and r["parent_code"] == CODE
        }


def test_the_houses_are_the_subdistricts(con, world):
    houses = con.execute("SELECT house_id, town FROM core.houses").fetchall()
    assert len(houses) == len(_truth(world, "houses.csv")) > 100
    assert all(house_id.startswith(CODE) for house_id, _ in houses)
    assert {town for _, town in houses} == {NAME}


def test_the_committees_are_the_real_ones_of_huaihai_road(con):
    real = _real_committees()
    assert len(real) == 13 and "新天地居委会" in real.values()
    found = dict(con.execute("SELECT DISTINCT committee_code, committee_name FROM core.houses").fetchall())
    assert found == real
    grids = {g for (g,) in con.execute("SELECT DISTINCT grid_code FROM core.houses").fetchall()}
    assert grids and all(g.startswith(f"{CODE}-WG") for g in grids)


def test_no_division_code_is_quarantined(con):
    """The committee and grid codes pass the division checks, which read schemas/divisions.csv."""
    rules = [r for (r,) in con.execute("SELECT DISTINCT rule FROM quality.quarantine").fetchall()]
    assert not [r for r in rules if "division" in r.lower()], rules


def test_address_matching_is_as_good_as_on_the_sample(con, world):
    con.execute(
        f"CREATE TEMP TABLE truth AS SELECT * FROM read_csv('{world / 'truth' / 'records.csv'}', all_varchar=true)"
    )
    assigned, correct, houses, found, *_, records, _, _, _ = con.execute(
        SCORE_SQL.format(group="", group_by="")
    ).fetchone()
    assert records > 3000
    assert correct / assigned == 1.0
    assert found / houses >= 0.99


def test_its_people_and_businesses_are_not_the_samples(world):
    for name, columns in (
        ("people.csv", ("person_id", "id_number", "household_id")),
        ("businesses.csv", ("business_id", "credit_code")),
        ("houses.csv", ("house_id", "address")),
        ("events.csv", ("event_id",)),
    ):
        ours, sample = _truth(world, name), _truth(SAMPLES, name)
        for column in columns:
            assert not {r[column] for r in ours} & {r[column] for r in sample} - {""}, (name, column)


def test_a_shared_road_keeps_the_other_side_of_the_street():
    sample, ours = build_world(3000), build_world(3000, subdistrict=CODE)
    shared = set(load_roads()) & set(load_roads(CODE))
    assert {"淮海中路", "复兴中路", "重庆南路"} <= shared

    def numbers(world):
        return {(h.road, h.lane_no if h.lane_no is not None else h.door_no) for h in world.houses if h.road in shared}

    assert numbers(sample) and numbers(ours) and not numbers(sample) & numbers(ours)


def test_identifiers_of_a_world_beside_are_not_issued_again():
    first = build_world(300, subdistrict=CODE)
    taken = frozenset([p.id_number for p in first.people[:20]] + [b.credit_code for b in first.businesses[:5]])
    again = build_world(300, subdistrict=CODE, taken=taken)
    assert not {p.id_number for p in again.people} & taken
    assert not {b.credit_code for b in again.businesses} & taken
    assert len({p.id_number for p in again.people}) == len(again.people)


def test_same_seed_same_bytes_and_the_files_are_named_by_the_subdistrict(world, tmp_path):
    result = CliRunner().invoke(app, ["generate", "--people", "300", "--out", str(tmp_path), "--subdistrict", CODE])
    assert result.exit_code == 0, result.output
    ours, again = _files(world), _files(tmp_path)
    assert ours.keys() == again.keys()
    assert [n for n in ours if not filecmp.cmp(ours[n], again[n], shallow=False)] == []
    names = [n for n in ours if n.startswith("landing/")]
    assert any(NAME in n for n in names) and not any("瑞金二路" in n for n in names)


def test_a_subdistrict_without_roads_fails_clearly(tmp_path):
    result = CliRunner().invoke(
        app, ["generate", "--people", "30", "--out", str(tmp_path), "--subdistrict", "310101018"]
    )
    assert result.exit_code == 1
    assert "roads" in result.output and "豫园街道" in result.output
    assert not (tmp_path / "landing").exists()
