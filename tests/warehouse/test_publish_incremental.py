"""Publishing in DuckDB and by what changed: the SQL masks and tokens give byte for byte what the Python ones give,
a copy updated with one changed table equals a copy made whole (every table, view and comment), and a reader of
the copy sees one version, the old or the new, while publishing runs."""

import json
import os
import random
import shutil
import string
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse import privacy, published_rows
from warehouse.publish import PUBLISHED_FILE, _vectorised, analyst_path, masked_last, publish, stale_tables

KEYS = [
    privacy.TokenKey("7", b"test-key-for-publish-tests"),
    privacy.TokenKey("12", b"k" * 100),  # longer than SHA-256's block: HMAC hashes it first
    privacy.TokenKey("0", bytes(range(64))),
]
EDGES = ["", " ", ";", ";;", "1", "12", " 310101195707267232 ", "31010119570726723x", "13812345678;02164752518"]
EDGES += ["13812345678;;021", "+86 138-1234-5678", "a\tb", "ß", "３１０１０１１９５７", "138\u200b12345678", "张三"]


def _values() -> list[str]:
    """The edge cases, then random text of digits and separators and of any printable or odd character."""
    rng = random.Random(18)
    odd = string.printable + "０１２３；　\u200b张ßＸ"
    return (
        EDGES
        + ["".join(rng.choice("0123456789 ;-+Xx") for _ in range(rng.randrange(0, 30))) for _ in range(3000)]
        + ["".join(rng.choice(odd) for _ in range(rng.randrange(0, 25))) for _ in range(3000)]
    )


def _udf(con, name, function):
    con.create_function(name, _vectorised(function), [str], str, type="arrow", null_handling="special")


def test_tokens_in_duckdb_are_the_python_tokens_byte_for_byte():
    # the token today's copies hold for this value and key: a change to token() or token_sql() shows here
    assert privacy.token(KEYS[0], "310101195707267232") == "k7EGQLNWQQKfDDROfCaCLT"
    assert privacy.token(KEYS[1], " 13857291234 ") == "k12DHALQdPfTBYQVBSDDdDM"
    values = _values()
    with duckdb.connect() as con:
        con.execute("CREATE TABLE v AS SELECT unnest(?::VARCHAR[]) AS value", [[*values, None]])
        _udf(con, "unmasked", lambda value: f"python:{value}")  # shows which values the SQL form leaves to Python
        for key in KEYS:
            sql = privacy.plain_sql("value", privacy.token_sql(key, "value"), "unmasked")
            tokens = dict(con.execute(f"SELECT value, {sql} FROM v", privacy.token_pads(key)).fetchall())
            assert tokens.pop(None) is None and tokens.pop("") == ""
            python = {value: tokens[value] for value in tokens if tokens[value] == f"python:{value}"}
            assert python and all(not (value.isascii() and value.isprintable()) for value in python)
            assert len(python) < len(tokens) / 2
            assert {v: t for v, t in tokens.items() if v not in python} == {
                value: privacy.token(key, value) for value in tokens if value not in python
            }


def test_id_number_and_phone_masks_in_duckdb_are_the_python_masks():
    values = _values()
    with duckdb.connect() as con:
        con.execute("CREATE TABLE v AS SELECT unnest(?::VARCHAR[]) AS value", [values])
        _udf(con, "unmasked", lambda value: f"python:{value}")
        for mask, sql in ((privacy.mask_id_number, privacy.id_number_sql), (privacy.mask_phone, privacy.phone_sql)):
            # the fallback is no mask at all, so a value the SQL form leaves to Python shows which it was
            masked = con.execute(f"SELECT value, {privacy.plain_sql('value', sql('value'), 'unmasked')} FROM v")
            for value, got in masked.fetchall():
                if got.startswith("python:"):
                    assert not value.isascii() or not value.isprintable(), value
                else:
                    assert got == mask(value), value


