"""The hand-made exports of issue 17 (tests/connectors/exports/), onboarded as a district IT person would:
the draft of ``source init`` against the reviewed spec, then the reviewed spec through landing, staging, address
matching and identity on a warehouse holding the sample's address register and household registration.

The figures are benchmarks/onboarding.py's (``-s`` prints them): (a) the drafts agree with the reviewed specs on at
least 90% of the delivered columns; (b) every row is staged, or quarantined (whole or its value) by the rule its
truth names; (c) no row is given a wrong house, no person record is put in another true person's person.
"""

import pytest

from benchmarks.onboarding import Figures, export_names, measure, report, truth_rows

EXPORTS = export_names()
NAMED_BY_PHONE = ("property_complaints",)  # its people come with a name and a phone, no ID number


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict[str, Figures]:
    results = measure(tmp_path_factory.mktemp("onboarding"))
    report(results)
    return {f.name: f for f in results}


def test_there_are_ten_exports_with_their_truth_and_reviewed_spec():
    assert len(EXPORTS) >= 10


def test_drafts_agree_with_the_reviewed_specs_on_nine_columns_in_ten(figures):
    agreeing = sum(f.columns_agreeing for f in figures.values())
    columns = sum(f.columns for f in figures.values())
    assert columns >= 50
    assert agreeing / columns >= 0.9


@pytest.mark.parametrize("name", EXPORTS)
def test_every_row_is_staged_or_quarantined_by_the_rule_its_truth_names(figures, name):
    f = figures[name]
    assert f.rows > 0
    assert f.row_misses == [] and f.rows_right == f.rows
    assert f.dry_run_misses == []  # housekey source check says the same before anything lands


@pytest.mark.parametrize("name", EXPORTS)
def test_no_wrong_house_and_no_wrong_person(figures, name):
    f = figures[name]
    assert f.houses_wrong == []
    assert f.people_wrong == []


def test_houses_and_people_are_found_for_most_staged_rows(figures):
    """(c) is not empty: the staged rows do get houses and people, so no wrong one is a finding."""
    staged = [f for f in figures.values() if f.rows_staged]
    assert len(staged) >= 3
    for f in staged:
        assert f.houses_given >= 0.8 * f.rows_staged, f.name
        assert f.people_linked == f.people_named, f.name
        if f.name not in NAMED_BY_PHONE:  # the household register's people found again
            assert f.people_found_again >= 0.8 * f.people_known, f.name


@pytest.mark.xfail(
    strict=True,
    reason="identity: a person an event names by name and phone, at a room the household register gives a person "
    "of the same full name, is not linked to them ('no record agrees enough'): 1 of 11 found in property_complaints",
)
def test_people_named_by_name_and_phone_at_their_room_are_found_again(figures):
    for name in NAMED_BY_PHONE:
        assert figures[name].people_found_again >= 0.8 * figures[name].people_known


def test_the_hidden_bank_card_column_is_stored_nowhere(figures):
    """The ledger's hidden 银行卡号 is dropped by its reviewed spec: no Luhn-valid card number in raw or staging."""
    assert [line for f in figures.values() for line in f.cards_stored] == []


def test_a_birth_date_kept_to_the_month_is_not_staged_as_a_day(figures):
    assert sum(len(f.partial_dates_invented) for f in figures.values()) == 0
    written = [
        t for n in EXPORTS for t in truth_rows(n) if "kept to the month" in t["note"] and t["outcome"] != "quarantined"
    ]
    assert len(written) >= 14 and sum(f.partial_dates_kept for f in figures.values()) == len(written)


def test_the_members_nested_in_a_json_household_are_people_of_their_own(figures):
    """household_api: each household's members (a nested list, spec ``json.explode``) are rows after their
    household's, staged at its house as people of their own; none is put in the head's person or another's."""
    f = figures["household_api"]
    truth = truth_rows("household_api")
    members = [t for t in truth if t["note"].startswith("member")]
    assert len(members) >= 15 and len({t["person_id"] for t in truth}) == len(truth)
    assert f.rows == len(truth) and f.rows_right == f.rows and f.dry_run_misses == []
    assert f.people_linked == f.people_named == len(truth) and f.people_wrong == []
    assert f.houses_right == len(truth) and f.houses_wrong == []
    assert [x.name for x in figures.values() if x.people_unread] == []  # no export names people nobody reads
