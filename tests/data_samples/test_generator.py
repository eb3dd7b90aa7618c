"""The sample world generator: deterministic, coherent, and the committed sample is its output."""

import filecmp
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from data_samples.generator.generate import DEFAULT_SEED, SAMPLE_PEOPLE, SAMPLES, generate, source_names
from data_samples.generator.geography import load_committees
from data_samples.generator.world import build_world

EXPORTS = ("landing", "databases", "truth")


def _files(root: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(root)): p for folder in EXPORTS for p in sorted((root / folder).rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def seven(tmp_path_factory) -> tuple[Path, dict]:
    """A 400-person world of seed 7 and its manifest, generated once: both seed tests compare against it."""
    root = tmp_path_factory.mktemp("seed7")
    return root, generate(root, 400, seed=7)


def test_same_seed_gives_byte_identical_exports(seven, tmp_path):
    first_root, first = seven
    second = generate(tmp_path, 400, seed=7)
    assert first == second
    a, b = _files(first_root), _files(tmp_path)
    assert a.keys() == b.keys() and len(a) > 30
    different = [name for name in a if not filecmp.cmp(a[name], b[name], shallow=False)]
    assert different == []


def test_another_seed_gives_another_world(seven, tmp_path):
    generate(tmp_path, 400, seed=8)
    a, b = _files(seven[0]), _files(tmp_path)
    assert any(not filecmp.cmp(a[n], b[n], shallow=False) for n in a.keys() & b.keys())


def test_committed_sample_is_the_generators_output(tmp_path):
    """`make demo` needs no generation step, so the committed sample must be current."""
    generate(tmp_path, SAMPLE_PEOPLE, seed=DEFAULT_SEED)
    fresh, committed = _files(tmp_path), _files(SAMPLES)
    assert fresh.keys() == committed.keys()
    stale = [name for name in fresh if not filecmp.cmp(fresh[name], committed[name], shallow=False)]
    assert stale == [], "regenerate with: housekey generate --people 3000 --out data_samples"
    assert (tmp_path / "manifest.json").read_bytes() == (SAMPLES / "manifest.json").read_bytes()


def test_sample_folder_stays_small():
    size = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert size < 30 * 1024 * 1024


def test_at_least_24_sources_in_every_native_shape():
    names = source_names()
    assert len(names) >= 24
    suffixes = {p.suffix for p in (SAMPLES / "landing").rglob("*") if p.is_file()}
    assert {".csv", ".xlsx", ".xls", ".json", ".jsonl", ".txt"} <= suffixes
    dialects = {p.name for p in (SAMPLES / "databases").glob("*.json")}
    assert len(dialects) >= 2


@pytest.fixture(scope="module")
def world():
    return build_world(2000, seed=11)


def test_the_world_is_ruijin_er_road(world):
    committees = {h.committee.code for h in world.houses}
    assert len(committees) == 16 and all(c.startswith("310101023") for c in committees)
    grids = {c.code: c.grids for c in load_committees()}
    assert sum(len(g) for g in grids.values()) == 40
    assert all(h.grid_code in grids[h.committee.code] for h in world.houses)
    assert {"home", "shop", "public"} <= {h.kind for h in world.houses}
    assert len({h.house_id for h in world.houses}) == len(world.houses)
    assert len({h.canonical() for h in world.houses}) == len(world.houses)


def test_identifiers_are_valid_and_agree_with_the_person(world):
    for person in world.people:
        # stdnum's is_valid also wants a current division code; 310103 (卢湾区 until 2011) is real but retired
        assert ric.calc_check_digit(person.id_number) == person.id_number[17]
        assert ric.get_birth_date(person.id_number) == person.birth
        assert (int(person.id_number[16]) % 2 == 1) == (person.sex == "M")
    assert len({p.id_number for p in world.people}) == len(world.people)
    assert all(uscc.is_valid(b.credit_code) for b in world.businesses)


def test_the_world_has_the_people_social_workers_look_for(world):
    flags = {f for p in world.people for f in p.flags}
    assert {"elderly_alone", "tenant", "moved", "low_income", "veteran", "disabled"} <= flags
    assert any(p.home is None and p.owns for p in world.people), "absentee owners"
    assert {"cafe", "bar"} <= {b.category for b in world.businesses}
    assert any("coffee_bar" in b.flags for b in world.businesses)
    complaints = [e for e in world.events if e.kind == "complaint" and e.business]
    per_business = {}
    for e in complaints:
        per_business.setdefault(e.business.business_id, set()).add(e.category)
    assert max(len(c) for c in per_business.values()) >= 3, "a hotspot with several kinds of complaint"
