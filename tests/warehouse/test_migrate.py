"""Upgrades keep data: ``housekey migrate`` brings a warehouse release 14eba33 made to this code's structure, and
the next run on the same sources keeps its person, business and house ids, reviewers' decisions, tag history
and quarantine.

The old warehouse is ``fixtures/warehouse_14eba33/`` (``EXPORT DATABASE`` of the release's own run on six
sources of the release's own sample with a reviewer's decisions, made by ``fixtures/build_old_warehouse.py``). The
run after the upgrade lands that same sample again (``fixtures/landing_14eba33/``), so regenerating today's sample
leaves this test alone; it checks first that those files are the ones the fixture landed.
"""

import re
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize
from typer.testing import CliRunner

import warehouse.migrations
from commands.housekey import app
from connectors.landing import content_hash
from connectors.spec import load_registry
from pipelines.definitions import pipeline_assets
from pipelines.resources import warehouse_resources
from warehouse.database import connect, quote_literal, quote_name
from warehouse.migrations import Migration, migrations
from warehouse.versions import WarehouseOutOfDate, latest_version, schema_version

REPO = Path(__file__).resolve().parents[2]
RELEASE = "14eba33"
FIXTURE = Path(__file__).parent / "fixtures" / f"warehouse_{RELEASE}"
LAST_RUN_DAY = "2026-12-01"  # the old warehouse's last run; the run after the upgrade describes the same day
SAMPLE_CODE = "310101023"  # the subdistrict of the release's sample, whose register the old warehouse holds

# the tables that outlive a run, as the convention lists them (warehouse/migrations/__init__.py)
OUTLIVE_A_RUN = (
    *("raw.*", "meta.*", "quality.quarantine", "quality.person_review", "tags.evaluations", "tags.*_tags"),
    *("core.person_ids", "core.*_id_history", "core.*_decisions", "core.person_records", "core.person_counterparts"),
    "core.business_records",
)
# What must survive, each as rows that compare equal before and after (timestamps of re-made rows left out).
KEPT = {
    "people": "SELECT person_id, id_number, name, sex, birth_date FROM core.people",
    "houses": "SELECT house_id, canonical_address FROM core.houses",
    "person decisions": "SELECT decision, decided_by, decided_at FROM core.person_decisions",
    "business decisions": "SELECT name, house_id, decision, decided_by, decided_at FROM core.business_decisions",
    "person ids minted": "SELECT person_id, minted_at FROM core.person_ids",
    "quarantine": "SELECT source, delivery_id, sheet, row_number, column_name, rule, value, reason, is_row_kept "
    "FROM quality.quarantine",
    # the same files delivered again land as duplicates
    "deliveries landed": "SELECT delivery_id, source, file_name, file_hash, rows_delivered, rows_loaded, "
    "rows_quarantined, observed_on FROM meta.deliveries WHERE status = 'loaded'",
}
# What must survive while the run after the upgrade, judging the same files with today's rules, may add to it.
KEPT_WITHIN = {
    # every business keeps its id, credit code, name and house; the sign name is re-made (the most-written one)
    "businesses": "SELECT business_id, credit_code, legal_name, house_id FROM core.businesses",
    **{
        f"{entity} tag periods opened": f"SELECT tag_code, {entity}_id, valid_from, opened_by_run FROM tags.{entity}_tags"
        for entity in ("person", "house", "business")
    },
    # a period the old release closed stays closed as it was; one it left open may be closed by the run after
    **{
        f"{entity} tag periods closed": f"SELECT tag_code, {entity}_id, valid_from, valid_to, opened_by_run, "
        f"closed_by_run FROM tags.{entity}_tags WHERE valid_to IS NOT NULL"
        for entity in ("person", "house", "business")
    },
}
ADDED_BY_THE_RUN = {"tag evaluations": "SELECT run_id, as_of, tag_code, entity, members FROM tags.evaluations"}


@pytest.fixture
def old_warehouse(tmp_path, monkeypatch) -> Path:
    """The 14eba33 warehouse imported into a file of its own, which ``$HOUSEKEY_WAREHOUSE`` names."""
    path = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"IMPORT DATABASE {quote_literal(str(FIXTURE))}")
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(path))
    monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    return path


@pytest.fixture
def release_landing(tmp_path) -> Path:
    """The sample landing zone as release 14eba33 shipped it, for the six sources its warehouse landed
    (``fixtures/landing_14eba33/``, kept beside the warehouse so no git history is needed)."""
    landing = tmp_path / "landing"
    shutil.copytree(Path(__file__).parent / "fixtures" / "landing_14eba33", landing)
    return landing


