"""A record giving only a name at a house (a phone, a sex at most) joins the one person of that name known at that
house; two such persons, another sex or a reviewer's ``different`` keep it apart. Records written here by hand."""

import duckdb
import pyarrow as pa
import pytest

from resolution.address.records import build_records
from resolution.identity.name_at_house import EVIDENCE, MORE_THAN_ONE, OTHER_SEX, RULE, join_names_at_houses
from resolution.identity.people import resolve_people
from schemas.identifiers import check_character

HOUSE, OTHER_HOUSE = "310101023001000101", "310101023001000202"


def _link(records: list[tuple], roots: list[int], decisions: dict | None = None):
    """(name, house, sex, bare) per record, clustered as ``roots`` say: the rule's roots, joined records, review."""
    names, houses, sexes, bare = (list(c) for c in zip(*records, strict=True))
    features = pa.table({"name": names, "house_id": houses, "sex": sexes})
    return join_names_at_houses(features, roots, bare, decisions or {})


def test_a_name_at_a_house_joins_the_one_person_of_that_name_there():
    records = [
        ("王建国", HOUSE, "M", False),  # 实有人口: ID number and birth date, at the house
        ("王建国", OTHER_HOUSE, "M", False),  # his 户籍 elsewhere: the same person
        ("李秀英", HOUSE, "F", False),  # his wife
        ("王建国", HOUSE, None, True),  # a repair request: his name at the house, nothing else
        ("李秀英", HOUSE, "F", True),  # an activity sign-up: her name and sex
    ]
    roots, joined, review = _link(records, [0, 0, 2, 3, 4])
    assert roots == [0, 0, 2, 0, 2]
    assert joined == {3, 4} and review == []


def test_a_name_elsewhere_or_without_another_record_stays_alone():
    records = [
        ("王建国", OTHER_HOUSE, "M", False),  # known only at another house
        ("王建国", HOUSE, None, True),
        ("赵敏", HOUSE, None, True),  # two bare records of one name: no person with more to say
        ("赵敏", HOUSE, None, True),
    ]
    roots, joined, review = _link(records, [0, 1, 2, 3])
    assert roots == [0, 1, 2, 3] and joined == set() and review == []


def test_two_persons_of_that_name_at_the_house_send_it_to_review():
    records = [
        ("张伟", HOUSE, "M", False),  # father
        ("张伟", HOUSE, "M", False),  # his son of the same name, another ID number
        ("张伟", HOUSE, None, True),
    ]
    roots, joined, review = _link(records, [0, 1, 2])
    assert roots == [0, 1, 2] and joined == set()
    assert [(left, right, reason) for left, right, reason, *_ in review] == [
        (2, 0, MORE_THAN_ONE),
        (2, 1, MORE_THAN_ONE),
    ]


def test_another_sex_is_not_joined_but_reviewed():
    records = [("陈静", HOUSE, "F", False), ("陈静", HOUSE, "M", True)]
    roots, joined, review = _link(records, [0, 1])
    assert roots == [0, 1] and joined == set()
    assert review == [(1, 0, OTHER_SEX, None, RULE)]


def test_a_reviewers_different_keeps_them_apart():
    records = [("陈静", HOUSE, "F", False), ("陈静", HOUSE, "F", False), ("陈静", HOUSE, None, True)]
    roots, joined, review = _link(records, [0, 0, 2], {frozenset((1, 2)): "different"})
    assert roots == [0, 0, 2] and joined == set() and review == []


def test_a_bare_person_already_joined_to_a_person_with_more_is_no_bare_person():
    records = [("刘洋", HOUSE, "M", False), ("刘洋", HOUSE, "M", False), ("刘洋", HOUSE, None, True)]
    roots, joined, review = _link(records, [0, 1, 1])  # Splink joined the bare record to the second 刘洋
    assert roots == [0, 1, 1] and joined == set() and review == []


# Through the whole of people linking, on a warehouse whose record backbone holds only these rows: one house's
# residents as 实有人口 writes them (ID number, birth date), neighbours, and the rows that name a person only.
NEIGHBOURS = ("周国平", "吴丽华", "郑小明", "孙志强", "钱玉兰", "冯建军", "褚美玲", "卫东升", "蒋红梅", "沈家豪")