def snapshot(copy: Path) -> dict:
    """Everything an analyst can read in a copy: each table's columns, types and rows, each view's statement and
    rows, every table, view and column comment, the schemas."""
    with duckdb.connect(str(copy), read_only=True) as con:
        found = {
            "schemas": con.execute("SELECT schema_name FROM duckdb_schemas() WHERE NOT internal ORDER BY 1").fetchall(),
            "comments": con.execute(
                "SELECT schema_name, table_name, comment FROM duckdb_tables() UNION ALL "
                "SELECT schema_name, view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY ALL"
            ).fetchall(),
            "columns": con.execute(
                "SELECT schema_name, table_name, column_index, column_name, data_type, comment FROM duckdb_columns() "
                "WHERE NOT internal ORDER BY ALL"
            ).fetchall(),
            "views": con.execute(
                "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal"
            ).fetchall(),
        }
        relations = {(schema, table) for schema, table, *_ in found["columns"]}
        for schema, table in sorted(relations):
            rows = con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            found[f"{schema}.{table}"] = sorted(map(repr, rows))
    return found


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Path:
    """A warehouse of commented tables of people, a mart, a table that will go, a view over a view, and raw."""
    monkeypatch.setenv("HOUSEKEY_TOKEN_KEY_5", "fifth-key-for-incremental-publish")
    path = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE SCHEMA core; CREATE SCHEMA marts; CREATE SCHEMA gone; CREATE SCHEMA raw;"
            "CREATE TABLE core.people AS SELECT * FROM (VALUES "
            "('PSN1', '110105198001014512', '13857291234', '王小明', DATE '1980-01-01'),"
            "('PSN2', '３１０１０１１９５７０７２６７２３２', '138 5729 1235;021-64752518', '李四', NULL)) "
            "t(person_id, id_number, phone, name, birth_date);"
            "CREATE TABLE marts.counts AS SELECT count(*) AS people FROM core.people;"
            "CREATE TABLE gone.old AS SELECT 'note 13857291234' AS note;"
            "CREATE TABLE raw.people AS SELECT '110105198001014512' AS value;"
            "COMMENT ON TABLE core.people IS 'People.'; COMMENT ON COLUMN core.people.phone IS 'Phone.';"
            "COMMENT ON COLUMN marts.counts.people IS 'How many.';"
            "CREATE VIEW core.who AS SELECT person_id, name || ' 电话' || phone AS said FROM core.people;"
            "CREATE VIEW marts.seen AS SELECT count(*) AS n FROM core.who;"
            "COMMENT ON VIEW core.who IS 'Who.'; COMMENT ON COLUMN core.who.said IS 'What is said.'"
        )
    return path


def _change(con: duckdb.DuckDBPyConnection) -> None:
    """One person more (core.people and marts.counts change together), a table gone, one new, a comment changed."""
    con.execute(
        "INSERT INTO core.people VALUES ('PSN3', '310101195707267232', '13912345678', '张三丰', DATE '1957-07-26');"
        "UPDATE marts.counts SET people = 3; DROP TABLE gone.old; DROP SCHEMA gone;"
        "CREATE TABLE marts.new AS SELECT 'sfz310101195707267232' AS note;"
        "COMMENT ON COLUMN core.people.name IS 'Name.'"
    )


