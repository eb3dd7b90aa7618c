"""`housekey query` as an analyst uses it: every value whole when piped, every statement, csv/json that read back,
one-line errors, and the analyst copy when a run holds the private warehouse."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from commands.housekey import app
from warehouse import privacy
from warehouse.publish import ANALYST_FILE

HOUSEKEY = Path(sys.executable).with_name("housekey")
ADDRESS = "上海市黄浦区瑞金二路街道瑞金二路123弄45号601室（沿街，原瑞金医院宿舍，二〇〇三年翻建）" * 3


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA core")
        con.execute(
            "CREATE TABLE core.houses (house_id VARCHAR, canonical_address VARCHAR, built DATE, area DECIMAL(8,2))"
        )
        con.execute(
            "INSERT INTO core.houses VALUES ('H1', ?, DATE '2003-05-01', 61.5), ('H2', 'a, \"b\"', NULL, NULL)",
            [ADDRESS],
        )
    with duckdb.connect(str(tmp_path / ANALYST_FILE)) as con:
        con.execute("CREATE SCHEMA core; CREATE TABLE core.houses AS SELECT 'H9' AS house_id")
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(path))
    return path


def _query(*arguments: str):
    return CliRunner().invoke(app, ["query", *arguments])


def test_a_piped_table_keeps_every_value_whole_and_counts_rows(warehouse):
    done = subprocess.run(
        [HOUSEKEY, "query", "SELECT * FROM core.houses ORDER BY house_id"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        check=True,
    )
    assert ADDRESS in done.stdout
    assert "2003-05-01" in done.stdout and "61.50" in done.stdout
    assert done.stdout.rstrip().endswith("2 rows")


def test_every_statement_prints_its_result_and_an_empty_one_says_0_rows(warehouse):
    result = _query("SELECT house_id FROM core.houses WHERE house_id = 'H2'; SELECT * FROM core.houses WHERE false")
    assert result.exit_code == 0, result.output
    assert "-- statement 1" in result.output and "-- statement 2" in result.output
    assert "H2" in result.output and "1 row\n" in result.output and "0 rows" in result.output


def test_csv_round_trips(warehouse):
    result = _query("SELECT house_id, canonical_address, built FROM core.houses ORDER BY house_id", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [["house_id", "canonical_address", "built"], ["H1", ADDRESS, "2003-05-01"], ["H2", 'a, "b"', ""]]


def test_json_is_a_list_of_objects(warehouse):
    result = _query("SELECT * FROM core.houses ORDER BY house_id", "--format", "json")
    assert json.loads(result.stdout) == [
        {"house_id": "H1", "canonical_address": ADDRESS, "built": "2003-05-01", "area": 61.5},
        {"house_id": "H2", "canonical_address": 'a, "b"', "built": None, "area": None},
    ]


def test_vertical_shows_one_field_a_line(warehouse):
    result = _query("SELECT house_id, built FROM core.houses WHERE house_id = 'H1'", "--format", "vertical")
    assert "house_id | H1" in result.stdout and "built    | 2003-05-01" in result.stdout


def test_limit_says_what_it_left_out(warehouse):
    result = _query("SELECT * FROM range(5)", "--limit", "2")
    assert "2 rows (first 2 shown; --limit 0 shows all)" in result.output


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("", "no SQL given"),
        ("  ;; ", "no SQL statement"),
        ("SELEC 1", "syntax error"),
        ("SELECT * FROM nowhere", "nowhere"),
    ],
)
def test_empty_or_bad_sql_is_one_line_and_fails(warehouse, sql, message):
    result = _query(sql)
    assert result.exit_code == 1
    assert message in result.output.lower() or message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_the_analyst_copy_answers_when_asked_or_when_a_run_holds_the_lock(warehouse):
    assert "H9" in _query("SELECT house_id FROM core.houses", "--analyst").stdout
    with duckdb.connect(str(warehouse)):  # a run writing the private warehouse holds its lock
        done = subprocess.run([HOUSEKEY, "query", "SELECT house_id FROM core.houses"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "H9" in done.stdout and "H1" not in done.stdout
    assert "locked" in done.stderr and ANALYST_FILE in done.stderr


def test_token_is_the_one_the_analyst_copy_joins_on(warehouse, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_TOKEN_KEY_1", "a-key-for-this-test-only-32-chars!!")
    key = privacy.token_key(warehouse)
    result = CliRunner().invoke(app, ["token", "'310108198909174893", "139 1234 5678", "3101081989"])
    assert result.exit_code == 1  # the third is neither
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines == [
        ["'310108198909174893", "id_number_token", privacy.token(key, "310108198909174893")],
        ["139 1234 5678", "phone_token", privacy.token(key, "13912345678")],
    ]
