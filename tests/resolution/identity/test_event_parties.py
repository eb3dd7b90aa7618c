"""Events with parties: a group-rental case names landlord and tenant on one row, a complaint its reporter and
the person complained about; each party is its own person, found again in the residents list.

Two exports written as a street office and a committee write them (``event_parties/landing``: a GBK case ledger
with one row per step of a case, a complaint register) run through the pipeline to the analyst copy beside the
sample's address register and its November 实有人口, whose rows say who these people are (data_samples/truth/people.csv:
P0000026 陈明梅 lets 进贤路73弄2号101室 to P0000035-37, P0000018 邱明兰 lets 建德路54号…201室 to P0000101-102).
"""

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

from connectors.onboarding.draft import draft_spec
from connectors.onboarding.profile import profile
from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from pipelines.definitions import pipeline_assets, warehouse_resources
from resolution.identity.people import resolve_people
from schemas import RECORD_KINDS, record_kind_columns
from warehouse.dictionary import catalogue
from warehouse.migrations import migrations
from warehouse.privacy import ID_NUMBER_COLUMNS, NAME_COLUMNS, PHONE_COLUMNS
from warehouse.publish import ANALYST_FILE

HERE = Path(__file__).with_name("event_parties")
REPO = Path(__file__).resolve().parents[3]
SAMPLE_FILES = {"address_register": "标准地址库_202611.csv", "actual_residents": "实有人口_202611.csv"}
SETTLED = 1_700_000_000  # a modification time long past: the file is complete
CASES, COMPLAINTS = "群租整治台账_202610.csv", "投诉登记_202610.csv"
LANDLORD, TENANTS = "310103198801212411", ("510104199303263513", "340104200611165839", "420102199111144443")
OTHER_LANDLORD, OTHER_TENANTS = "310103197911227695", ("36010220070617806X", "340104200606048902")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The two exports, the address register and 实有人口 run through every asset up to the analyst copy (tags,
    marts, dictionary); not the report site, which no test here reads."""
    root = tmp_path_factory.mktemp("event_parties")
    sources, landing = root / "sources", root / "landing"
    shutil.copytree(HERE / "sources", sources)
    shutil.copytree(HERE / "landing", landing)
    for source, file_name in SAMPLE_FILES.items():
        shutil.copy(REPO / "connectors" / "sources" / f"{source}.yaml", sources)
        (landing / source).mkdir()
        shutil.copy(SAMPLES / "landing" / source / file_name, landing / source)
    for path in landing.rglob("*.csv"):
        os.utime(path, (SETTLED, SETTLED))
    path = root / "housekey.duckdb"
    with pytest.MonkeyPatch.context() as env, DagsterInstance.ephemeral() as instance:
        env.setenv("HOUSEKEY_LANDING", str(landing))
        env.setenv("HOUSEKEY_WAREHOUSE", str(path))
        result = materialize(
            pipeline_assets(load_registry(sources)),
            selection=AssetSelection.assets(AssetKey(["publish", "analyst_copy"])).upstream(),
            resources=warehouse_resources(),
            instance=instance,
        )
    assert result.success
    return path


def resident(con: duckdb.DuckDBPyConnection, id_number: str) -> str:
    """The person 实有人口's row with this ID number was resolved to."""
    return con.execute(
        "SELECT p.person_id FROM staging.actual_residents s JOIN core.person_records p ON p.record_id = s._record_id "
        "WHERE s.id_number = ?",
        [id_number],
    ).fetchone()[0]


def parties(con: duckdb.DuckDBPyConnection, source: str) -> dict[tuple[int, str], str]:
    """{(row number, party): person_id} for every party of the source's rows that was resolved to a person."""
    return {
        (row, party): person
        for row, party, person in con.execute(
            """SELECT _row_number, 'subject', person_id FROM core.person_records WHERE _source = $source
               UNION ALL
               SELECT _row_number, party, person_id FROM core.person_counterparts WHERE _source = $source""",
            {"source": source},
        ).fetchall()
    }


