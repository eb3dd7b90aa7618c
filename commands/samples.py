"""``housekey generate`` and ``housekey samples …``, from the sample generator when it is present."""

import importlib.util

import typer
from rich.console import Console
from rich.text import Text

errors = Console(stderr=True, soft_wrap=True)  # a path or message is never cut into lines


def register(app: typer.Typer) -> None:
    """Add the sample world's commands to the ``housekey`` command line, if the generator is installed."""
    try:
        if importlib.util.find_spec("data_samples.generator.cli") is None:
            return
        from data_samples.generator.cli import register as register_generator
    except ImportError as error:
        errors.print(Text(f"sample commands unavailable: {error}", style="yellow"))
        return
    register_generator(app)
