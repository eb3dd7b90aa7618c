"""Every question in docs/analyst-guide.md runs on the sample world and returns the answer the guide shows; one
marked "on the analyst copy" runs on the copy, with the token ``housekey token`` prints for the ID number the guide
names. Where the generator's truth knows the answer, the guide's answer is checked against it too."""

import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from data_samples.generator.generate import SAMPLES

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "analyst-guide.md"
TRUTH = SAMPLES / "truth"
QUESTION = re.compile(
    r"```sql\n-- question: (\w+)(, on the analyst copy)?\n(.*?)```\s*\nAnswer on the sample world:\n\n((?:\|[^\n]*\|\n?)+)",
    re.DOTALL,
)
TOKEN_COMMAND = re.compile(r"^housekey token (\S+)$", re.MULTILINE)  # the one an analyst runs before such a question


def questions() -> dict[str, tuple[str, list[str], list[list[str]]]]:
    """Question id -> (SQL, the answer's columns, its rows as text)."""
    found = {}
    for name, _copy, sql, table in QUESTION.findall(GUIDE.read_text(encoding="utf-8")):
        header, _, *rows = [
            [cell.strip() for cell in line.strip().strip("|").split("|")] for line in table.strip().splitlines()
        ]
        found[name] = (sql, header, rows)
    return found


def on_the_copy() -> set[str]:
    """The questions the guide asks of the analyst copy."""
    return {name for name, copy, _, _ in QUESTION.findall(GUIDE.read_text(encoding="utf-8")) if copy}


def as_text(value) -> str:
    return "NULL" if value is None else str(value)


