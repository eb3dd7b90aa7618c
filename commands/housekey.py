"""The ``housekey`` command: every command and command group of this package, in the order ``--help`` lists them.

Each module named in ``COMMANDS`` adds its commands with ``register(app)``; a new command is a new module
and one line here. Dagster and DuckDB are imported inside the commands, so ``housekey --help`` answers at once.
"""

from importlib import import_module

import typer

COMMANDS = (
    "run",
    "migrate",
    "query",
    "ui",
    "samples",
    "source",
    "address",
    "quality",
    "export",
    "identity",
)

app = typer.Typer(
    help="以房管人: merge departmental exports into the house-keyed warehouse.",
    no_args_is_help=True,
    add_completion=False,
)
for name in COMMANDS:
    import_module(f"commands.{name}").register(app)
