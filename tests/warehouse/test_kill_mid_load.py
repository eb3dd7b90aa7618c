"""A run killed mid-load leaves the warehouse and the analyst copy consistent, and the next run completes."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from warehouse.accounting import row_accounts

# a few small sources of several shapes (a CSV, twelve workbooks, JSON): the runs are short, a kill still lands
# in the middle of landing them
SOURCES = ("address_register", "hotline_12345", "market_entities", "minimum_income")
RUN = [sys.executable, "-c", "from commands.housekey import app; app()", "run"]
RUN += [arg for source in SOURCES for arg in ("--source", source)]
RUN_TIMEOUT = 300  # a run that waits for a dead run's slot would hang: fail instead
pytestmark = pytest.mark.system


def _env(tmp_path, name, world):
    return {
        **os.environ,
        "HOUSEKEY_LANDING": str(world / "landing"),
        "HOUSEKEY_WAREHOUSE": str(tmp_path / name / "housekey.duckdb"),
        "DAGSTER_HOME": str(tmp_path / name / "dagster"),
        "COLUMNS": "200",
    }


def _consistent(path) -> dict[str, int]:
    """Every loaded delivery has exactly its rows in raw, and raw has no rows of any other delivery."""
    with duckdb.connect(str(path), read_only=True) as con:
        loaded = dict(
            con.execute("SELECT delivery_id, rows_loaded FROM meta.deliveries WHERE status = 'loaded'").fetchall()
        )
        landed: dict[str, int] = {}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall():
            for delivery, rows in con.execute(
                f'SELECT _delivery_id, count(*) FROM raw."{table}" GROUP BY 1'
            ).fetchall():
                landed[delivery] = landed.get(delivery, 0) + rows
    assert landed == {d: n for d, n in loaded.items() if n}, "raw rows and recorded deliveries disagree"
    return landed


def _kill_after(env, lines: int, delay: float) -> None:
    """Start a run, SIGKILL it ``delay`` seconds after its ``lines``-th line of progress."""
    run = subprocess.Popen(RUN, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for _ in range(lines):
        if not run.stdout.readline():
            break
    time.sleep(delay)
    run.send_signal(signal.SIGKILL)
    run.wait()
    run.stdout.close()


@pytest.fixture(scope="module")
def clean_run(full_warehouse) -> dict[str, int]:
    """Rows per delivery of the sources after a run nobody killed: the session's run of the same world."""
    return {
        delivery: rows for delivery, rows in _consistent(full_warehouse).items() if delivery.split(":")[0] in SOURCES
    }


@pytest.mark.parametrize("lines, delay", [(1, 0.0), (len(SOURCES), 1.5)], ids=["while landing", "after landing"])
def test_killed_run_leaves_consistent_state_and_the_next_run_completes(tmp_path, sample_world, clean_run, lines, delay):
    env = _env(tmp_path, "killed", sample_world)
    _kill_after(env, lines, delay)
    warehouse = tmp_path / "killed" / "housekey.duckdb"
    if warehouse.exists():
        _consistent(warehouse)
    analyst = warehouse.with_name("analyst.duckdb")
    if analyst.exists():  # swapped in whole or not at all
        duckdb.connect(str(analyst), read_only=True).execute("SELECT count(*) FROM meta.deliveries").fetchone()

    rerun = subprocess.run(RUN, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert rerun.returncode == 0, rerun.stdout[-2000:]
    after_kill = _consistent(warehouse)
    assert sorted(after_kill.values()) == sorted(clean_run.values())
    assert {d.split(":")[0] for d in after_kill} == set(SOURCES)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert all(account.balanced for account in row_accounts(con, list(SOURCES)))
    with duckdb.connect(str(analyst), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.deliveries WHERE status = 'loaded'").fetchone()[0] == len(
            after_kill
        )
