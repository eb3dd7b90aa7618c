"""The analyst copy of the sample world is complete: every view of the private warehouse answers in it (over the
copy's protected tables), every table and column comment reached it, and it names the run day it describes."""

from pathlib import Path

import duckdb
import pytest

from tests.conftest import WORLD_AS_OF
from warehouse.privacy import PRIVATE_COLUMNS
from warehouse.publish import analyst_path, publish

VIEWS = "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY 1, 2"


@pytest.fixture(scope="module")
def private(full_warehouse: Path):
    with duckdb.connect(str(full_warehouse), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def copy(full_warehouse: Path):
    with duckdb.connect(str(analyst_path(full_warehouse)), read_only=True) as con:
        yield con


def commented(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], set[str]]:
    """(schema, table or view) -> its columns that have a comment."""
    found: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE comment IS NOT NULL"
    ).fetchall():
        found.setdefault((schema, table), set()).add(column)
    return found


def test_every_view_of_the_warehouse_answers_in_the_copy(private, copy):
    views = private.execute(VIEWS).fetchall()
    assert ("core", "attributed_sources") in views and ("quality", "quarantined_rows") in views
    assert copy.execute(VIEWS).fetchall() == views
    for schema, view in views:
        (rows,) = copy.execute(f'SELECT count(*) FROM "{schema}"."{view}"').fetchone()
        assert rows == private.execute(f'SELECT count(*) FROM "{schema}"."{view}"').fetchone()[0] > 0, view


def test_every_comment_of_a_copied_table_or_view_reaches_the_copy(private, copy):
    theirs, ours = commented(private), commented(copy)
    copied = copy.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
        "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    copied.remove(("meta", "analyst_copy"))
    assert len(copied) > 70 and len([name for name in copied if name in theirs]) > 40
    for name in copied:
        kept = {"birth_year" if c == "birth_date" else c for c in theirs.get(name, set()) - PRIVATE_COLUMNS}
        assert {c for c in ours.get(name, set()) if not c.endswith("_token")} == kept, name
        tokens = {c for c in copy.table(f'"{name[0]}"."{name[1]}"').columns if c.endswith("_token")}
        assert tokens <= ours.get(name, set()), name
    table_comments = "SELECT schema_name, table_name FROM duckdb_tables() WHERE comment IS NOT NULL"
    assert set(copy.execute(table_comments).fetchall()) - {("meta", "analyst_copy")} == {
        name for name in private.execute(table_comments).fetchall() if name in copied
    }
    view_comments = "SELECT schema_name, view_name FROM duckdb_views() WHERE comment IS NOT NULL AND NOT internal"
    assert copy.execute(view_comments).fetchall() == private.execute(view_comments).fetchall() != []
    assert sum(len(ours.get(name, ())) for name in copied) > 700


def test_the_copy_names_the_run_day_it_describes(copy):
    assert [(str(day), key) for day, key in copy.execute("SELECT * FROM meta.analyst_copy").fetchall()] == [
        (WORLD_AS_OF, "1")  # conftest's HOUSEKEY_TOKEN_KEY_1
    ]


def test_no_id_number_or_phone_of_the_world_shows_through_a_view(copy, sample_world: Path):
    people = copy.execute(
        "SELECT list(id_number), list(phone) FROM read_csv(?, all_varchar = true)",
        [str(sample_world / "truth" / "people.csv")],
    ).fetchone()
    identifiers = {value for values in people for value in values if value}
    assert len(identifiers) > 1000
    for schema, view in copy.execute(VIEWS).fetchall():
        text = str(copy.execute(f'SELECT * FROM "{schema}"."{view}"').fetchall())
        assert not [value for value in identifiers if value in text], view


ID_NUMBER = "110105198001014512"


@pytest.fixture
def small_warehouse(tmp_path, monkeypatch) -> Path:
    """A warehouse of one commented table of people and a view over it."""
    monkeypatch.setenv("HOUSEKEY_TOKEN_KEY_4", "fourth-key-for-analyst-copy-tests")
    warehouse = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "CREATE SCHEMA core; CREATE TABLE core.people AS "
            f"SELECT '{ID_NUMBER}' AS id_number, '王小明' AS name, DATE '1980-01-01' AS birth_date, 'x' AS _extra"
        )
        con.execute("COMMENT ON TABLE core.people IS 'People.'")
        for column in ("id_number", "name", "birth_date", "_extra"):
            con.execute(f"COMMENT ON COLUMN core.people.{column} IS 'The {column}.'")
        con.execute("CREATE VIEW core.who AS SELECT id_number, name || ' 身份证' || id_number AS said FROM core.people")
        con.execute("CREATE VIEW core.how_many AS SELECT count(*) AS people FROM core.who")  # a view over a view
        con.execute("COMMENT ON VIEW core.who IS 'Who.'")
        con.execute("COMMENT ON COLUMN core.who.said IS 'What is said.'")
    return warehouse


def test_a_view_reads_the_copys_masked_tables_and_keeps_its_comments(small_warehouse):
    with duckdb.connect(str(small_warehouse)) as con:
        copy = publish(con, small_warehouse)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT * FROM core.who").fetchall() == [
            ("110105************", "王* 身份证110105************")
        ]
        assert con.execute("SELECT * FROM core.how_many").fetchall() == [(1,)]
        comments = dict(
            con.execute(
                "SELECT table_name || '.' || column_name, comment FROM duckdb_columns() WHERE comment IS NOT NULL"
            ).fetchall()
        )
        assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'who'").fetchone() == ("Who.",)
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'people'").fetchone() == ("People.",)
    assert comments.keys() == {
        "people.id_number",
        "people.id_number_token",
        "people.name",
        "people.birth_year",
        "who.said",
        "analyst_copy.as_of",
        "analyst_copy.token_key_id",
    }
    assert comments["people.birth_year"].startswith("The birth_date. Analyst copy: the year only")


def test_a_view_the_copy_cannot_make_stops_publishing_and_the_old_copy_stays(small_warehouse):
    with duckdb.connect(str(small_warehouse)) as con:
        copy = publish(con, small_warehouse)
        con.execute("CREATE VIEW core.born AS SELECT birth_date FROM core.people")  # the copy keeps the year only
        with pytest.raises(RuntimeError, match=r"view core\.born cannot be made in the analyst copy"):
            publish(con, small_warehouse)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()} == {
            "who",
            "how_many",
        }


def test_the_copy_leaves_out_the_plumbing_and_keeps_every_other_analyst_table(private, copy):
    from warehouse.publish import PLUMBING

    tables = (
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE schema_name IN ('core', 'tags', 'meta')"
    )
    theirs, ours = {r[0] for r in private.execute(tables).fetchall()}, {r[0] for r in copy.execute(tables).fetchall()}
    reused = {"core.attribution_inputs", "core.business_signatures", "meta.links_basis", "meta.mart_inputs"}
    assert {"core.person_rows", "core.event_rows", *reused} <= PLUMBING & theirs
    assert ours - {"meta.analyst_copy"} == theirs - PLUMBING
