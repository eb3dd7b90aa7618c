"""Publishing a big table by rows (warehouse/published_rows.py): a copy updated with only the rows of the keys that
changed (rows added, deleted and updated, a key several rows share, keys that mask alike, a NULL key, repeated rows)
equals a copy made whole, every table and view row for row (EXCEPT ALL both ways), column and comment; too many
changed rows, a changed shape or a rows file naming another copy mask the table whole; the rows file is private."""

import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.test_publish_incremental import published_beside
from warehouse import published_rows
from warehouse.publish import masked_last, publish, updated_last

ROWS = 60  # above the test's threshold of 20


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Path:
    """``core.visits``, big enough to be updated by rows (keyed by its ``*_id`` columns), and ``core.notes``, too small."""
    monkeypatch.setenv("HOUSEKEY_TOKEN_KEY_6", "sixth-key-for-publishing-by-rows")
    monkeypatch.setattr(published_rows, "MIN_ROWS", 20)
    path = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE SCHEMA core;"
            "CREATE TABLE core.visits AS SELECT 'R' || lpad(i::VARCHAR, 3, '0') AS record_id, "
            "'31010119800101' || lpad(i::VARCHAR, 4, '0') AS id_number, '138' || lpad(i::VARCHAR, 8, '0') AS phone, "
            "'王小' || i AS name, 'note ' || i AS note, i AS visits, ['x', '1390000' || lpad(i::VARCHAR, 4, '0')] AS seen "
            f"FROM range({ROWS}) t(i);"
            # several rows of one key, two rows alike, NULL keys, and two record ids holding ID numbers of one region
            "INSERT INTO core.visits VALUES ('R-shared', NULL, NULL, '李四', 'a', 1, NULL), "
            "('R-shared', NULL, NULL, '李四', 'b', 2, NULL), ('R-shared', NULL, NULL, '李四', 'c', 3, NULL), "
            "('R-alike', NULL, '13900000000', '张三', 'same', 1, []), ('R-alike', NULL, '13900000000', '张三', 'same', 1, []), "
            "(NULL, NULL, NULL, NULL, 'no key', 1, NULL), (NULL, NULL, NULL, NULL, 'no key either', 2, NULL), "
            "('sfz310101195707267232', '310101195707267232', NULL, '赵六', 'held', 1, NULL);"
            "CREATE TABLE core.notes AS SELECT 'note 13857291234' AS note;"
            "COMMENT ON TABLE core.visits IS 'Visits.'; COMMENT ON COLUMN core.visits.phone IS 'Phone.';"
            "CREATE VIEW core.busy AS SELECT record_id, sum(visits) AS visits FROM core.visits GROUP BY record_id"
        )
    return path


