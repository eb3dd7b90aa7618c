"""The city person ids read back into a subdistrict (issue 20, point 4): after ``housekey city link`` over the sample
subdistrict and a neighbour where three of its people moved, the sample's run gives each person the city id the link
gave them, the person profiles show it, and so does the analyst copy; a person the neighbour alone knows lends its id
to no one of the sample."""

from pathlib import Path

import duckdb
from dagster import AssetKey, DagsterInstance, materialize

from benchmarks.city_identity import PEOPLE_SQL
from connectors.spec import load_registry
from pipelines.definitions import pipeline_assets, warehouse_resources
from resolution.city.link import city_ids_of, link_city
from resolution.city.records import export_person_records
from warehouse.publish import ANALYST_FILE

SAMPLE, NEIGHBOUR = "310101023", "310101022"  # 瑞金二路 (the sample), 淮海中路


def _neighbour(warehouse, folder) -> tuple[dict[str, str], str, Path]:
    """淮海中路's core.people: three sample people who moved there (new house, new phone, new person id) and one
    person of its own; returns the movers' new person id -> their person id in the sample, the stranger's id and
    the neighbour's warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        movers = con.execute("""
            SELECT person_id, name, sex, birth_date, id_number FROM core.people
            WHERE id_number IS NOT NULL AND name IS NOT NULL AND birth_date IS NOT NULL ORDER BY person_id LIMIT 3
        """).fetchall()
    path = folder / NEIGHBOUR / "housekey.duckdb"
    path.parent.mkdir(parents=True)
    moved = {f"PSN{NEIGHBOUR}{n:07d}": sample_id for n, (sample_id, *_) in enumerate(movers, start=1)}
    rows = [
        (new_id, name, sex, birth, id_number, f"1390000000{n}", f"{NEIGHBOUR}-house-{n}")
        for n, (new_id, (_, name, sex, birth, id_number)) in enumerate(zip(moved, movers, strict=True), start=1)
    ]
    stranger = f"PSN{NEIGHBOUR}0000009"
    rows.append((stranger, "欧阳明轩", "M", movers[0][3].replace(year=1931), None, "13911112222", "elsewhere"))
    with duckdb.connect(str(path)) as con:
        con.execute(PEOPLE_SQL)
        con.executemany("INSERT INTO core.people VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return moved, stranger, path


def test_a_run_reads_back_the_city_ids_into_profiles_and_the_analyst_copy(
    warehouse_copy, sample_world, tmp_path, monkeypatch
):
    root = tmp_path / "city_identity"
    moved, stranger, neighbour = _neighbour(warehouse_copy, tmp_path)
    export_person_records(warehouse_copy, SAMPLE, root)
    export_person_records(neighbour, NEIGHBOUR, root)
    link_city(root)
    sample_ids, neighbour_ids = city_ids_of(root, SAMPLE), city_ids_of(root, NEIGHBOUR)

    monkeypatch.setenv("HOUSEKEY_CITY_IDENTITY", str(root))
    monkeypatch.setenv("HOUSEKEY_LANDING", str(sample_world / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(warehouse_copy))
    monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
    wanted = [AssetKey(["core", "city_person_ids"]), AssetKey(["marts", "person_profiles"])]
    wanted += [AssetKey(["meta", "dictionary"]), AssetKey(["publish", "analyst_copy"])]  # comments, then the copy
    result = materialize(
        pipeline_assets(load_registry()),
        selection=wanted,
        resources=warehouse_resources(),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success

    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        read_back = dict(con.execute("SELECT person_id, city_person_id FROM core.city_person_ids").fetchall())
        people = con.execute("SELECT count(*) FROM core.people").fetchone()[0]
        profiles = dict(con.execute("SELECT person_id, city_person_id FROM marts.person_profiles").fetchall())
    assert read_back == sample_ids and len(read_back) == people  # everyone was linked: everyone has a city id
    assert profiles == read_back
    for new_id, sample_id in moved.items():  # a mover is one person of the city
        assert profiles[sample_id] == neighbour_ids[new_id]
    assert neighbour_ids[stranger] not in set(profiles.values())
    with duckdb.connect(str(warehouse_copy.with_name(ANALYST_FILE)), read_only=True) as con:
        published = dict(con.execute("SELECT person_id, city_person_id FROM marts.person_profiles").fetchall())
        comment = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'person_profiles' AND column_name = 'city_person_id'"
        ).fetchone()[0]
    assert published == profiles and "city" in comment


def test_without_a_city_link_no_one_has_a_city_id(full_warehouse):
    with duckdb.connect(str(full_warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core.city_person_ids").fetchone()[0] == 0
        assert con.execute("SELECT count(city_person_id) FROM marts.person_profiles").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM marts.person_profiles").fetchone()[0] > 0
        types = con.execute("SELECT DISTINCT data_type FROM duckdb_columns() WHERE column_name = 'city_person_id'")
        assert types.fetchall() == [("VARCHAR",)]  # typed even when no id was read back
