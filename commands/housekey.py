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
    "token",
    "ui",
    "samples",
    "source",
    "address",
    "quality",
    "export",
    "identity",
)


class Housekey(typer.Typer):
    """A warehouse at another version than the code's ends any command in one line naming the command to run
    (``warehouse/versions.py``), not in a traceback."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Exception as error:
            from warehouse.versions import WarehouseOutOfDate  # here: DuckDB stays out of `housekey --help`

            if not isinstance(error, WarehouseOutOfDate):
                raise
            typer.echo(str(error), err=True)
            raise SystemExit(2) from error


app = Housekey(
    help="以房管人: merge departmental exports into the house-keyed warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a crash's locals may hold ID numbers and phones: never print them
)
for name in COMMANDS:
    import_module(f"commands.{name}").register(app)