def test_an_updated_copy_masks_only_what_changed_and_equals_a_copy_made_whole(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        copy = publish(con, warehouse)
        assert stale_tables(con, warehouse) == []  # published, nothing changed since
        _change(con)
        assert stale_tables(con, warehouse) == [("core", "people"), ("marts", "counts"), ("marts", "new")]
        publish(con, warehouse)
        assert masked_last(copy) == 3
        assert oct(copy.with_name(PUBLISHED_FILE).stat().st_mode & 0o777) == "0o600"
        updated = snapshot(copy)
        publish(con, warehouse, full=True)
        whole = snapshot(copy)
    assert updated == whole
    assert updated["marts.new"] == [repr(("sfz310101************",))] and "gone.old" not in updated
    assert len(updated["core.people"]) == 3 and updated["marts.seen"] == [repr((3,))]
    assert ("core", "people", 6, "name", "VARCHAR", "Name. Analyst copy: the surname only (张*).") in updated["columns"]


def test_a_copy_not_written_by_publishing_is_made_whole(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        copy = publish(con, warehouse)
        with duckdb.connect(str(copy)) as tampered:  # written by something else: its record no longer names it
            tampered.execute("UPDATE core.people SET name = 'x'")
        assert len(stale_tables(con, warehouse)) == 3  # core.people, marts.counts, gone.old
        publish(con, warehouse)
    assert "'x'" not in str(snapshot(copy)["core.people"])


READER = """
import json, sys, duckdb
from pathlib import Path
def consistent(con):  # people and their count were published together
    people, = con.execute("SELECT count(*) FROM core.people").fetchone()
    counted, = con.execute("SELECT people FROM marts.counts").fetchone()
    return people, counted
copy, stop = sys.argv[1:]
if stop == "hold":  # one connection held open through publishing
    with duckdb.connect(copy, read_only=True) as held:
        print(json.dumps(consistent(held)), flush=True)
        sys.stdin.readline()
        print(json.dumps(consistent(held)), flush=True)
else:  # an analyst opening the copy again and again while publishing runs (this process holds no other connection)
    seen = {}
    while not Path(stop).exists() or len(seen) < 2:
        with duckdb.connect(copy, read_only=True) as con:
            state = consistent(con)
        seen[str(state)] = seen.get(str(state), 0) + 1
        print(json.dumps(sorted(seen)), flush=True) if len(seen) == 1 and seen[str(state)] == 1 else None
    print(json.dumps(sorted(seen)), flush=True)
"""


def _reader(copy: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", READER, str(copy), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def test_a_reader_sees_the_old_copy_or_the_new_never_half(warehouse, tmp_path):
    stop = tmp_path / "published"
    with duckdb.connect(str(warehouse)) as con:
        copy = publish(con, warehouse)
        held, opening = _reader(copy, "hold"), _reader(copy, str(stop))
        assert held.stdout.readline() == "[2, 2]\n" and opening.stdout.readline() == '["(2, 2)"]\n'
        _change(con)
        publish(con, warehouse)  # while one reader holds the copy open and another opens it again and again
        stop.touch()
        held_after, _ = held.communicate("\n", timeout=60)
        seen, _ = opening.communicate(timeout=60)
    assert held_after == "[2, 2]\n"  # the connection held through publishing still reads the old copy, whole
    assert json.loads(seen) == ["(2, 2)", "(3, 3)"]  # every other opening read the old copy or the new, never half


def published_beside(warehouse: Path, published: Path) -> Path:
    """The analyst copy of ``published`` (the session's, published whole by its run) beside ``warehouse``, a copy of
    it, as publishing left it: the same file, linked (its identity is what the record names; publishing never writes
    a copy in place, it swaps a new one in), with a copy of its record and of its rows file (updated in place)."""
    target = analyst_path(warehouse)
    target.unlink(missing_ok=True)
    os.link(analyst_path(published), target)
    shutil.copyfile(published.with_name(PUBLISHED_FILE), target.with_name(PUBLISHED_FILE))
    shutil.copytree(published.with_name(published_rows.FOLDER), target.with_name(published_rows.FOLDER))
    return target


def test_on_the_sample_world_an_updated_copy_equals_a_copy_made_whole(warehouse_copy, full_warehouse):
    copy = published_beside(warehouse_copy, full_warehouse)  # what the session's run published: every table whole
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("DELETE FROM core.people WHERE person_id = (SELECT min(person_id) FROM core.people)")
        assert stale_tables(con, warehouse_copy) == [("core", "people")]
        publish(con, warehouse_copy)
        updated = snapshot(copy)
        publish(con, warehouse_copy, full=True)
        whole = snapshot(copy)
    assert masked_last(copy) > 50
    assert updated == whole
    assert len([c for c in updated["columns"] if c[-1]]) > 700 and len(updated["views"]) > 1
