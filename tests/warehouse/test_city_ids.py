"""City-unique ids (decision 6): two subdistricts' analyst copies in one city view share no person, business or
house id, and joining tags to people across the city pairs only a subdistrict's own; an old warehouse's ids
are rewritten in every table that holds them; the warehouse's subdistrict is found as documented.

The city is the session's sample warehouse (瑞金二路街道) and a small generated 淮海中路街道 run as its partition."""

import csv
import importlib
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

from resolution.identity.city_ids import UnknownSubdistrict, business_prefix, person_id, subdistrict_code
from warehouse.city import city_views, export_analyst_copy
from warehouse.privacy import mask_text
from warehouse.publish import ANALYST_FILE

REPO = Path(__file__).resolve().parents[2]
SAMPLE, SECOND = "310101023", "310101022"
SOURCES = ["address_register", "household_registration", "market_entities", "hotline_12345"]
city_ids_step = importlib.import_module("warehouse.migrations.0008_city_ids")


@pytest.fixture(scope="module")
def second_analyst(tmp_path_factory, sample_world) -> Path:
    """The analyst copy of a 200-person 淮海中路街道 world run as partition 310101022 (no ID number of the sample's),
    up to the analyst copy: the report site is not read here."""
    from connectors.spec import load_registry
    from data_samples.generator.generate import generate
    from pipelines.definitions import pipeline_assets, subdistrict_partitions, warehouse_resources

    root = tmp_path_factory.mktemp("second_subdistrict")
    generate(root / "world", people=200, subdistrict=SECOND, only=SOURCES, beside=(sample_world,))
    (root / "sources").mkdir()
    for name in SOURCES:
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", root / "sources")
    (root / "subdistricts.yaml").write_text(
        f"subdistricts:\n  - {{code: '{SECOND}', name: 淮海中路街道, landing: {root / 'world' / 'landing'}}}\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_SUBDISTRICTS", str(root / "subdistricts.yaml"))
        registry = load_registry(root / "sources")
        result = materialize(
            pipeline_assets(registry, partitions=subdistrict_partitions()),
            selection=AssetSelection.assets(AssetKey(["publish", "analyst_copy"])).upstream(),
            resources=warehouse_resources(),
            partition_key=SECOND,
            instance=DagsterInstance.ephemeral(),
        )
    assert result.success
    return root / SECOND / "warehouse" / ANALYST_FILE


@pytest.fixture(scope="module")
def city(full_warehouse, second_analyst, tmp_path_factory):
    """A connection with the city views over both subdistricts' exported analyst copies."""
    root = tmp_path_factory.mktemp("city_parquet")
    export_analyst_copy(full_warehouse.with_name(ANALYST_FILE), SAMPLE, root)
    export_analyst_copy(second_analyst, SECOND, root)
    with duckdb.connect() as con:
        city_views(con, root)
        yield con


def test_no_id_of_one_subdistrict_is_another_subdistricts(city):
    for table, key, prefix in (
        ("core.people", "person_id", "PSN"),
        ("core.businesses", "business_id", "B"),  # then the code and H
        ("core.houses", "house_id", ""),
    ):
        by_code = dict(city.execute(f"SELECT _subdistrict, count(*) FROM {table} GROUP BY 1").fetchall())
        assert set(by_code) == {SAMPLE, SECOND} and min(by_code.values()) > 0, (table, by_code)
        shared = city.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY 1 HAVING count(DISTINCT _subdistrict) > 1)"
        ).fetchone()[0]
        assert shared == 0, table
        # each id names its subdistrict, so no other subdistrict can ever mint it
        foreign = city.execute(
            f"SELECT count(*) FROM {table} WHERE NOT starts_with({key}, '{prefix}' || _subdistrict)"
        ).fetchone()[0]
        assert foreign == 0, table
    # both subdistricts counted from 1: without the code in the id, these numbers would be shared
    same_numbers = city.execute(
        "SELECT count(*) FROM (SELECT right(person_id, 7) FROM core.people GROUP BY 1 "
        "HAVING count(DISTINCT _subdistrict) = 2)"
    ).fetchone()[0]
    assert same_numbers >= 100


