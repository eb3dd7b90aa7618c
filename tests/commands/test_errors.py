"""Every command's error is one line and a non-zero exit; ``--debug`` shows the traceback; ``--version`` and ``-h``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HOUSEKEY = Path(sys.executable).with_name("housekey")


def _run(*arguments: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOUSEKEY_WAREHOUSE": str(tmp_path / "nowhere" / "housekey.duckdb")}
    return subprocess.run([HOUSEKEY, *arguments], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("command", [["address", "review"], ["identity", "review"], ["quality", "report"]])
def test_a_missing_warehouse_is_one_line(command, tmp_path):
    done = _run(*command, tmp_path=tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert len((done.stderr + done.stdout).strip().splitlines()) == 1, done.stderr
    assert "housekey run" in done.stderr + done.stdout  # it says what to do


def test_debug_shows_the_traceback(tmp_path):
    done = _run("--debug", "identity", "review", tmp_path=tmp_path)
    assert done.returncode != 0 and "Traceback" in done.stderr


def test_version_and_short_help(tmp_path):
    version = _run("--version", tmp_path=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("housekey ")
    short = _run("-h", tmp_path=tmp_path)
    assert short.returncode == 0 and "query" in short.stdout and "token" in short.stdout


def test_a_missing_landing_folder_stops_the_run_before_anything_runs(tmp_path):
    env = {
        **os.environ,
        "HOUSEKEY_LANDING": str(tmp_path / "no-landing"),
        "HOUSEKEY_WAREHOUSE": str(tmp_path / "wh" / "h.duckdb"),
    }
    done = subprocess.run([HOUSEKEY, "run"], capture_output=True, text=True, env=env)
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"subdistrict 310101023: no landing folder {tmp_path / 'no-landing'} (HOUSEKEY_LANDING, HOUSEKEY_SUBDISTRICTS)"
    )
    assert not (tmp_path / "wh").exists()  # nothing ran
