"""Seeding the database sources: the rows of each seed file land in the real PostgreSQL and MariaDB.

Tables get a unique name per test run, so the real sample tables (and parallel tests) are left alone.
"""

import json
import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest
import typer
from typer.testing import CliRunner

from data_samples.generator.cli import register
from data_samples.generator.generate import generate
from data_samples.generator.seed import MARIADB_URL, PG_URL, seed_databases

DATABASE_SOURCES = ["urban_management_cases", "property_repairs"]


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A small generated world's database seeds, renamed to tables of this test run."""
    generate(tmp_path, 400, seed=5, only=DATABASE_SOURCES)
    suffix = uuid.uuid4().hex[:8]
    for path in (tmp_path / "databases").glob("*.json"):
        seed = json.loads(path.read_text(encoding="utf-8"))
        seed["table"] = f"{seed['table']}_test_{suffix}"
        path.write_text(json.dumps(seed, ensure_ascii=False), encoding="utf-8")
    yield tmp_path
    _drop(tmp_path)


def _seeds(samples: Path) -> dict[str, dict]:
    seeds = (json.loads(p.read_text(encoding="utf-8")) for p in (samples / "databases").glob("*.json"))
    return {seed["dialect"]: seed for seed in seeds}


def _mariadb():
    url = urlsplit(os.environ.get("HOUSEKEY_MARIADB_URL", MARIADB_URL))
    return pymysql.connect(
        host=url.hostname,
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=url.path.lstrip("/"),
        charset="utf8mb4",
    )


def _pg():
    return psycopg.connect(os.environ.get("HOUSEKEY_PG_URL", PG_URL))


def _drop(samples: Path) -> None:
    seeds = _seeds(samples)
    with _pg() as connection:
        connection.execute(f'DROP TABLE IF EXISTS "{seeds["postgres"]["table"]}"')
    with _mariadb() as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS `{seeds['mariadb']['table']}`")


def test_every_seed_row_lands_in_the_real_servers(scratch):
    notes = seed_databases(scratch)
    seeds = _seeds(scratch)
    assert not [n for n in notes if "not reachable" in n], notes
    with _pg() as connection:
        pg = seeds["postgres"]
        assert connection.execute(f'SELECT count(*) FROM "{pg["table"]}"').fetchone()[0] == len(pg["rows"]) > 0
        query = f'SELECT case_no, shop_name, updated_at FROM "{pg["table"]}" ORDER BY case_no'
        first = connection.execute(query).fetchone()
        assert (first[0], first[1], str(first[2])) == tuple(min(pg["rows"])[i] for i in (0, 1, 9))
    with _mariadb() as connection, connection.cursor() as cursor:
        maria = seeds["mariadb"]
        cursor.execute(f"SELECT count(*) FROM `{maria['table']}`")
        assert cursor.fetchone()[0] == len(maria["rows"]) > 0
        cursor.execute(f"SELECT count(*) FROM `{maria['table']}` WHERE address LIKE %s", ("%弄%",))
        assert cursor.fetchone()[0] > 0, "Chinese text survives the round trip (utf8mb4)"


def test_seeding_twice_replaces_the_tables(scratch):
    seed_databases(scratch)
    seed_databases(scratch)
    with _pg() as connection:
        pg = _seeds(scratch)["postgres"]
        assert connection.execute(f'SELECT count(*) FROM "{pg["table"]}"').fetchone()[0] == len(pg["rows"])


def test_an_unreachable_server_is_skipped_with_a_note(scratch, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_PG_URL", "postgresql://postgres@127.0.0.1:1/test")
    monkeypatch.setenv("HOUSEKEY_MARIADB_URL", "mysql://root:secret@127.0.0.1:1/test")
    notes = seed_databases(scratch)
    assert len(notes) == 2 and all("not reachable" in n for n in notes)
    assert not any("secret" in n for n in notes), "notes never show credentials"


def test_the_command_seeds_a_sample_folder(scratch):
    app = typer.Typer()
    app.command()(lambda: None)  # a second command, so `samples` stays a sub-command group
    register(app)
    result = CliRunner().invoke(app, ["samples", "seed-databases", "--dir", str(scratch)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    for seed in _seeds(scratch).values():
        assert f"{seed['table']} ({len(seed['rows'])} rows)" in output
