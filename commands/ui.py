"""``housekey ui``: the Dagster UI, on the same instance as ``housekey run`` (so it shows its runs)."""

import os
import signal
import sys

import typer

from commands.run import dagster_home


def register(app: typer.Typer) -> None:
    """Add ``ui`` to the ``housekey`` command line."""
    app.command()(ui)


def ui(port: int = typer.Option(3000, help="Port of the web UI.")) -> None:
    """Open the Dagster UI on http://127.0.0.1:PORT on housekey run's instance (stop it with Ctrl-C or SIGTERM)."""
    home = dagster_home()
    typer.echo(f"Dagster UI on http://127.0.0.1:{port}, instance {home}: housekey run's runs are the job 'subdistrict'")
    # dagster dev ignores SIGINT (and so SIGTERM) when started from a script that did
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    command = ["dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)]
    os.execv(sys.executable, [sys.executable, "-m", *command])