def test_landlord_and_tenant_of_one_row_are_two_people_found_by_their_id_numbers(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        staged = con.execute("SELECT count(*) FROM staging.group_rental_cases").fetchone()[0]
        found = parties(con, "group_rental_cases")
        landlord, other_landlord = resident(con, LANDLORD), resident(con, OTHER_LANDLORD)
        tenants = [resident(con, n) for n in TENANTS + OTHER_TENANTS]
    assert staged == 5
    # rows 2-6 of the file (row 1 is the header): the tenant is the subject, the landlord the other party
    assert [found[(row, "subject")] for row in range(2, 7)] == tenants
    assert [found.get((row, "counterpart")) for row in range(2, 7)] == [
        landlord,
        landlord,  # named with ID number and no phone
        None,  # named alone, with neither ID number nor phone: a name is not a person here
        other_landlord,
        other_landlord,  # its phone written +86 17473106517
    ]
    assert len({landlord, other_landlord, *tenants}) == 7


def test_a_complaint_names_its_reporter_and_the_person_complained_about(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = parties(con, "complaints")
        by_phone = dict(
            con.execute(
                "SELECT s.phone, p.person_id FROM staging.actual_residents s "
                "JOIN core.person_records p ON p.record_id = s._record_id WHERE s.phone IN (?, ?, ?)",
                ["16015309639", "19667883460", "15263048335"],
            ).fetchall()
        )
    # 范晨静 complained about 许德 upstairs, each known by name and phone only: the residents with that phone
    assert found[(2, "reporter")] == by_phone["16015309639"]
    assert found[(2, "subject")] == by_phone["19667883460"]
    # 卢诺浩 complained about 钟雨建, named alone: a name without ID number or phone makes no person
    assert found[(3, "reporter")] == by_phone["15263048335"] and (3, "subject") not in found


def test_a_rerun_keeps_every_partys_person(warehouse, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        before = {s: parties(con, s) for s in ("group_rental_cases", "complaints")}
        counts = resolve_people(con)
        after = {s: parties(con, s) for s in ("group_rental_cases", "complaints")}
    assert after == before
    assert counts["minted"] == counts["merges"] == counts["splits"] == 0


def test_the_person_profile_counts_events_by_role(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        landlord, tenant = resident(con, LANDLORD), resident(con, TENANTS[0])
        reporter = con.execute(
            "SELECT person_id FROM core.person_counterparts WHERE _source = 'complaints' AND _row_number = 2"
        ).fetchone()[0]
        profile = {
            person: counts
            for person, *counts in con.execute(
                "SELECT person_id, events, events_as_counterpart, events_as_reporter, complaints, records, sources "
                "FROM marts.person_profiles WHERE person_id IN (?, ?, ?)",
                [landlord, tenant, reporter],
            ).fetchall()
        }
    # records and sources count every role: 陈明梅 is in 实有人口 once and the other party of two case steps
    assert profile[landlord] == [2, 2, 0, 0, 3, ["actual_residents", "group_rental_cases"]]
    assert profile[tenant] == [1, 0, 0, 0, 2, ["actual_residents", "group_rental_cases"]]
    # complaints counts the orders a person is the subject of
    assert profile[reporter] == [1, 0, 1, 0, 2, ["actual_residents", "complaints"]]


def test_the_analyst_copy_masks_every_party(warehouse):
    with duckdb.connect(str(warehouse.with_name(ANALYST_FILE)), read_only=True) as con:
        rows = con.execute(
            "SELECT counterpart_name, counterpart_id_number, counterpart_phone, reporter_name, reporter_phone "
            "FROM tags.event_records WHERE source IN ('group_rental_cases', 'complaints') "
            "AND coalesce(counterpart_name, reporter_name) IS NOT NULL ORDER BY source, row_number"
        ).fetchall()
    assert rows
    seen = " ".join(str(v) for row in rows for v in row)
    assert LANDLORD not in seen and "19587761010" not in seen and "16015309639" not in seen
    assert "陈明梅" not in seen and "陈*" in seen and "范*" in seen


def test_every_party_column_of_every_record_kind_is_masked():
    for kind in RECORD_KINDS:
        for column, declared in record_kind_columns(kind).items():
            if declared["type"] == "id_number":
                assert column in ID_NUMBER_COLUMNS, (kind, column)
            if declared["type"] == "phone":
                assert column in PHONE_COLUMNS, (kind, column)
            if column.endswith("name") and column not in ("committee_name", "legal_name", "shop_name"):
                assert column in NAME_COLUMNS, (kind, column)


@pytest.mark.parametrize("file_name", [CASES, COMPLAINTS])
def test_the_draft_maps_the_headers_to_the_parties(file_name):
    source = "group_rental_cases" if file_name == CASES else "complaints"
    reviewed = load_registry(HERE / "sources")[source]
    draft = draft_spec(profile(HERE / "landing" / source / file_name), source)
    drafted = {column: entry["to"] for column, entry in draft.spec["columns"].items()}
    assert draft.spec["record_kind"] == "event"
    parties = {c: m.to for c, m in reviewed.columns.items() if m.to.split("_")[0] in ("counterpart", "reporter")}
    parties |= {c: m.to for c, m in reviewed.columns.items() if m.to in ("person_name", "id_number", "phone")}
    assert {c: drafted.get(c) for c in parties} == parties
    agree = sum(drafted.get(c) == m.to for c, m in reviewed.columns.items())
    assert agree / len(reviewed.columns) >= 0.9, drafted


def test_the_parties_columns_are_described(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        described = {f"{c.schema}.{c.table}.{c.column}": c.description for c in catalogue(con) if c.column}
    ours = [
        "core.person_counterparts.party",
        *(f"marts.person_profiles.{c}" for c in ("events", "events_as_counterpart", "events_as_reporter", "records")),
        *(f"core.event_rows.{p}_{c}" for p in ("counterpart", "reporter") for c in ("name", "id_number", "phone")),
    ]
    assert all(described.get(c) for c in ours), [c for c in ours if not described.get(c)]


def test_a_warehouse_from_before_parties_keeps_its_landlords_as_counterparts():
    (step,) = [m for m in migrations() if m.name == "party_of_counterparts"]
    con = duckdb.connect()
    con.execute("""CREATE SCHEMA core;
        CREATE TABLE core.person_counterparts (record_id VARCHAR, _source VARCHAR, person_id VARCHAR);
        INSERT INTO core.person_counterparts VALUES ('rental_registration:d1#2', 'rental_registration', 'PSN0000000007')""")
    step.migrate(con)
    assert con.execute("SELECT record_id, party, person_id FROM core.person_counterparts").fetchall() == [
        ("rental_registration:d1#2", "counterpart", "PSN0000000007")
    ]
    step.migrate(duckdb.connect())  # a warehouse that never linked people has no such table