def housekey(*arguments: str):
    return CliRunner().invoke(app, list(arguments))


def test_migrate_then_run_keeps_ids_decisions_tag_history_and_quarantine(
    old_warehouse, release_landing, full_warehouse, tmp_path, monkeypatch
):
    with duckdb.connect(str(old_warehouse), read_only=True) as con:
        assert schema_version(con) == 0  # the release had no versions
        before = {
            name: sorted(con.execute(sql).fetchall(), key=repr)
            for name, sql in {**KEPT, **KEPT_WITHIN, **ADDED_BY_THE_RUN}.items()
        }
        sources = [name for (name,) in con.execute("SELECT DISTINCT source FROM meta.deliveries").fetchall()]
        delivered = con.execute("SELECT source, file_name, file_hash FROM meta.deliveries WHERE status = 'loaded'")
        delivered = delivered.fetchall()
    held = [*KEPT, *KEPT_WITHIN]
    assert all(before[name] for name in held), [name for name in held if not before[name]]  # the fixture holds each
    # the ids the release minted are kept in their city-unique shape (step city_ids): the same number or hash
    before = {name: sorted((_in_the_city(row) for row in rows), key=repr) for name, rows in before.items()}
    # the run after the upgrade reads the very files the old release landed; a regenerated sample needs a new fixture
    changed = [(source, name) for source, name, digest in delivered if _hash(release_landing / source / name) != digest]
    assert not changed, f"the fixture did not land the release's own sample, rebuild it: {changed}"

    upgraded = housekey("migrate")
    assert upgraded.exit_code == 0, upgraded.output
    assert [line.split()[1:3] for line in upgraded.output.splitlines() if "applied" in line] == [
        [f"{step.version:04d}", f"{step.name}:"] for step in migrations()
    ]
    assert upgraded.output.splitlines()[-1] == f"now at version {latest_version()}"

    (tmp_path / "sources").mkdir()
    for name in sources:
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", tmp_path / "sources")
    monkeypatch.setenv("HOUSEKEY_LANDING", str(release_landing))
    monkeypatch.setenv("HOUSEKEY_AS_OF", LAST_RUN_DAY)
    assets = [
        a for a in pipeline_assets(load_registry(tmp_path / "sources")) if "publish" not in {k.path[0] for k in a.keys}
    ]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(assets, resources=warehouse_resources(), instance=instance, raise_on_error=False)
    assert result.success, [event.step_key for event in result.all_events if event.is_step_failure]

    with duckdb.connect(str(old_warehouse), read_only=True) as con:
        after = {
            name: sorted(con.execute(sql).fetchall(), key=repr)
            for name, sql in {**KEPT, **KEPT_WITHIN, **ADDED_BY_THE_RUN}.items()
        }
    for name in KEPT:
        assert after[name] == before[name], name
    for name in KEPT_WITHIN:
        assert set(before[name]) <= set(after[name]), (name, sorted(set(before[name]) - set(after[name]), key=repr))
    # a business the run adds is one only a shop name makes: no registered business gets a second id
    added = set(after["businesses"]) - set(before["businesses"])
    assert all(credit_code is None for _, credit_code, *_ in added), added
    for name in ADDED_BY_THE_RUN:
        assert set(before[name]) < set(after[name]), name
    # and every table that outlives a run ends with the structure a new warehouse's has (the session's sample run)
    with (
        duckdb.connect(str(old_warehouse), read_only=True) as migrated,
        duckdb.connect(str(full_warehouse), read_only=True) as new,
    ):
        migrated_columns, new_columns = _columns(migrated), _columns(new)
    kept = sorted(table for table in set(migrated_columns) & set(new_columns) if _outlives_a_run(*table))
    assert len(kept) > 20, kept
    for table in kept:
        assert migrated_columns[table] == new_columns[table], table


