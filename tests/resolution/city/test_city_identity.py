"""City identity on a small generated district of three subdistricts with movers: DuckDB and Spark (local
mode) give the same clusters, movers keep one city id, ids survive a re-run, splits and merges are recorded."""

import random
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest

from benchmarks.city_identity import build_district, random_person, write_district
from resolution.city.link import CITY_FILE, city_ids_of, link_city
from resolution.city.records import export_person_records


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """(rows by subdistrict, warehouses by subdistrict, a city root holding every subdistrict's export)."""
    folder = tmp_path_factory.mktemp("district")
    rows = build_district(people=150, movers=0.2, no_id=0.5, seed=7)
    warehouses = write_district(rows, folder / "subdistricts")
    root = folder / "exports"
    for code, warehouse in warehouses.items():
        export_person_records(warehouse, code, root)
    return rows, warehouses, root


def _fresh_root(root: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "city"
    shutil.copytree(root, copy)
    return copy


def _clusters(root: Path) -> set[frozenset]:
    with duckdb.connect(str(root / CITY_FILE), read_only=True) as con:
        rows = con.execute("SELECT city_person_id, subdistrict, person_id FROM city.person_ids").fetchall()
    members = defaultdict(set)
    for city_person_id, subdistrict, person_id in rows:
        members[city_person_id].add((subdistrict, person_id))
    return {frozenset(m) for m in members.values()}


def _truth(rows) -> dict[str, set]:
    persons = defaultdict(set)
    for code, people in rows.items():
        for row in people:
            persons[row[7]].add((code, row[0]))
    return persons


def test_duckdb_and_spark_link_the_district_alike_and_follow_movers(district, tmp_path):
    from resolution.city.spark import local_spark

    rows, _, root = district
    on_duckdb, on_spark = _fresh_root(root, tmp_path / "duckdb"), _fresh_root(root, tmp_path / "spark")
    link_city(on_duckdb, "duckdb")
    link_city(on_spark, "spark", local_spark())
    clusters = _clusters(on_duckdb)
    assert clusters == _clusters(on_spark)
    movers = [persons for persons in _truth(rows).values() if len(persons) > 1]
    assert len(movers) >= 50
    with_id = {(code, row[0]) for code, people in rows.items() for row in people if row[4]}
    known = [persons for persons in movers if persons <= with_id]
    assert known and all(frozenset(persons) in clusters for persons in known)  # one ID number: one city person
    followed = [persons for persons in movers if frozenset(persons) in clusters]
    assert len(followed) >= 0.8 * len(movers)  # one known by name, birth date and sex alone may stay two
    joined = [c for c in clusters if len(c) > 1]
    truth_of = {person: truth for truth, persons in _truth(rows).items() for person in persons}
    assert all(len({truth_of[person] for person in c}) == 1 for c in joined)  # no two people made one


def test_city_ids_are_kept_across_runs_and_read_back_per_subdistrict(district, tmp_path):
    rows, _, root = district
    city = _fresh_root(root, tmp_path)
    first = link_city(city)
    before = {code: city_ids_of(city, code) for code in rows}
    second = link_city(city)
    assert (first["minted"], second["minted"], second["merges"], second["splits"]) == (first["city_persons"], 0, 0, 0)
    assert {code: city_ids_of(city, code) for code in rows} == before
    assert {len(ids) for ids in before.values()} == {len(people) for people in rows.values()}


def test_a_split_and_a_merge_are_recorded_with_the_reason(district, tmp_path):
    rows, warehouses, root = district
    city = _fresh_root(root, tmp_path)
    link_city(city)
    code, other = list(rows)[:2]
    with_id = {(c, row[0]) for c, people in rows.items() for row in people if row[4]}
    mover = next(  # known by its ID number in both: surely one city person
        persons for persons in _truth(rows).values() if {c for c, _ in persons} == {code, other} and persons <= with_id
    )
    ((_, here),) = [p for p in mover if p[0] == code]
    ((_, there),) = [p for p in mover if p[0] == other]
    ids = city_ids_of(city, code) | {f"x{k}": v for k, v in city_ids_of(city, other).items()}
    assert ids[here] == ids[f"x{there}"]
    # the subdistrict learns the person is someone else: new name, birth date, phone, no ID number
    warehouse = tmp_path / "moved.duckdb"
    shutil.copy(warehouses[code], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "UPDATE core.people SET name = '欧阳无名', birth_date = DATE '1901-01-01', phone = '13000000000', "
            "id_number = NULL WHERE person_id = ?",
            [here],
        )
    export_person_records(warehouse, code, city)
    figures = link_city(city)
    assert figures["splits"] == 1
    assert city_ids_of(city, code)[here] != city_ids_of(city, other)[there]
    # and back again: the two ids become one, the larger (older) one kept
    export_person_records(warehouses[code], code, city)
    figures = link_city(city)
    assert figures["merges"] == 1
    assert city_ids_of(city, code)[here] == city_ids_of(city, other)[there]
    with duckdb.connect(str(city / CITY_FILE), read_only=True) as con:
        history = con.execute("SELECT change, reason FROM city.city_person_id_history ORDER BY run").fetchall()
    assert [change for change, _ in history] == ["split", "merge"]
    assert "no longer link" in history[0][1] and "now link" in history[1][1]


def test_housekey_city_link_exports_every_subdistrict_and_links_them(district, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from commands.housekey import app

    rows, warehouses, _ = district
    entries = "".join(
        f"  - {{code: '{code}', name: 街道{code[-3:]}, warehouse: {path}}}\n" for code, path in warehouses.items()
    )
    (tmp_path / "subdistricts.yaml").write_text(f"subdistricts:\n{entries}", encoding="utf-8")
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(tmp_path / "subdistricts.yaml"))
    result = CliRunner().invoke(app, ["city", "link", "--root", str(tmp_path / "city")])
    assert result.exit_code == 0, result.output
    assert "minted" in result.output
    for code, people in rows.items():
        assert sorted(city_ids_of(tmp_path / "city", code)) == sorted(row[0] for row in people)


def test_a_common_name_on_one_birthday_is_held_for_review_where_a_rare_one_is_followed(tmp_path):
    """Two people both called 张伟 (a name 24 persons of the district write), one sex, one birth date, in two
    subdistricts, one without an ID number and another phone: likelier two people than one mover, so held for review,
    not joined; a mover of a rare name with the same evidence (no ID number there, a new phone, a new house) is
    followed. Neither pair shares a house, as no pair of two subdistricts does."""
    rows = build_district(people=400, movers=0.05, no_id=0.5, seed=7)  # movers few among random pairs, as in a city
    here, there = list(rows)[:2]
    rng, used = random.Random(3), set()

    def add(code: str, truth: str, name: str, **fixed) -> str:
        person = random_person(rng, used) | {"name": name} | fixed
        person_id = f"PSN9{len(rows[code]):09d}"
        house = f"H{code}9{len(rows[code]):05d}"
        rows[code].append(
            (person_id, name, person["sex"], person["birth_date"], person["id_number"], person["phone"], house, truth)
        )
        return person_id

    for n in range(22):  # 张伟 is common here: 22 more of them, born on other days
        add(list(rows)[n % 3], f"Z{n}", "张伟")
    same = {"sex": "M", "birth_date": date(1980, 5, 5)}
    homonyms = (add(here, "Z-a", "张伟", **same), add(there, "Z-b", "张伟", **same, id_number=None))
    mover = (add(here, "R", "欧阳子轩", **same), add(there, "R", "欧阳子轩", **same, id_number=None))
    root = tmp_path / "city"
    for code, warehouse in write_district(rows, tmp_path / "subdistricts").items():
        export_person_records(warehouse, code, root)
    link_city(root)
    ids = {code: city_ids_of(root, code) for code in (here, there)}
    assert ids[here][mover[0]] == ids[there][mover[1]]
    assert ids[here][homonyms[0]] != ids[there][homonyms[1]]
    with duckdb.connect(str(root / CITY_FILE), read_only=True) as con:
        held = con.execute("SELECT member, other_member, reason FROM city.person_review").fetchall()
    members = {f"{here}/{homonyms[0]}", f"{there}/{homonyms[1]}"}
    assert [reason for left, right, reason in held if {left, right} == members] == ["doubtful match"]


def test_records_written_masked_reach_the_city_as_masks():
    """A person whose records write a phone or an ID number only masked keeps the mask (the one written most) for
    the city; a whole number of core.people stands before any mask."""
    from resolution.city.records import person_features, written_masks

    masks = written_masks(
        [
            ("PSN1", "163****6259", None),
            ("PSN1", "163****6259", "310104********6479"),
            ("PSN1", "139****0000", None),
            ("PSN2", "13512345678", None),  # whole: core.people has it
        ]
    )
    assert masks == {"PSN1": ("163****6259", "310104********6479")}
    people = [
        ("PSN1", "冯福德", None, None, None, None, None),
        ("PSN3", "冯福德", "M", None, None, "16357716259", None),
    ]
    features = person_features("310101013", people, masks | {"PSN3": ("139****0000", None)}).to_pylist()
    assert (features[0]["phone"], features[0]["phone_head"], features[0]["phone_tail"]) == (None, "163", "6259")
    assert (features[0]["id18"], features[0]["id_tail"], features[0]["id_division"]) == (None, "6479", "310104")
    assert features[1]["phone"] == "16357716259"


def test_a_mover_known_by_name_and_a_masked_phone_where_they_left_is_followed(tmp_path):
    """The subdistrict a person left holds one repair call of theirs: name and phone masked (163****6259), nothing
    else; the subdistrict they moved to knows the whole phone, the birth date and the ID number. The mask that fits
    links them; the name alone does not."""
    import pyarrow.parquet as pq

    from resolution.city.records import partition_file, person_features

    rows = build_district(people=400, movers=0.05, no_id=0.5, seed=7)
    here, there = list(rows)[:2]
    rows[here].append(("PSN9000000001", "冯福德", "M", date(1987, 4, 19), "310104198704196479", "16357716259", "H1"))
    rows[there].append(("PSN9000000001", "冯福德", None, None, None, None, None))
    followed = {}
    for case, masks in (("mask", {there: {"PSN9000000001": ("163****6259", None)}}), ("name alone", {})):
        root = tmp_path / case
        for code, people in rows.items():
            target = partition_file(root, code)
            target.parent.mkdir(parents=True)
            pq.write_table(person_features(code, [r[:7] for r in people], masks.get(code)), target)
        link_city(root)
        followed[case] = city_ids_of(root, here)["PSN9000000001"] == city_ids_of(root, there)["PSN9000000001"]
    assert followed == {"mask": True, "name alone": False}