def test_tags_join_people_across_the_city_only_in_their_own_subdistrict(city):
    pairs = dict(
        city.execute(
            "SELECT t._subdistrict = p._subdistrict, count(*) FROM tags.person_tags t "
            "JOIN core.people p USING (person_id) GROUP BY 1"
        ).fetchall()
    )
    assert pairs.get(False, 0) == 0
    own = dict(
        city.execute(
            "SELECT t._subdistrict, count(*) FROM tags.person_tags t JOIN core.people p "
            "ON p.person_id = t.person_id AND p._subdistrict = t._subdistrict GROUP BY 1"
        ).fetchall()
    )
    assert set(own) == {SAMPLE, SECOND} and pairs[True] == sum(own.values())
    # every tag period finds its person, in its subdistrict
    orphans = city.execute(
        "SELECT count(*) FROM tags.person_tags t ANTI JOIN core.people p USING (person_id, _subdistrict)"
    ).fetchone()[0]
    assert orphans == 0


def test_no_minted_id_reads_as_an_id_number_or_phone():
    """The analyst copy masks what reads as an ID number or phone in any text: an id it masked would join nothing.
    Every town of schemas/divisions.csv, with numbers and hashes whose digits run on."""
    with (REPO / "schemas" / "divisions.csv").open(encoding="utf-8") as divisions:
        towns = [row["code"] for row in csv.DictReader(divisions) if row["level"] == "street"]  # 街道 and 镇
    assert len(towns) > 200
    tails = ["0123456789", "1231980123", "0501001235", "ABCDEF0123", "9999999999"]
    ids = [person_id(t, n) for t in towns for n in (1, 1_231_980, 9_999_999, 19_900_101)]
    ids += [business_prefix(t) + tail for t in towns for tail in tails]
    assert [i for i in ids if mask_text(i) != i] == []


OLD_WAREHOUSE = """
CREATE SCHEMA core; CREATE SCHEMA tags; CREATE SCHEMA quality; CREATE SCHEMA marts; CREATE SCHEMA meta;
CREATE TABLE meta.runs (run_id VARCHAR, started_at TIMESTAMPTZ, subdistrict VARCHAR);
CREATE TABLE core.houses (house_id VARCHAR, committee_code VARCHAR);
INSERT INTO core.houses VALUES ('310101022001000001', '310101022001'), ('310101022002000007', '310101022002');
CREATE TABLE core.person_ids (person_id VARCHAR PRIMARY KEY, minted_at TIMESTAMPTZ);
INSERT INTO core.person_ids VALUES ('PSN0000000001', '2026-11-01 02:00:00+00'), ('PSN0000000002', NULL),
    ('PSN0012345678', NULL);
CREATE TABLE core.person_id_history (change VARCHAR, person_id VARCHAR, from_person_id VARCHAR);
INSERT INTO core.person_id_history VALUES ('merge', 'PSN0000000001', 'PSN0000000002');
CREATE TABLE tags.person_tags (tag_code VARCHAR, person_id VARCHAR, valid_from DATE);
INSERT INTO tags.person_tags VALUES ('elderly', 'PSN0000000001', '2026-11-01');
CREATE TABLE quality.person_review (person_id VARCHAR, other_person_id VARCHAR, reason VARCHAR);
INSERT INTO quality.person_review VALUES ('PSN0000000001', 'PSN0012345678', 'doubtful match PSN0000000001');
CREATE TABLE core.attributed_sources (attributed_to VARCHAR, business_id VARCHAR);
INSERT INTO core.attributed_sources VALUES ('B035DE0DA9D', 'B035DE0DA9D'), ('310101022001000001', NULL);
CREATE TABLE marts.house_profiles (house_id VARCHAR, people STRUCT(person_id VARCHAR, "name" VARCHAR)[],
    businesses STRUCT(business_id VARCHAR, legal_name VARCHAR)[]);
INSERT INTO marts.house_profiles VALUES ('310101022001000001', [{'person_id': 'PSN0000000001', 'name': '张三'}],
    [{'business_id': 'B035DE0DA9D', 'legal_name': 'B0A04B22F4D'}]);
"""