def _id(division: str, born: str, sequence: int, sex: str) -> str:
    body = f"{division}{born.replace('-', '')}{sequence:02d}{(1 if sex == 'M' else 2) + 2 * (sequence % 4)}"
    return body + check_character(body)


RESIDENTS = [  # (row, name, ID number, sex, birth date, phone, house)
    (1, "王建国", _id("310101", "1961-03-05", 11, "M"), "M", "1961-03-05", "13912340001", HOUSE),
    (2, "张伟", _id("310101", "1958-07-21", 12, "M"), "M", "1958-07-21", None, OTHER_HOUSE),
    (3, "张伟", _id("310101", "1986-01-30", 13, "M"), "M", "1986-01-30", None, OTHER_HOUSE),
    (4, "陈静", _id("310101", "1990-11-02", 14, "F"), "F", "1990-11-02", None, HOUSE),
    *(
        (
            5 + n,
            name,
            _id("310104", f"19{50 + n}-0{1 + n % 9}-1{n}", 20 + n, "MF"[n % 2]),
            "MF"[n % 2],
            f"19{50 + n}-0{1 + n % 9}-1{n}",
            f"1391234{1000 + n}",
            f"31010102300100{n:02d}01",
        )
        for n, name in enumerate(NEIGHBOURS)
    ),
]
BARE = [  # (row, name, sex, phone, house): a repair request, an activity's sign-up
    (1, "王建国", None, None, HOUSE),  # the only 王建国 at the house -> joined
    (2, "张伟", None, None, OTHER_HOUSE),  # father and son 张伟 live there -> review
    (3, "陈静", "M", None, HOUSE),  # 陈静 lives there, but she is a woman -> review
]


@pytest.fixture
def linked(tmp_path):
    with duckdb.connect(str(tmp_path / "housekey.duckdb")) as con:
        con.execute("CREATE SCHEMA quality; CREATE SCHEMA core")
        con.execute(
            "CREATE TABLE quality.quarantine (record_id VARCHAR, source VARCHAR, column_name VARCHAR, is_row_kept BOOLEAN)"
        )
        con.execute(
            "CREATE TABLE core.address_matches (record_id VARCHAR, house_id VARCHAR, match_level VARCHAR, candidates INTEGER)"
        )
        build_records(con, {})  # every backbone table with its canonical columns, empty
        rows = [("actual_residents", r, n, i, s, b, p, h) for r, n, i, s, b, p, h in RESIDENTS]
        rows += [("property_repairs", r, n, None, s, None, p, h) for r, n, s, p, h in BARE]
        for source, row, name, number, sex, born, phone, house in rows:
            con.execute(
                """INSERT INTO core.person_rows BY NAME SELECT ? AS record_id, ? AS source, ? AS delivery_id,
                   ? AS file_name, ?::BIGINT AS row_number, ? AS name, ? AS id_number, ? AS sex, ?::DATE AS birth_date,
                   ? AS phone, ? AS house_id, 'room' AS match_level, []::VARCHAR[] AS blanked""",
                [f"{source}#{row}", source, source, f"{source}.csv", row, name, number, sex, born, phone, house],
            )
        resolve_people(con, "310101023")
        yield con


def test_people_linking_joins_a_bare_name_with_its_reason_and_reviews_the_doubtful(linked):
    records = {
        (source, row): (person, rule, evidence)
        for source, row, person, rule, evidence in linked.execute(
            "SELECT _source, _row_number, person_id, match_rule, evidence FROM core.person_records"
        ).fetchall()
    }
    person, rule, evidence = records[("property_repairs", 1)]
    assert person == records[("actual_residents", 1)][0]
    assert (rule, evidence) == (RULE, EVIDENCE)
    persons = [p for p, *_ in records.values()]
    for row in (2, 3):  # 张伟 (two of them there) and 陈静 (another sex): persons of their own
        assert persons.count(records[("property_repairs", row)][0]) == 1
    review = linked.execute(
        "SELECT reason, _source, _row_number, other_source, other_row_number FROM quality.person_review ORDER BY ALL"
    ).fetchall()
    assert review == sorted(
        [
            (MORE_THAN_ONE, "property_repairs", 2, "actual_residents", 2),
            (MORE_THAN_ONE, "property_repairs", 2, "actual_residents", 3),
            (OTHER_SEX, "property_repairs", 3, "actual_residents", 4),
        ]
    )
