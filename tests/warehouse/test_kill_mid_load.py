"""A run killed mid-load leaves the warehouse and the analyst copy consistent, and the next run completes."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from warehouse.accounting import row_accounts

# a few small sources of several shapes (a CSV, twelve workbooks, JSON): the runs are short, a kill still lands
# in the middle of landing them
SOURCES = ("address_register", "hotline_12345", "market_entities", "minimum_income")
RUN = ["run", *(arg for source in SOURCES for arg in ("--source", source))]
RUN_TIMEOUT = 300  # a run that waits for a dead run's slot would hang: fail instead
pytestmark = pytest.mark.system

# Every run is a process of its own, forked by one process that has imported the command line and every module a
# run imports (seconds of CPU that each new process would pay again): SIGKILL ends a run as it ends a `housekey run`,
# and the run after it starts from what the killed one left on disk, not from its memory. One run at a time: the
# run writes its process id, then its progress, to the forking process's stdout; that process then writes its exit
# code.
STARTED, EXITED = "\0started ", "\0exited "
FORKING = f"""
import gc, importlib, json, os, pkgutil, sys
for package in ("commands", "connectors", "pipelines", "warehouse", "quality", "resolution", "schemas"):
    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        importlib.import_module(module.name)
for module in ("pypinyin", "splink", "alembic", "pygments", "fsspec", "upath"):  # imported inside functions
    importlib.import_module(module)
from resolution.address.parse import default_gazetteer
from warehouse.privacy import _readable
default_gazetteer(), _readable()  # built alike by every run from the repository's files, once per process
from commands.housekey import app
gc.freeze()  # what is loaded now stays shared with the runs, and their collections pass it over
for line in sys.stdin:
    if (pid := os.fork()) == 0:
        os.environ.clear()
        os.environ.update(json.loads(line))
        print({STARTED!r} + str(os.getpid()), flush=True)
        app({RUN!r}, prog_name="housekey")  # exits, with the run's exit code
    print({EXITED!r} + str(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])), flush=True)
"""


@pytest.fixture(scope="module")
def runs():
    """Start runs of the sources with ``runs(env)``: each yields its lines of progress, then returns its exit code."""
    forking = subprocess.Popen(
        [sys.executable, "-c", FORKING], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )

    def run(env):
        forking.stdin.write(json.dumps(env) + "\n")
        forking.stdin.flush()
        started = forking.stdout.readline()
        assert started.startswith(STARTED), started
        return int(started.removeprefix(STARTED)), _progress(forking.stdout)

    yield run
    forking.stdin.close()  # it exits
    forking.stdout.close()
    forking.wait(RUN_TIMEOUT)  # waited for, so the runs' CPU is counted with the tests'


def _progress(stdout):
    while (line := stdout.readline()) and not line.startswith(EXITED):
        yield line
    return int(line.removeprefix(EXITED)) if line else None


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


def _finish(progress) -> tuple[int | None, str]:
    """Read a run to its end: its exit code and its output."""
    output = []
    while True:
        try:
            output.append(next(progress))
        except StopIteration as end:
            return end.value, "".join(output)


def _kill_after(runs, env, lines: int, delay: float) -> None:
    """Start a run, SIGKILL it ``delay`` seconds after its ``lines``-th line of progress."""
    pid, progress = runs(env)
    for _ in range(lines):
        if next(progress, None) is None:
            break
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    _finish(progress)


def _run(runs, env) -> tuple[int | None, str]:
    """A run to its end, killed after RUN_TIMEOUT seconds: its exit code and its output."""
    pid, progress = runs(env)
    timeout = threading.Timer(RUN_TIMEOUT, os.kill, (pid, signal.SIGKILL))
    timeout.start()
    try:
        return _finish(progress)
    finally:
        timeout.cancel()


@pytest.fixture(scope="module")
def clean_run(full_warehouse) -> dict[str, int]:
    """Rows per delivery of the sources after a run nobody killed: the session's run of the same world."""
    return {
        delivery: rows for delivery, rows in _consistent(full_warehouse).items() if delivery.split(":")[0] in SOURCES
    }


@pytest.mark.parametrize("lines, delay", [(1, 0.0), (len(SOURCES), 1.5)], ids=["while landing", "after landing"])
def test_killed_run_leaves_consistent_state_and_the_next_run_completes(
    tmp_path, sample_world, clean_run, runs, lines, delay
):
    env = _env(tmp_path, "killed", sample_world)
    _kill_after(runs, env, lines, delay)
    warehouse = tmp_path / "killed" / "housekey.duckdb"
    if warehouse.exists():
        _consistent(warehouse)
    analyst = warehouse.with_name("analyst.duckdb")
    if analyst.exists():  # swapped in whole or not at all
        duckdb.connect(str(analyst), read_only=True).execute("SELECT count(*) FROM meta.deliveries").fetchone()

    returncode, output = _run(runs, env)
    assert returncode == 0, output[-2000:]
    after_kill = _consistent(warehouse)
    assert sorted(after_kill.values()) == sorted(clean_run.values())
    assert {d.split(":")[0] for d in after_kill} == set(SOURCES)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert all(account.balanced for account in row_accounts(con, list(SOURCES)))
    with duckdb.connect(str(analyst), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.deliveries WHERE status = 'loaded'").fetchone()[0] == len(
            after_kill
        )