def _change_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Rows added, deleted and updated, of every kind of key the table has."""
    con.execute(
        "INSERT INTO core.visits VALUES ('R100', NULL, '13812345678', '钱七', 'new', 1, ['y']), "
        "('R101', '310101199001011234', NULL, '孙八', 'new', 2, NULL), "
        # a new record id that masks like one already published (sfz310101************), whose row is unchanged
        "('sfz310101199001011234', '310101199001011234', NULL, '周九', 'also held', 1, NULL);"
        "DELETE FROM core.visits WHERE record_id = 'R005';"
        "UPDATE core.visits SET note = 'called 13912345678' WHERE record_id = 'R010';"
        "UPDATE core.visits SET visits = 20 WHERE record_id = 'R-shared' AND note = 'b';"  # one row of a shared key
        "DELETE FROM core.visits WHERE rowid = (SELECT min(rowid) FROM core.visits WHERE record_id = 'R-alike');"
        "UPDATE core.visits SET visits = 3 WHERE note = 'no key'"
    )


def _differences(a: Path, b: Path) -> dict:
    """What tells two copies apart: columns and comments, and per table or view the rows one holds and the other
    does not (EXCEPT ALL both ways: b's is counted from a's and the two counts, one pass less)."""
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY); ATTACH '{b}' AS b (READ_ONLY)")
        described = {
            database: con.execute(
                "SELECT schema_name, table_name, column_index, column_name, data_type, comment FROM duckdb_columns() "
                f"WHERE database_name = '{database}' UNION ALL SELECT schema_name, table_name, NULL, NULL, NULL, "
                f"comment FROM duckdb_tables() WHERE database_name = '{database}' UNION ALL SELECT schema_name, "
                f"view_name, NULL, NULL, sql, comment FROM duckdb_views() WHERE database_name = '{database}' "
                "AND NOT internal ORDER BY ALL"
            ).fetchall()
            for database in ("a", "b")
        }
        found = {} if described["a"] == described["b"] else {"described": described}
        relations = {(schema, table) for schema, table, *_ in described["a"]} - {("meta", "analyst_copy")}
        for schema, table in sorted(relations):
            a_rows, b_rows = f'a."{schema}"."{table}"', f'b."{schema}"."{table}"'
            a_count, b_count, a_only = con.execute(
                f"SELECT (SELECT count(*) FROM {a_rows}), (SELECT count(*) FROM {b_rows}), "
                f"(SELECT count(*) FROM (FROM {a_rows} EXCEPT ALL FROM {b_rows}))"
            ).fetchone()
            only = a_only, b_count - (a_count - a_only)  # b EXCEPT ALL a: b's rows but the a_count - a_only both hold
            if only != (0, 0):
                found[schema, table] = only
    return found


def _updated_and_whole(con: duckdb.DuckDBPyConnection, warehouse: Path) -> tuple[int, int, dict]:
    """Publish by what changed and keep that copy, then publish whole: how many tables the first masked whole and
    updated by rows, and what tells the two copies apart."""
    copy = publish(con, warehouse)
    done = masked_last(copy), updated_last(copy)
    shutil.copyfile(copy, warehouse.with_name("updated.duckdb"))
    publish(con, warehouse, full=True)
    return *done, _differences(warehouse.with_name("updated.duckdb"), copy)


def test_a_copy_updated_by_rows_equals_a_copy_made_whole(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        copy = publish(con, warehouse)
        rows_file = published_rows.sidecar(copy)
        modes = [stat.S_IMODE(path.stat().st_mode) for path in (rows_file.parent, rows_file)]
        assert modes == [0o700, 0o600]
        _change_rows(con)
        assert _updated_and_whole(con, warehouse) == (0, 1, {})  # core.visits by rows, core.notes unchanged
        assert {("core", "visits"), ("core", "busy")} <= _relations(copy)
        updated = warehouse.with_name("updated.duckdb")
    with duckdb.connect(str(updated), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core.visits WHERE record_id = 'sfz310101************'").fetchone() == (
            2,
        )
        columns = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'visits'").fetchall()
    assert [c for (c,) in columns] == [
        *["record_id", "id_number", "id_number_token", "phone", "phone_token", "name", "note", "visits", "seen"]
    ]  # the copy gains no column of its own


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE core.visits SET visits = visits + 1 WHERE record_id < 'R030'",  # with the rows changed, half of them
        "COMMENT ON COLUMN core.visits.note IS 'What was noted.'",  # the table's shape
        "ALTER TABLE core.visits ADD COLUMN called BOOLEAN",
    ],
)
def test_too_many_changed_rows_or_a_changed_shape_mask_the_table_whole(warehouse, change):
    with duckdb.connect(str(warehouse)) as con:
        copy = publish(con, warehouse)
        _change_rows(con)
        con.execute(change)
        assert _updated_and_whole(con, warehouse) == (1, 0, {})
        con.execute("UPDATE core.visits SET visits = visits + 1 WHERE record_id < 'R010'")
        publish(con, warehouse)  # a fifth of the rows: by rows again, from the rows the whole copy kept
        assert (masked_last(copy), updated_last(copy)) == (0, 1)


def test_a_rows_file_naming_another_copy_is_never_used(warehouse):
    """As a run killed after writing the rows file and before swapping its copy in leaves it."""
    with duckdb.connect(str(warehouse)) as con:
        copy = publish(con, warehouse)
        rows_file = published_rows.sidecar(copy)
        shutil.copyfile(rows_file, warehouse.with_name("kept.duckdb"))
        con.execute("UPDATE core.visits SET visits = 7 WHERE record_id = 'R001'")
        publish(con, warehouse)
        assert updated_last(copy) == 1
        shutil.copyfile(warehouse.with_name("kept.duckdb"), rows_file)  # names the copy before
        _change_rows(con)
        assert published_rows.held(copy, list(_identity(copy))) == set()
        assert _updated_and_whole(con, warehouse) == (1, 0, {})
        _change_rows(con)  # and the whole copy's own rows file is used again
        publish(con, warehouse)
        assert updated_last(copy) == 1


def test_a_run_failed_after_updating_rows_leaves_the_old_copy_and_a_rows_file_never_used(warehouse, monkeypatch):
    """The rows file is updated in place: as a run killed midway leaves it, it names no copy until the new copy is
    written whole, so the next publishing masks whole and keeps the rows anew."""
    from warehouse import publish as publishing

    with duckdb.connect(str(warehouse)) as con:
        copy = publish(con, warehouse)
        before = _identity(copy)
        _change_rows(con)

        def killed(*_):
            raise KeyboardInterrupt

        with monkeypatch.context() as patched:
            patched.setattr(publishing, "_recreate_views", killed)  # after every table, before the rows file names it
            with pytest.raises(KeyboardInterrupt):
                publish(con, warehouse)
        assert _identity(copy) == before and published_rows.held(copy, list(before)) == set()
        assert _updated_and_whole(con, warehouse) == (1, 0, {})
        _change_rows(con)  # and the whole copy's own rows file is used again
        publish(con, warehouse)
        assert updated_last(copy) == 1


def _relations(copy: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(copy), read_only=True) as con:
        return set(con.execute("SELECT DISTINCT schema_name, table_name FROM duckdb_columns()").fetchall())


def _identity(path: Path) -> tuple[int, int, int]:
    found = path.stat()
    return found.st_ino, found.st_size, found.st_mtime_ns


def test_on_the_sample_world_a_copy_updated_by_rows_equals_a_copy_made_whole(
    warehouse_copy, full_warehouse, monkeypatch
):
    monkeypatch.setattr(published_rows, "MIN_ROWS", 100)
    copy = published_beside(warehouse_copy, full_warehouse)  # its rows file holds the tables of 10,000 rows or more
    with duckdb.connect(str(warehouse_copy)) as con:
        # a change published first: core.people (some 3,200 rows) masked whole, and its rows kept
        con.execute(
            "UPDATE core.people SET phone = '13800000000' WHERE person_id = (SELECT max(person_id) FROM core.people)"
        )
        publish(con, warehouse_copy)
        assert masked_last(copy) == 1 and ("core", "people") in published_rows.held(copy, list(_identity(copy)))
        con.execute(
            "DELETE FROM core.people WHERE person_id IN (SELECT person_id FROM core.people ORDER BY 1 LIMIT 3);"
            "UPDATE core.people SET phone = '13912345678' WHERE person_id = (SELECT max(person_id) FROM core.people);"
            "INSERT INTO tags.event_records SELECT * REPLACE (record_id || '-again' AS record_id) "
            "FROM tags.event_records ORDER BY record_id LIMIT 5;"
            "UPDATE tags.event_records SET description = description || ' 身份证310101195707267232' "
            "WHERE record_id IN (SELECT record_id FROM tags.event_records ORDER BY record_id DESC LIMIT 4)"
        )
        publish(con, warehouse_copy)
        assert updated_last(copy) >= 2
        shutil.copyfile(copy, warehouse_copy.with_name("updated.duckdb"))
        publish(con, warehouse_copy, full=True)
    assert _differences(warehouse_copy.with_name("updated.duckdb"), copy) == {}


def test_links_of_few_houses_are_updated_by_rows_of_all_their_ids(tmp_path, monkeypatch):
    """A table whose ids are each NULL or shared by many rows (core.links: most links name no person, a house many
    events): a few new links rewrite their own rows, keyed by all the ids together, not every link of their house."""
    monkeypatch.setenv("HOUSEKEY_TOKEN_KEY_6", "sixth-key-for-publishing-by-rows")
    monkeypatch.setattr(published_rows, "MIN_ROWS", 20)
    warehouse = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "CREATE SCHEMA core; CREATE TABLE core.links AS SELECT 'event' AS link_kind, "
            "CASE WHEN i % 4 = 0 THEN 'PSN' || i END AS person_id, 'EVT' || i AS event_id, "
            "'H' || (i % 3) AS house_id, '1380000' || lpad(i::VARCHAR, 4, '0') AS note FROM range(90) t(i)"
        )
        publish(con, warehouse)
        con.execute(
            "INSERT INTO core.links VALUES ('event', NULL, 'EVT90', 'H0', 'new'), ('event', NULL, NULL, 'H1', 'none');"
            "DELETE FROM core.links WHERE event_id = 'EVT7'; UPDATE core.links SET note = 'x' WHERE event_id = 'EVT8'"
        )
        assert _updated_and_whole(con, warehouse) == (0, 1, {})


def test_the_key_is_every_id_column_of_a_plain_type():
    links = published_rows.key_columns(
        [("link_kind", "VARCHAR"), ("person_id", "VARCHAR"), ("event_id", "VARCHAR"), ("house_id", "VARCHAR")]
    )
    assert links == ["person_id", "event_id", "house_id"]  # person_id is NULL in most links: the others tell them apart
    assert published_rows.key_columns([("record_id", "VARCHAR"), ("seen_id", "VARCHAR[]"), ("note", "VARCHAR")]) == [
        "record_id"
    ]
    assert published_rows.key_columns([("note", "VARCHAR")]) == []
