"""The data dictionary covers every table and column of core, marts, tags, meta and quality, in DuckDB and in docs/warehouse.md."""

from pathlib import Path

import duckdb

from warehouse.dictionary import DESCRIBED_SCHEMAS, DICTIONARY_DOC, apply_comments, undescribed, write_dictionary


def test_every_core_and_marts_table_and_column_is_described(full_warehouse: Path):
    with duckdb.connect(str(full_warehouse), read_only=True) as con:
        assert undescribed(con) == []


def test_the_run_puts_the_descriptions_in_duckdb(full_warehouse: Path):
    with duckdb.connect(str(full_warehouse), read_only=True) as con:
        uncommented = con.execute(
            """
            SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns()
            WHERE schema_name IN (SELECT unnest(?::VARCHAR[])) AND comment IS NULL""",
            [list(DESCRIBED_SCHEMAS)],
        ).fetchall()
        tables = con.execute(
            """SELECT count(*), count(comment) FROM duckdb_tables()
                                WHERE schema_name IN (SELECT unnest(?::VARCHAR[]))""",
            [list(DESCRIBED_SCHEMAS)],
        ).fetchone()
    assert uncommented == []
    assert tables[0] == tables[1] > 10


def test_a_table_nobody_described_is_reported_and_left_uncommented():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.mystery (house_id VARCHAR, wobble INTEGER)")
    assert undescribed(con) == ["marts.mystery", "marts.mystery.wobble"]  # house_id has a common description
    assert apply_comments(con) == 1
    assert (
        con.execute("SELECT comment FROM duckdb_columns() WHERE column_name = 'house_id'")
        .fetchone()[0]
        .startswith("The house")
    )
    assert apply_comments(con) == 0  # a comment already there is not set again
    con.execute("CREATE OR REPLACE TABLE marts.mystery (house_id VARCHAR, wobble INTEGER)")  # rebuilt: lost it
    assert apply_comments(con) == 1


def test_the_markdown_has_a_section_per_table_and_a_row_per_column(full_warehouse: Path, tmp_path: Path):
    with duckdb.connect(str(full_warehouse), read_only=True) as con:
        text = write_dictionary(con, tmp_path / "warehouse.md").read_text(encoding="utf-8")
        columns = con.execute("""SELECT table_schema || '.' || table_name, count(*) FROM information_schema.columns
                                 WHERE table_schema IN ('core', 'marts') GROUP BY 1""").fetchall()
    for table, count in columns:
        section = text.split(f"## {table}\n", 1)[1].split("\n## ", 1)[0]
        assert section.count("\n| `") == count, table
    assert "**undescribed**" not in text
    committed = DICTIONARY_DOC.read_text(encoding="utf-8")
    assert all(f"## {table}\n" in committed for table, _ in columns), (
        "docs/warehouse.md is stale: run `housekey dictionary`"
    )
