"""A run killed mid-load leaves the warehouse and the analyst copy consistent, and the next run completes."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from connectors.spec import load_registry
from warehouse.accounting import row_accounts

RUN = [sys.executable, "-c", "from commands.housekey import app; app()", "run"]
RUN_TIMEOUT = 300  # a run that waits for a dead run's slot would hang: fail instead


def _env(tmp_path, name):
    return {
        **os.environ,
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
def clean_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean")
    assert subprocess.run(RUN, env=_env(tmp, "clean"), capture_output=True, timeout=RUN_TIMEOUT).returncode == 0
    return _consistent(tmp / "clean" / "housekey.duckdb")


@pytest.mark.parametrize("lines, delay", [(8, 0.0), (29, 1.5)], ids=["while landing", "after landing"])
def test_killed_run_leaves_consistent_state_and_the_next_run_completes(tmp_path, clean_run, lines, delay):
    env = _env(tmp_path, "killed")
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
    assert len({d.split(":")[0] for d in after_kill}) == len(load_registry())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert all(account.balanced for account in row_accounts(con, list(load_registry())))
    with duckdb.connect(str(analyst), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.deliveries WHERE status = 'loaded'").fetchone()[0] == len(
            after_kill
        )