@pytest.fixture(scope="module")
def con(full_warehouse: Path):
    connection = duckdb.connect(str(full_warehouse), read_only=True)
    for name in ("people", "events", "houses", "businesses"):
        connection.execute(
            f"CREATE TEMP VIEW truth_{name} AS SELECT * FROM read_csv('{TRUTH / name}.csv', all_varchar=true)"
        )
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def copy(full_warehouse: Path):
    """The analyst copy, with ``id_number_token`` set as the guide says: to what ``housekey token`` prints."""
    from commands.housekey import app
    from warehouse.publish import analyst_path

    (id_number,) = TOKEN_COMMAND.findall(GUIDE.read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_WAREHOUSE", str(full_warehouse))
        printed = CliRunner().invoke(app, ["token", id_number])
    assert printed.exit_code == 0, printed.output
    ((_, column, token),) = [line.split("\t") for line in printed.stdout.splitlines()]
    connection = duckdb.connect(str(analyst_path(full_warehouse)), read_only=True)
    connection.execute(f"SET VARIABLE {column} = ?", [token])
    yield connection
    connection.close()


def test_the_guide_has_its_questions():
    assert len(questions()) >= 8
    assert GUIDE.read_text(encoding="utf-8").count("```sql") == len(questions())  # none without an answer


@pytest.mark.parametrize("name", sorted(questions()))
def test_each_question_returns_the_answer_shown(con, copy, name):
    sql, header, rows = questions()[name]
    cursor = (copy if name in on_the_copy() else con).execute(sql)
    assert [d[0] for d in cursor.description] == header
    assert [[as_text(v) for v in row] for row in cursor.fetchall()] == rows != []


def shown(name: str, column: str) -> list[str]:
    _, header, rows = questions()[name]
    return [row[header.index(column)] for row in rows]


def test_elderly_alone_repairs_are_the_truths(con):
    truth = con.execute("""
        SELECT DISTINCT e.house_id FROM truth_people p JOIN truth_events e ON e.house_id = p.home_house_id AND e.kind = 'repair'
        WHERE p.flags LIKE '%elderly_alone%' AND e.occurred_at::TIMESTAMP::DATE > DATE '2026-11-01' - INTERVAL 90 DAY
          AND e.occurred_at::TIMESTAMP::DATE <= DATE '2026-11-01' ORDER BY 1""").fetchall()
    assert shown("elderly_alone_repairs", "house_id") == [h for (h,) in truth] != []


def test_business_most_complained_about_is_the_truths(con):
    ((credit_code, complaints),) = con.execute("""
        SELECT b.credit_code, count(*) AS n FROM truth_events e JOIN truth_businesses b USING (business_id)
        JOIN truth_houses h ON h.house_id = e.house_id
        WHERE e.kind = 'complaint' AND h.committee_code = '310101023014' GROUP BY 1 ORDER BY n DESC LIMIT 1""").fetchall()
    assert shown("business_most_complaints", "credit_code") == [credit_code]
    assert shown("business_most_complaints", "complaints") == [str(complaints)]


def test_pareto_vital_few_are_the_truths(con):
    counts = con.execute("""SELECT e.category, count(*) AS n FROM truth_events e JOIN truth_houses h USING (house_id)
                            WHERE e.kind = 'complaint' AND h.committee_code = '310101023014'
                            GROUP BY 1 ORDER BY n DESC, 1""").fetchall()
    total, running, vital = sum(n for _, n in counts), 0, []
    for category, n in counts:
        if running / total < 0.8:
            vital.append(category)
        running += n
    _, _header, rows = questions()["pareto_committee"]
    assert [row[1] for row in rows if row[3] == "True"] == vital
    assert [(row[1], int(row[2])) for row in rows] == counts


def test_who_lived_there_is_the_truth(con):
    truth = con.execute("""SELECT id_number FROM truth_people
        WHERE (home_house_id = '310101023001000003' AND (moved_in IS NULL OR moved_in::DATE <= DATE '2026-06-01'))
           OR (previous_house_id = '310101023001000003' AND moved_in::DATE > DATE '2026-06-01') ORDER BY 1""").fetchall()
    assert shown("lived_at_house_on_date", "id_number") == [i for (i,) in truth] != []


def test_elderly_alone_per_committee_is_the_truths(con):
    truth = dict(
        con.execute("""SELECT h.committee_code, count(*) FROM truth_people p JOIN truth_houses h
                                ON h.house_id = p.home_house_id WHERE p.flags LIKE '%elderly_alone%' GROUP BY 1""").fetchall()
    )
    _, _header, rows = questions()["elderly_alone_per_committee"]
    assert {row[0]: int(row[2]) for row in rows if row[2] != "0"} == truth


def test_who_lived_there_on_the_day_is_the_truth(con):
    """Both houses of a move: on the day exactly those the truth puts there are marked, now exactly those living there."""
    sql, header, rows = questions()["lived_at_house_on_day"]
    # the two houses of the move are the ones the guide's question names, so a regenerated sample changes the guide only
    houses, day = tuple(re.findall(r"'(\d{18})'", sql)), "2026-10-15"
    address = dict(con.execute("SELECT house_id, address FROM truth_houses").fetchall())
    then = con.execute(
        """SELECT home_house_id, id_number FROM truth_people
        WHERE home_house_id IN $h AND (moved_in IS NULL OR moved_in::DATE <= $d::DATE) UNION ALL
        SELECT previous_house_id, id_number FROM truth_people
        WHERE previous_house_id IN $h AND moved_in::DATE > $d::DATE""",
        {"h": houses, "d": day},
    ).fetchall()
    now = con.execute(
        "SELECT home_house_id, id_number FROM truth_people WHERE home_house_id IN $h", {"h": houses}
    ).fetchall()

    def marked(column: str) -> set[tuple[str, str]]:
        return {(row[0], row[2]) for row in rows if row[header.index(column)] == "True"}

    assert marked("lived_there_on_day") == {(address[h], i) for h, i in then} != set()
    assert marked("lives_there_now") == {(address[h], i) for h, i in now} != set()


def test_businesses_registered_on_the_day_are_the_truths(con):
    truth = con.execute("""SELECT b.credit_code FROM truth_businesses b JOIN truth_houses h USING (house_id)
        WHERE h.committee_code = '310101023010' AND b.opened::DATE <= DATE '2025-06-01' ORDER BY 1""").fetchall()
    assert shown("businesses_registered_on_2025_06_01", "credit_code") == [c for (c,) in truth] != []


def test_business_profile_complaints_are_the_truths(con):
    truth = con.execute("""SELECT b.credit_code, count(*)::VARCHAR FROM truth_events e JOIN truth_businesses b USING (business_id)
        JOIN truth_houses h ON h.house_id = b.house_id
        WHERE e.kind = 'complaint' AND h.committee_code = '310101023014'
          AND e.occurred_at::TIMESTAMP::DATE BETWEEN DATE '2026-11-01' - INTERVAL 364 DAY AND DATE '2026-11-01'
        GROUP BY 1 ORDER BY 2 DESC, 1""").fetchall()
    assert (
        list(
            zip(
                shown("business_profiles_complained", "credit_code"),
                shown("business_profiles_complained", "complaints_365d"),
                strict=False,
            )
        )
        == truth
        != []
    )


def test_the_analyst_copy_question_finds_nobody_without_the_token(copy):
    """The ID number itself matches nothing in the copy: only its token does."""
    assert on_the_copy() == {"person_profile_of_a_resident"}
    (id_number,) = TOKEN_COMMAND.findall(GUIDE.read_text(encoding="utf-8"))
    assert copy.execute("SELECT count(*) FROM marts.person_profiles WHERE id_number = ?", [id_number]).fetchone() == (
        0,
    )


def test_person_profile_is_the_truths(con):
    (id_number,) = TOKEN_COMMAND.findall(GUIDE.read_text(encoding="utf-8"))
    home, registered, owns = con.execute(
        """SELECT h.address, r.address, len(string_split(p.owns, ';'))::VARCHAR
        FROM truth_people p JOIN truth_houses h ON h.house_id = p.home_house_id
        JOIN truth_houses r ON r.house_id = p.registered_house_id WHERE p.id_number = ?""",
        [id_number],
    ).fetchone()
    name = "person_profile_of_a_resident"
    assert (shown(name, "home_address"), shown(name, "registered_address"), shown(name, "houses_owned")) == (
        [home],
        [registered],
        [owns],
    )
