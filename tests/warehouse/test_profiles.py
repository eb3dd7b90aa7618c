"""marts.person_profiles and marts.business_profiles against the generator's truth.

A pipeline person stands for the truth person all of its records are (records joined to
truth/records.csv by source, file, sheet and row); people whose records disagree are left out.
"""

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_samples.generator.generate import SAMPLES

TRUTH = SAMPLES / "truth"
AS_OF = pd.Timestamp("2026-11-01")  # tests/conftest.py WORLD_AS_OF


@pytest.fixture(scope="module")
def con(full_warehouse: Path):
    with duckdb.connect(str(full_warehouse), read_only=True) as connection:
        records = pd.read_csv(TRUTH / "records.csv", dtype=str, keep_default_na=False).drop(columns=["facts"])
        connection.register("truth_records", records)
        for name in ("people", "houses", "businesses", "events"):
            connection.execute(
                f"CREATE TEMP VIEW truth_{name} AS SELECT * FROM read_csv('{TRUTH / name}.csv', all_varchar=true)"
            )
        yield connection


@pytest.fixture(scope="module")
def people(con) -> pd.DataFrame:
    """Each person profile whose records all are one truth person, with that person's truth."""
    return con.execute("""
        WITH votes AS (
            SELECT r.person_id, min(t.person_id) AS truth_id, count(DISTINCT t.person_id) AS truths
            FROM core.person_records r JOIN meta.deliveries d ON d.delivery_id = r._delivery_id
            JOIN truth_records t ON t.source = r._source AND t.file = d.file_name AND t.sheet = coalesce(r._sheet, '')
                 AND t.row_number = r._row_number::VARCHAR
            WHERE t.person_id <> '' GROUP BY r.person_id)
        SELECT p.*, t.home_house_id AS truth_home, t.registered_house_id AS truth_registered, t.owns AS truth_owns,
               t.sex AS truth_sex, t.birth_date::DATE AS truth_birth_date
        FROM marts.person_profiles p JOIN votes v USING (person_id) JOIN truth_people t ON t.person_id = v.truth_id
        WHERE v.truths = 1""").df()


def test_one_profile_per_person_and_business(con):
    assert (
        con.execute("SELECT count(*), count(DISTINCT person_id) FROM marts.person_profiles").fetchone()
        == con.execute("SELECT count(*), count(*) FROM core.people").fetchone()
    )
    assert (
        con.execute("SELECT count(*), count(DISTINCT business_id) FROM marts.business_profiles").fetchone()
        == con.execute("SELECT count(*), count(*) FROM core.businesses").fetchone()
    )


def test_people_live_where_the_truth_says(people):
    assert len(people) > 3000
    # a profile made of 12345 calls alone (a caller the linker could not join to their resident record: 30 on
    # the sample, counted by benchmarks.person_linking's recall) says nothing about where its person lives
    people = people[people["sources"].map(lambda sources: list(sources) != ["hotline_12345"])]
    residents = people[people["truth_home"].notna()]
    assert (residents["home_house_id"] == residents["truth_home"]).mean() >= 0.99
    assert people.loc[people["truth_home"].isna(), "home_house_id"].isna().all()  # absentee owners live elsewhere
    registered = people[people["truth_registered"].notna()]
    assert (registered["registered_house_id"] == registered["truth_registered"]).mean() >= 0.99
    owned = people["owned_house_ids"].map(lambda ids: ";".join(sorted(ids)))
    truth_owned = people["truth_owns"].fillna("").map(lambda ids: ";".join(sorted(filter(None, ids.split(";")))))
    assert (owned == truth_owned).mean() >= 0.99
    assert (people["sex"] == people["truth_sex"]).mean() >= 0.99
    assert (people["birth_date"] == people["truth_birth_date"]).mean() >= 0.99