def test_a_warehouse_not_migrated_is_refused_with_the_command_to_run(old_warehouse):
    refused = housekey("run")
    assert refused.exit_code == 2
    assert "made before versions" in refused.output and "`housekey migrate`" in refused.output
    with pytest.raises(WarehouseOutOfDate, match="housekey migrate"):
        connect(old_warehouse)
    decide = [sys.executable, "-c", "from commands.housekey import app; app()", "identity", "decide", "a", "b", "same"]
    refused = subprocess.run(decide, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "`housekey migrate`" in refused.stderr
    with duckdb.connect(str(old_warehouse), read_only=True) as con:
        assert schema_version(con) == 0  # refusing changed nothing


def test_a_new_warehouse_is_made_at_the_latest_version_and_a_newer_one_is_refused(tmp_path):
    with connect(tmp_path / "new.duckdb") as con:
        assert [version for version, *_ in con.execute("SELECT * FROM meta.schema_migrations").fetchall()] == [
            step.version for step in migrations()
        ]
        con.execute(
            "INSERT INTO meta.schema_migrations VALUES (?, 'from_a_later_release', TIMESTAMP '2027-06-01 09:00')",
            [latest_version() + 1],
        )
    with pytest.raises(WarehouseOutOfDate, match="newer than this housekey"):
        connect(tmp_path / "new.duckdb")


def test_migrate_twice_changes_nothing_and_dry_run_changes_nothing(old_warehouse):
    listed = housekey("migrate", "--dry-run")
    assert listed.exit_code == 0 and f"{len(migrations())} pending" in listed.output
    assert _state(old_warehouse)[0] == []  # no version table yet
    assert housekey("migrate").exit_code == 0
    first = _state(old_warehouse)
    again = housekey("migrate")
    assert again.exit_code == 0 and again.output.splitlines()[-1] == "nothing to do"
    assert _state(old_warehouse) == first
    assert "up to date" in housekey("migrate", "--dry-run").output


def test_a_step_that_fails_is_rolled_back_and_the_steps_before_it_stay(old_warehouse, monkeypatch):
    def half_done(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("ALTER TABLE meta.deliveries ADD COLUMN half_done VARCHAR")
        con.execute("SELECT * FROM meta.no_such_table")

    steps = [*migrations(), Migration(latest_version() + 1, "half_done", "fails halfway", half_done)]
    monkeypatch.setattr(warehouse.migrations, "migrations", lambda: steps)
    failed = housekey("migrate")
    assert failed.exit_code == 1
    assert "rolled back" in failed.output and f"stays at version {latest_version()}" in failed.output
    with duckdb.connect(str(old_warehouse), read_only=True) as con:
        assert schema_version(con) == latest_version()  # every step before it committed
        assert "half_done" not in [row[0] for row in con.execute("DESCRIBE meta.deliveries").fetchall()]


def test_a_migrated_warehouse_has_the_bookkeeping_a_new_one_is_made_with(old_warehouse, tmp_path):
    assert housekey("migrate").exit_code == 0
    with connect(tmp_path / "new.duckdb") as new:
        assert schema_version(new) == latest_version()
        made = _bookkeeping_columns(new)
    with connect(old_warehouse) as migrated:  # opens without refusal now
        assert _bookkeeping_columns(migrated) == made


def _state(path: Path) -> tuple[list, list, int]:
    """The versions applied, every column of every table, and the rows of every table."""
    with duckdb.connect(str(path), read_only=True) as con:
        versions = (
            con.execute("SELECT * FROM meta.schema_migrations ORDER BY version").fetchall()
            if schema_version(con)
            else []
        )
        columns = con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() ORDER BY ALL"
        ).fetchall()
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        rows = sum(
            con.execute(f"SELECT count(*) FROM {quote_name(s)}.{quote_name(t)}").fetchone()[0] for s, t in tables
        )
    return versions, columns, rows


def _bookkeeping_columns(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The columns of the bookkeeping tables (meta, quality.quarantine), in order."""
    return con.execute(
        "SELECT schema_name, table_name, column_index, column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'meta' OR (schema_name = 'quality' AND table_name = 'quarantine') ORDER BY ALL"
    ).fetchall()


def _columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Every table's columns (name, type) in order, by (schema, table)."""
    columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, kind in con.execute(
        "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index"
    ).fetchall():
        columns.setdefault((schema, table), []).append((column, kind))
    return columns


def _in_the_city(row: tuple) -> tuple:
    """A row with the release's person and business ids in the shape they have since step city_ids: the sample's
    subdistrict code after the prefix (PSN0000000012 -> PSN3101010230000012, B035DE0DA9D -> B310101023H035DE0DA9D)."""
    return tuple(
        re.sub(r"^PSN000(\d{7})$", rf"PSN{SAMPLE_CODE}\1", re.sub(r"^B([0-9A-F]{10})$", rf"B{SAMPLE_CODE}H\1", v))
        if isinstance(v, str)
        else v
        for v in row
    )


def _hash(path: Path) -> str | None:
    """The sha256 of a delivered file, None when it is not there."""
    return content_hash(path) if path.is_file() else None


def _outlives_a_run(schema: str, table: str) -> bool:
    return any(fnmatch(f"{schema}.{table}", pattern) for pattern in OUTLIVE_A_RUN)