def _old_warehouse(runs: list[tuple] = ()) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(OLD_WAREHOUSE)
    for run in runs:
        con.execute("INSERT INTO meta.runs VALUES (?, ?, ?)", list(run))
    return con


def test_the_step_rewrites_old_ids_in_every_table_that_holds_them():
    with _old_warehouse() as con:
        con.execute("BEGIN")
        city_ids_step.migrate(con)
        con.execute("COMMIT")
        assert [p for (p,) in con.execute("SELECT person_id FROM core.person_ids ORDER BY 1").fetchall()] == [
            person_id(SECOND, 1),
            person_id(SECOND, 2),
            "PSN31010102212345678",  # a number past seven digits keeps all of them
        ]
        assert con.execute("SELECT person_id, from_person_id FROM core.person_id_history").fetchall() == [
            ("PSN3101010220000001", "PSN3101010220000002")
        ]
        assert con.execute("SELECT * FROM tags.person_tags").fetchall()[0][1] == "PSN3101010220000001"
        # a reviewer's text is not an id: only the id columns change
        assert con.execute("SELECT * FROM quality.person_review").fetchall() == [
            ("PSN3101010220000001", "PSN31010102212345678", "doubtful match PSN0000000001")
        ]
        assert con.execute("SELECT * FROM core.attributed_sources ORDER BY 1").fetchall() == [
            ("310101022001000001", None),  # a house id stays
            ("B310101022H035DE0DA9D", "B310101022H035DE0DA9D"),
        ]
        assert con.execute("SELECT people, businesses FROM marts.house_profiles").fetchall() == [
            (
                [{"person_id": "PSN3101010220000001", "name": "张三"}],
                [{"business_id": "B310101022H035DE0DA9D", "legal_name": "B0A04B22F4D"}],
            )
        ]
        minted_at = con.execute("SELECT minted_at FROM core.person_ids WHERE person_id = ?", [person_id(SECOND, 1)])
        assert minted_at.fetchone()[0] is not None
        before = con.execute("SELECT * FROM core.person_ids ORDER BY 1").fetchall()
        city_ids_step.migrate(con)  # nothing of the old shape is left: a second pass changes nothing
        assert con.execute("SELECT * FROM core.person_ids ORDER BY 1").fetchall() == before


def test_the_step_takes_the_subdistrict_a_run_recorded_and_refuses_to_guess():
    with _old_warehouse([("r1", "2026-11-01 02:00:00+00", "310101099"), ("r2", "2026-11-02 02:00:00+00", None)]) as con:
        city_ids_step.migrate(con)
        assert con.execute("SELECT min(person_id) FROM core.person_ids").fetchone()[0] == "PSN3101010990000001"
    with _old_warehouse() as con:
        con.execute("INSERT INTO core.houses VALUES ('310101023001000001', '310101023001')")  # two towns, no run
        with pytest.raises(ValueError, match="cannot tell which subdistrict"):
            city_ids_step.migrate(con)


def test_the_subdistrict_new_ids_are_minted_for():
    with _old_warehouse() as con:
        assert subdistrict_code(con) == SECOND  # the register's one town
        assert subdistrict_code(con, "310101099") == "310101099"  # the run's partition comes first
        con.execute("INSERT INTO meta.runs VALUES ('r1', '2026-11-01 02:00:00+00', '310101023')")
        assert subdistrict_code(con) == "310101023"  # a run that recorded its subdistrict before the register
        with pytest.raises(UnknownSubdistrict, match="9-digit"):
            subdistrict_code(con, "../x")
    with duckdb.connect() as empty, pytest.raises(UnknownSubdistrict, match="no houses"):
        subdistrict_code(empty)
