"""`housekey ui` serves the asset graph on 127.0.0.1 on `housekey run`'s instance, lists its runs under the
`subdistrict` job, leaves no `.tmp_dagster_home_*` behind and stops cleanly on SIGTERM, as a real process."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.housekey import app
from tests.spec_registry import SpecRegistry

REPO = Path(__file__).resolve().parents[2]
HOUSEKEY = Path(sys.executable).with_name("housekey")
ASSETS = "{ assetNodes { assetKey { path } } }"
RUNS = "{ runsOrError { ... on Runs { results { runId jobName } } } }"
JOBS = "{ repositoriesOrError { ... on RepositoryConnection { nodes { jobs { name } } } } }"
SPEC = """
    name: residents
    title: 实有人口
    owner: 公安分局
    level: S
    format: csv
    files: "*.csv"
    settle_seconds: 0
    record_kind: person
    columns:
      姓名: {to: name}
"""
pytestmark = pytest.mark.system


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ask(port: int, query: str) -> dict | None:
    """What the UI's GraphQL answers to ``query``, or None while it is not up yet."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)["data"]
    except (OSError, KeyError, TypeError):
        return None


def asset_keys(port: int) -> set[tuple[str, ...]] | None:
    """The asset graph the UI serves, or None while it is not up yet."""
    answer = ask(port, ASSETS)
    return None if answer is None else {tuple(node["assetKey"]["path"]) for node in answer["assetNodes"]}


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (the webserver, the daemon, the code server)."""
    children = set()
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(status.parent.name)
            children |= {child, *descendants(child)}
    return children


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return ""


def housekey_run(spec_registry: SpecRegistry) -> str:
    """``housekey run`` of one source on the registry's Dagster instance; the id of its run."""
    from dagster import DagsterInstance

    spec_registry.write_spec("residents", SPEC)
    spec_registry.deliver("residents", "实有人口_202610.csv", "姓名\n张三\n")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 0, result.output
    with DagsterInstance.get() as instance:
        (run,) = instance.get_runs()
    return run.run_id


def test_housekey_ui_serves_the_asset_graph_and_stops_on_sigterm(spec_registry, tmp_path):
    run_id = housekey_run(spec_registry)
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(spec_registry.dagster_home),
        "HOUSEKEY_WAREHOUSE": str(tmp_path / "w.duckdb"),
    }
    scratch_homes = set(REPO.glob(".tmp_dagster_home_*"))
    # started as a background job is: SIGINT ignored, which `housekey ui` must undo
    ui = subprocess.Popen(
        [str(HOUSEKEY), "ui", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline, keys = time.monotonic() + 120, None
        while keys is None and time.monotonic() < deadline and ui.poll() is None:
            time.sleep(1)
            keys = asset_keys(port)
        assert keys is not None, ui.stdout.read().decode(errors="replace")[-3000:] if ui.poll() is not None else "no UI"
        assert {("raw", "address_register"), ("staging", "address_register"), ("publish", "analyst_copy")} <= keys
        # housekey run's run, under the job the UI knows
        assert {"runId": run_id, "jobName": "subdistrict"} in ask(port, RUNS)["runsOrError"]["results"]
        assert "subdistrict" in {
            job["name"] for node in ask(port, JOBS)["repositoriesOrError"]["nodes"] for job in node["jobs"]
        }
        assert set(REPO.glob(".tmp_dagster_home_*")) == scratch_homes  # the instance is DAGSTER_HOME's
        helpers = descendants(ui.pid)
        assert helpers, "dagster dev runs the webserver and the daemon as child processes"

        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        while (left := {pid: command_line(pid) for pid in helpers if alive(pid)}) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not left, f"still running after the UI stopped: {left}"
        assert asset_keys(port) is None  # the port is free again
    finally:
        if ui.poll() is None:
            ui.kill()
            ui.wait()
