"""A table brought in line with a query's rows holds exactly them, and only the keys whose rows changed are written."""

import duckdb
import pytest

from warehouse.changed_rows import replace_changed


def _built(only: str | None) -> str:
    """The query: the rows of _built, of the keys ``only`` names."""
    return f"SELECT * FROM _built b {f'WHERE record_id IN (SELECT record_id FROM {only})' if only else ''}"


def _replace(con, table: str = "tags.records", rows=_built) -> int:
    return replace_changed(con, table, rows, "record_id", {})


HELD = [("r1", "a", 1), ("r2", "b", 2), ("r2", "c", 3), ("r3", "d", None), ("r4", "e", 5), (None, "f", 6)]


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        connection.execute("CREATE SCHEMA tags")
        connection.execute("CREATE TABLE tags.records (record_id VARCHAR, house_id VARCHAR, n INTEGER)")
        connection.executemany("INSERT INTO tags.records VALUES (?, ?, ?)", HELD)
        yield connection


def _rows(con, relation: str) -> list[tuple]:
    return sorted(con.execute(f"SELECT * FROM {relation}").fetchall(), key=repr)


def test_only_the_keys_whose_rows_changed_are_written(con):
    built = [
        ("r1", "a", 1),  # as held
        ("r2", "b", 2),  # one of its two rows changed: both are replaced
        ("r2", "c", 4),
        ("r3", "d", 0),  # NULL became a value
        ("r4", "e", 5),  # repeated
        ("r4", "e", 5),
        ("r5", "g", 7),  # new
        (None, "f", 6),  # a row without a key, as held
    ]
    con.execute("CREATE TEMP TABLE _built (record_id VARCHAR, house_id VARCHAR, n INTEGER)")
    con.executemany("INSERT INTO _built VALUES (?, ?, ?)", built)
    kept = con.execute("SELECT rowid FROM tags.records WHERE record_id = 'r1' OR record_id IS NULL").fetchall()
    assert _replace(con) == 4  # r2, r3, r4, r5
    assert _rows(con, "tags.records") == _rows(con, "_built")
    assert con.execute("SELECT rowid FROM tags.records WHERE record_id = 'r1' OR record_id IS NULL").fetchall() == kept
    # built again the same: nothing is written
    assert _replace(con) == 0
    assert _rows(con, "tags.records") == _rows(con, "_built")


def test_a_key_built_no_more_loses_its_rows(con):
    con.execute("CREATE TEMP TABLE _built AS SELECT * FROM tags.records WHERE record_id IS DISTINCT FROM 'r2'")
    assert _replace(con) == 1
    assert _rows(con, "tags.records") == _rows(con, "_built")


@pytest.mark.parametrize(
    "built",
    [
        "SELECT record_id, house_id, n, true AS is_current FROM tags.records",  # a column more
        "SELECT record_id, house_id, n::BIGINT AS n FROM tags.records",  # another type
        "SELECT record_id, n, house_id FROM tags.records",  # another order
    ],
)
def test_a_table_of_other_columns_is_written_whole(con, built):
    con.execute(f"CREATE TEMP TABLE _built AS {built}")
    assert _replace(con) == -1
    assert con.execute("DESCRIBE tags.records").fetchall() == con.execute("DESCRIBE _built").fetchall()
    assert _rows(con, "tags.records") == _rows(con, "_built")


def test_a_missing_table_is_written_whole(con):
    con.execute("CREATE TEMP TABLE _built AS SELECT * FROM tags.records")
    assert _replace(con, "tags.fresh") == -1
    assert _rows(con, "tags.fresh") == _rows(con, "_built")


def test_a_table_whose_rows_without_a_key_changed_is_written_whole(con):
    con.execute("CREATE TEMP TABLE _built AS SELECT * FROM tags.records")
    assert _replace(con) == 0  # the row without a key is as held
    con.execute("UPDATE _built SET n = 7 WHERE record_id IS NULL")
    assert _replace(con) == -1
    assert _rows(con, "tags.records") == _rows(con, "_built")


def test_rows_that_cannot_be_written_leave_the_table_as_it_was(con):
    con.execute("CREATE TEMP TABLE _built AS SELECT * FROM tags.records WHERE record_id IS DISTINCT FROM 'r2'")
    failing = lambda only: (
        _built(only) if only is None else f"SELECT record_id, 'x', error('unreadable')::INTEGER FROM {only}"
    )
    held = _rows(con, "tags.records")
    with pytest.raises(duckdb.Error, match="unreadable"):
        _replace(con, rows=failing)
    assert _rows(con, "tags.records") == held
