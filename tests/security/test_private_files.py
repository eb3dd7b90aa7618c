"""Private files are owner-only (the warehouse, its WAL and folder, the quality report), whatever the umask;
a production run without a token key stops at once with one line; make demo sets its key explicitly."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.database import connect, create_bookkeeping

REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    previous = os.umask(0o022)  # a usual default: files world-readable
    yield
    os.umask(previous)


def test_a_new_warehouse_its_wal_and_folder_are_owner_only(tmp_path, open_umask):
    warehouse = tmp_path / "var" / "warehouse" / "housekey.duckdb"
    con = connect(warehouse)
    con.execute("CREATE TABLE raw.people AS SELECT '310101198506157779' AS id_number")  # written to the WAL
    wal = warehouse.with_name(warehouse.name + ".wal")
    assert wal.exists()
    assert (mode(warehouse), mode(wal), mode(warehouse.parent)) == (0o600, 0o600, 0o700)
    con.close()


def test_an_existing_world_readable_warehouse_becomes_owner_only_when_a_step_opens_it(tmp_path, open_umask):
    warehouse = tmp_path / "shared" / "housekey.duckdb"
    warehouse.parent.mkdir()
    duckdb.connect(str(warehouse)).close()  # as DuckDB makes it: -rw-r--r--
    assert mode(warehouse) == 0o644
    with duckdb.connect(str(warehouse)) as con:  # the way the Dagster resource opens it
        create_bookkeeping(con)
    assert (mode(warehouse), mode(warehouse.parent)) == (0o600, 0o700)


def test_the_quality_report_is_owner_only(tmp_path, open_umask):
    from connectors.spec import load_registry
    from quality.report import write_report

    with connect(tmp_path / "housekey.duckdb") as con:
        path = write_report(con, load_registry(), tmp_path / "quality_report.html")
    assert mode(path) == 0o600


def test_a_production_run_without_a_token_key_stops_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUSEKEY_TOKEN_KEY")}
    env.update(HOUSEKEY_ENV="production", HOUSEKEY_WAREHOUSE=str(tmp_path / "housekey.duckdb"))
    run = subprocess.run(
        [sys.executable, "-c", "from commands.housekey import app; app()", "run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert run.stderr.strip().count("\n") == 0 and "HOUSEKEY_TOKEN_KEY_<n>" in run.stderr
    assert not (tmp_path / "housekey.duckdb").exists()  # nothing was done


def test_make_demo_sets_its_key_explicitly():
    # --no-print-directory: under `make test` a nested make would print "Entering/Leaving directory" lines
    demo = subprocess.run(
        ["make", "-n", "--no-print-directory", "demo"], cwd=REPO, capture_output=True, text=True, timeout=60
    ).stdout
    (run,) = [line for line in demo.splitlines() if "housekey run" in line]
    assert "HOUSEKEY_TOKEN_KEY_1=" in run
