"""marts.house_profiles (一房一档) on the sample world: one row per house, facts that agree with the truth."""

import duckdb
import pandas as pd
import pytest

from data_samples.generator.generate import SAMPLES


@pytest.fixture(scope="module")
def con(tagged_warehouse):
    with duckdb.connect(str(tagged_warehouse), read_only=True) as connection:
        yield connection


def test_one_row_per_house_of_the_register(con):
    houses, profiles, distinct = con.execute(
        "SELECT (SELECT count(*) FROM core.houses), count(*), count(DISTINCT house_id) FROM marts.house_profiles"
    ).fetchone()
    register = len(pd.read_csv(SAMPLES / "truth" / "houses.csv", dtype=str))
    assert houses == profiles == distinct == register


def test_residents_agree_with_the_truth(con):
    people = pd.read_csv(SAMPLES / "truth" / "people.csv", dtype=str)
    truth = people.dropna(subset=["home_house_id"]).groupby("home_house_id").size()
    profile = dict(con.execute("SELECT house_id, residents FROM marts.house_profiles WHERE residents > 0").fetchall())
    assert profile == truth.to_dict()


def test_a_profile_holds_tags_history_sources_and_businesses(con):
    """An elderly person living alone: tagged, with the care-visit ledger among the sources that know the house."""
    row = con.execute("""SELECT tag_codes, tag_names, tag_history, records_by_source, people_linked
                         FROM marts.house_profiles WHERE list_contains(tag_codes, 'elderly_living_alone_home')
                         ORDER BY house_id LIMIT 1""").fetchone()
    tag_codes, tag_names, history, by_source, people_linked = row
    assert "pure_elderly_household" in tag_codes and "独居老人户" in tag_names
    assert {h["tag_code"] for h in history if h["valid_to"] is None} == set(tag_codes)
    assert by_source["elderly_care_visits"] >= 1 and by_source["actual_residents"] >= 1
    assert people_linked >= 1
    shops = pd.read_csv(SAMPLES / "truth" / "businesses.csv", dtype=str)
    with_business = {
        h for (h,) in con.execute("SELECT house_id FROM marts.house_profiles WHERE len(businesses) > 0").fetchall()
    }
    assert with_business == set(shops["house_id"])


def test_complaints_are_counted_at_their_house(con):
    events = pd.read_csv(SAMPLES / "truth" / "events.csv", dtype=str)
    truth = events[events["kind"] == "complaint"].groupby("house_id").size()
    profile = dict(con.execute("SELECT house_id, complaints FROM marts.house_profiles WHERE complaints > 0").fetchall())
    assert all(profile[h] <= truth.get(h, 0) for h in profile)  # never more than happened there
    assert sum(profile.values()) >= 0.7 * truth.sum()  # 12345 addresses are the noisiest of all sources


def test_every_list_of_a_profile_is_in_order_and_its_names_follow_their_codes(con):
    """Tags by code with their names beside them, history by when it opened, sources, people and businesses
    by id: whatever builds the lists, a reader can rely on their order."""
    names = dict(con.execute("SELECT tag_code, name_zh FROM tags.catalogue").fetchall())
    rows = con.execute("""SELECT tag_codes, tag_names, tag_history, map_keys(records_by_source),
                                 map_values(records_by_source), records, people, businesses
                          FROM marts.house_profiles""").fetchall()
    for codes, tag_names, history, sources, counts, records, people, businesses in rows:
        assert codes == sorted(codes) and tag_names == [names[code] for code in codes]
        assert history == sorted(history, key=lambda h: (h["valid_from"], h["tag_code"]))
        assert (sources or []) == sorted(sources or []) and sum(counts or []) == records
        assert [p["person_id"] for p in people] == sorted({p["person_id"] for p in people})
        assert [b["business_id"] for b in businesses] == sorted(b["business_id"] for b in businesses)
    held = "SELECT count(*) FROM tags.house_tags WHERE house_id IN (SELECT house_id FROM core.houses)"
    assert sum(len(row[2]) for row in rows) == con.execute(held).fetchone()[0]
