"""The ``housekey`` command: every command and command group of this package, in the order ``--help`` lists them.

Each module named in ``COMMANDS`` adds its commands with ``register(app)``; a new command is a new module
and one line here. Dagster and DuckDB are imported inside the commands, so ``housekey --help`` answers at once.
"""

import sys
from importlib import import_module
from importlib.metadata import version

import typer

COMMANDS = (
    "run",
    "migrate",
    "query",
    "token",
    "house",
    "ui",
    "samples",
    "source",
    "address",
    "quality",
    "export",
    "identity",
    "city",
    "district",
)


DEBUG = "--debug"


class Housekey(typer.Typer):
    """Any command's error ends in one line on standard error and a non-zero exit, never a traceback (``--debug``
    shows it); a warehouse at another version than the code's names the command to run (``warehouse/versions.py``)."""

    def __call__(self, *args, **kwargs):
        debug = DEBUG in sys.argv[1:]  # read before Click parses: an error anywhere, parsing included, knows it
        try:
            return super().__call__(*args, **kwargs)
        except Exception as error:
            if debug:
                raise
            from warehouse.versions import WarehouseOutOfDate  # here: DuckDB stays out of `housekey --help`

            lines = str(error).strip().splitlines()
            if isinstance(error, WarehouseOutOfDate):
                typer.echo(lines[0], err=True)
                raise SystemExit(2) from error
            typer.echo(
                f"{lines[0] if lines else type(error).__name__}  ({type(error).__name__}; {DEBUG} shows where)",
                err=True,
            )
            raise SystemExit(1) from error


app = Housekey(
    help="以房管人: merge departmental exports into the house-keyed warehouse.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,  # a crash's locals may hold ID numbers and phones: never print them
)


def _version(asked: bool) -> None:
    if asked:
        typer.echo(f"housekey {version('housekey')}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and stop."
    ),
    debug: bool = typer.Option(False, DEBUG, help="Show the traceback of an error instead of its one line."),
) -> None:
    """以房管人: merge departmental exports into the house-keyed warehouse."""


for name in COMMANDS:
    import_module(f"commands.{name}").register(app)
