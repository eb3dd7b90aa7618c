"""People on the sample world: linked as the truth says, ids kept across re-runs and new deliveries."""

import shutil

import duckdb
import pytest

from benchmarks.person_linking import score
from connectors.spec import load_registry
from resolution.address.records import build_records
from resolution.identity.people import resolve_people
from resolution.identity.person_decisions import RECORD_KEY_SQL as RECORD_KEY


@pytest.fixture
def warehouse(full_warehouse):
    """The sample world run once through the whole pipeline (people included), shared by the session."""
    return full_warehouse


@pytest.fixture
def copy(warehouse, tmp_path):
    """A writable copy of the run warehouse, for tests that re-link."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, path)
    with duckdb.connect(str(path)) as con:
        yield con


def resolve_again(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Link people again after a test staged rows of its own: the record backbone first, as a run builds it."""
    build_records(con, load_registry())
    return resolve_people(con)


def test_people_are_linked_as_the_truth_says(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        figures = score(con)
    assert figures["records"] > 14000
    assert figures["precision"] >= 0.99 and figures["recall"] >= 0.95, figures


def test_every_person_row_has_exactly_one_person(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        keys, distinct, missing = con.execute("""
            SELECT count(*), count(DISTINCT (_source, _delivery_id, _row_number, _sheet)),
                   count(*) FILTER (WHERE person_id IS NULL OR NOT regexp_full_match(person_id, 'PSN310101023[0-9]{7}'))
            FROM core.person_records""").fetchall()[0]
        household = con.execute("SELECT count(*) FROM staging.household_registration").fetchall()[0][0]
        linked = con.execute(
            "SELECT count(*) FROM core.person_records WHERE _source = 'household_registration'"
        ).fetchall()[0][0]
        people = con.execute("SELECT count(*), count(DISTINCT person_id) FROM core.people").fetchall()[0]
    assert keys == distinct and missing == 0
    assert linked == household
    assert people[0] == people[1] > 3000


def test_a_rerun_keeps_every_id(copy):
    before = dict(
        copy.execute(
            "SELECT _source || _delivery_id || _row_number || coalesce(_sheet, ''), person_id FROM core.person_records"
        ).fetchall()
    )
    counts = resolve_people(copy)
    after = dict(
        copy.execute(
            "SELECT _source || _delivery_id || _row_number || coalesce(_sheet, ''), person_id FROM core.person_records"
        ).fetchall()
    )
    assert after == before
    assert counts["minted"] == counts["merges"] == counts["splits"] == 0


def test_a_new_delivery_attaches_to_existing_people(copy):
    """A later volunteers list: a known volunteer again, and someone never seen before."""
    known_id, name, phone = copy.execute("""
        SELECT p.person_id, s.name, s.phone FROM staging.volunteers s JOIN core.person_records p
          ON p.record_id = s._record_id
        WHERE s.phone IS NOT NULL ORDER BY s._row_number LIMIT 1""").fetchall()[0]
    before = dict(
        copy.execute(
            "SELECT _source || _delivery_id || _row_number || coalesce(_sheet, ''), person_id FROM core.person_records"
        ).fetchall()
    )
    copy.execute(
        """
        INSERT INTO staging.volunteers (_source, _delivery_id, _file_name, _row_number, _record_id, name, sex, phone)
        VALUES ('volunteers', 'volunteers:next', 'next.csv', 1, 'volunteers:next#1', ?, NULL, ?),
               ('volunteers', 'volunteers:next', 'next.csv', 2, 'volunteers:next#2', '司马相如', 'M', '13900000001')""",
        [name, phone],
    )
    counts = resolve_again(copy)
    after = dict(
        copy.execute(
            "SELECT _source || _delivery_id || _row_number || coalesce(_sheet, ''), person_id FROM core.person_records"
        ).fetchall()
    )
    assert {k: after[k] for k in before} == before
    new = dict(
        copy.execute(
            "SELECT _row_number, person_id FROM core.person_records WHERE _delivery_id = 'volunteers:next'"
        ).fetchall()
    )
    assert new[1] == known_id
    assert new[2] not in before.values() and counts["minted"] == 1


def test_two_id_numbers_never_make_one_person(copy):
    """A ledger row with a known person's name, phone and birth date but another valid ID number."""
    name, sex, born, phone, id_number, person_id = copy.execute("""
        SELECT s.name, s.sex, s.birth_date, s.phone, s.id_number, p.person_id FROM staging.actual_residents s
        JOIN core.person_records p ON p.record_id = s._record_id
        WHERE s.phone IS NOT NULL AND length(s.id_number) = 18 AND s.id_number NOT LIKE '%*%'
        ORDER BY s._row_number LIMIT 1""").fetchall()[0]
    from resolution.identity.identifiers import check_character

    body = id_number[:14] + ("999" if id_number[14:17] != "999" else "997")
    other = body + check_character(body)
    copy.execute(
        """INSERT INTO staging.actual_residents (_source, _delivery_id, _file_name, _row_number, _record_id, name, sex,
                    birth_date, phone, id_number) VALUES ('actual_residents', 'actual_residents:next', 'next.csv', 1,
                    'actual_residents:next#1', ?, ?, ?, ?, ?)""",
        [name, sex, born, phone, other],
    )
    resolve_again(copy)
    new_id = copy.execute(
        "SELECT person_id FROM core.person_records WHERE _delivery_id = 'actual_residents:next'"
    ).fetchall()[0][0]
    assert new_id != person_id
    reasons = {
        r
        for (r,) in copy.execute(
            "SELECT reason FROM quality.person_review WHERE ? IN (person_id, other_person_id)", [new_id]
        ).fetchall()
    }
    assert "two different ID numbers" in reasons


def test_a_reviewers_decisions_are_reused_by_later_runs(copy):
    from resolution.identity.person_decisions import record_person_decision

    doubtful = copy.execute(
        "SELECT record_key, other_record_key, person_id, other_person_id FROM quality.person_review"
        " WHERE reason = 'doubtful match' ORDER BY match_weight DESC LIMIT 1"
    ).fetchone()
    key, other_key, _person, _other_person = doubtful
    record_person_decision(copy, key, other_key, "same", "test reviewer")
    resolve_people(copy)
    people = dict(
        copy.execute(
            f"SELECT {RECORD_KEY}, person_id FROM _person_links JOIN _person_ids USING (cluster)"
            f" WHERE {RECORD_KEY} IN (?, ?)",
            [key, other_key],
        ).fetchall()
    )
    assert people[key] == people[other_key]  # joined as decided
    assert not copy.execute(
        "SELECT count(*) FROM quality.person_review WHERE record_key IN (?, ?) AND other_record_key IN (?, ?)",
        [key, other_key, key, other_key],
    ).fetchone()[0]

    record_person_decision(copy, key, other_key, "different", "test reviewer")
    resolve_people(copy)
    people = dict(
        copy.execute(
            f"SELECT {RECORD_KEY}, person_id FROM _person_links JOIN _person_ids USING (cluster)"
            f" WHERE {RECORD_KEY} IN (?, ?)",
            [key, other_key],
        ).fetchall()
    )
    assert people[key] != people[other_key]  # the later answer replaces the earlier one


def _chain(decisions: dict) -> tuple[list[int], list[tuple]]:
    """Three records without ID numbers, 0-1 and 1-2 strong matches: cluster them under the decisions."""
    import pyarrow as pa

    from resolution.identity.people import cluster

    features = pa.table({"id18": pa.array([None, None, None], pa.string())})
    strong = {
        "match_probability": 0.999,
        "match_weight": 12.0,
        "mw_name": 8.0,
        "mw_birth_date": 0.0,
        "mw_sex": 0.0,
        "mw_phone": 0.0,
        "mw_house": 4.0,
        "mw_id_number": 0.0,
    }
    pairs = pa.Table.from_pylist(
        [{"record_id_l": 0, "record_id_r": 1, **strong}, {"record_id_l": 1, "record_id_r": 2, **strong}]
    )
    roots, _, review = cluster(features, pairs, decisions)
    return roots, review


def test_records_decided_different_stay_apart_even_through_a_third_record():
    roots, review = _chain({})
    assert roots[0] == roots[1] == roots[2]  # without a decision the chain links all three
    roots, review = _chain({frozenset((0, 2)): "different"})
    assert roots[0] != roots[2] and roots[0] == roots[1]  # the stronger link first, the one closing the chain refused
    assert [(left, right, reason) for left, right, reason, *_ in review] == [
        (1, 2, "would join records a reviewer decided different")
    ]
    roots, review = _chain({frozenset((0, 2)): "different", frozenset((1, 2)): "same"})
    assert roots[1] == roots[2] != roots[0]  # a reviewer's same goes first; the scored 0-1 link is then refused
    assert [reason for _, _, reason, *_ in review] == ["would join records a reviewer decided different"]


REVIEW = "SELECT * FROM quality.person_review ORDER BY ALL"
PAIRS = (
    "SELECT reason, person_id, other_person_id, record_key, other_record_key FROM quality.person_review "
    "WHERE other_record_key IS NOT NULL"
)


def test_a_rerun_on_the_same_data_leaves_the_review_queue_as_it_was(copy):
    before = copy.execute(REVIEW).fetchall()
    resolve_people(copy)
    assert copy.execute(REVIEW).fetchall() == before and len(before) > 10


def test_a_delivery_of_another_source_keeps_every_review_pair_and_its_keys(copy):
    """A pair a reviewer may be looking at stays, under the same record keys, while its two persons are
    apart and nobody has decided it: a later delivery only nudges the model's weights."""
    before = set(copy.execute(PAIRS).fetchall())
    # a pair the model would not offer again (as after a shift in its weights): still in the queue next run
    a, b = copy.execute(
        "SELECT record_key, other_record_key FROM quality.person_review WHERE other_record_key IS NOT NULL"
        " ORDER BY ALL LIMIT 1"
    ).fetchone()
    far = copy.execute(f"""SELECT {RECORD_KEY}, person_id FROM (SELECT *, 'subject' AS party FROM core.person_records
                           WHERE _source = 'volunteers') ORDER BY ALL LIMIT 1""").fetchone()
    copy.execute(
        "INSERT INTO quality.person_review (reason, record_key, other_record_key, match_weight, evidence)"
        " VALUES ('doubtful match', ?, ?, 0.1, 'name +3.0')",
        [a, far[0]],
    )
    copy.execute("""
        INSERT INTO staging.volunteers (_source, _delivery_id, _file_name, _row_number, _record_id, name, sex, phone)
        VALUES ('volunteers', 'volunteers:next', 'next.csv', 1, 'volunteers:next#1', '司马相如', 'M', '13900000001')""")
    resolve_again(copy)
    after = set(copy.execute(PAIRS).fetchall())
    assert before <= after
    assert [(r[3], r[4]) for r in after - before] == [(a, far[0])]

    from resolution.identity.person_decisions import record_person_decision

    record_person_decision(copy, a, far[0], "different", "test reviewer")  # decided: it leaves the queue
    resolve_people(copy)
    assert set(copy.execute(PAIRS).fetchall()) == before
    assert b  # the pair's other record was never touched