def test_a_profile_shows_the_tags_its_person_holds(con):
    mismatched = con.execute("""
        SELECT count(*) FROM marts.person_profiles p
        WHERE list_sort(p.tag_codes) <> coalesce((SELECT list_sort(list(tag_code)) FROM tags.person_tags t
                                                  WHERE t.person_id = p.person_id AND t.valid_to IS NULL), [])""").fetchone()[
        0
    ]
    assert mismatched == 0
    names = con.execute(
        "SELECT tag_names[1] FROM marts.person_profiles WHERE list_contains(tag_codes, 'actual_resident') "
        "AND tag_codes[1] = 'actual_resident' LIMIT 1"
    ).fetchone()[0]
    assert names == "实有人口"


def test_businesses_trade_where_and_as_the_truth_says(con):
    profiles = con.execute("""
        SELECT p.*, t.house_id AS truth_house, t.shop_name AS truth_shop_name, t.business_id AS truth_id
        FROM marts.business_profiles p JOIN truth_businesses t USING (credit_code)""").df()
    assert len(profiles) >= 60
    assert (profiles["house_id"] == profiles["truth_house"]).all()
    assert (profiles["shop_name"] == profiles["truth_shop_name"]).mean() >= 0.95
    assert not profiles["is_deregistered"].any()  # the truth's businesses all trade
    # complaints of the last 365 days, as the truth counts them
    truth = con.execute("""SELECT business_id, count(*) FROM truth_events WHERE kind = 'complaint'
                           AND occurred_at::TIMESTAMP::DATE BETWEEN DATE '2026-11-01' - INTERVAL 364 DAY AND DATE '2026-11-01'
                           GROUP BY 1""").fetchall()
    counts = dict(truth)
    assert (profiles["complaints_365d"] == profiles["truth_id"].map(lambda b: counts.get(b, 0))).mean() >= 0.95
    assert profiles["complaints_365d"].sum() > 0


def test_licences_are_in_force_on_the_day(con):
    wrong = con.execute("""SELECT count(*) FROM marts.business_profiles
        WHERE has_food_licence <> coalesce(food_licence_from <= DATE '2026-11-01'
                                           AND coalesce(food_licence_to >= DATE '2026-11-01', true), false)""").fetchone()[
        0
    ]
    assert wrong == 0
    licensed = con.execute(
        "SELECT count(*) FILTER (has_food_licence), count(*) FILTER (has_outdoor_seating_permit) "
        "FROM marts.business_profiles"
    ).fetchone()
    tagged = con.execute("""SELECT count(*) FILTER (tag_code = 'food_licensed'), count(*) FILTER (tag_code = 'outdoor_seating')
                            FROM tags.business_tags WHERE valid_to IS NULL""").fetchone()
    assert licensed == tagged


def test_a_person_counts_each_event_naming_them_once_in_every_role(con):
    """However many houses a building-wide row covers and however many roles the person plays in it."""
    counted = """
        WITH parties AS (SELECT record_id, person_id, 'subject' AS party FROM core.person_records
                         UNION ALL SELECT record_id, person_id, party FROM core.person_counterparts)
        SELECT p.person_id, count(DISTINCT e.record_id),
               count(DISTINCT e.record_id) FILTER (p.party = 'subject' AND e.source = 'hotline_12345'),
               count(DISTINCT e.record_id) FILTER (p.party = 'counterpart'),
               count(DISTINCT e.record_id) FILTER (p.party = 'reporter'), max(e.occurred_at)
        FROM tags.event_records e JOIN parties p USING (record_id)
        WHERE p.person_id IN (SELECT person_id FROM core.people) GROUP BY 1"""
    truth = {row[0]: row[1:] for row in con.execute(counted).fetchall()}
    profiles = con.execute("""SELECT person_id, events, complaints, events_as_counterpart, events_as_reporter,
                                     last_event_at FROM marts.person_profiles WHERE events > 0""").fetchall()
    assert {row[0]: row[1:] for row in profiles} == truth
    assert sum(row[2] for row in profiles) > 0  # complaints about the person
    names = dict(con.execute("SELECT tag_code, name_zh FROM tags.catalogue").fetchall())
    for codes, tag_names in con.execute("SELECT tag_codes, tag_names FROM marts.person_profiles").fetchall():
        assert codes == sorted(codes) and tag_names == [names[code] for code in codes]
