"""``housekey token``: the token the analyst copy shows for an ID number or a phone, to join on.

It needs the token key the analyst copy was published with (``HOUSEKEY_TOKEN_KEY_<n>``, or the local
warehouse's ``token.key``): without the key nobody can compute a token, which is what protects it.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

errors = Console(stderr=True, soft_wrap=True)  # a path or message is never cut into lines


def register(app: typer.Typer) -> None:
    """Add ``token`` to the ``housekey`` command line."""
    app.command()(token)


def token(
    identifiers: list[str] = typer.Argument(..., help="ID numbers (15 or 18 characters) or phone numbers."),
) -> None:
    """Print the analyst copy's token of each identifier (`id_number_token`, `phone_token`), one per line."""
    from schemas.identifiers import id18, id_number_shape_problem, id_number_text, phone_problem, phone_text
    from warehouse import privacy
    from warehouse.database import warehouse_path

    try:
        key = privacy.token_key(warehouse_path())
    except privacy.MissingTokenKey as error:
        errors.print(Text(str(error), style="red"))
        raise typer.Exit(1) from error
    failed = False
    for written in identifiers:
        if id_number_shape_problem(written) is None:  # as staged, and (a 15-digit one) as core.people holds it
            values, column = dict.fromkeys(v for v in (id_number_text(written), id18(written)) if v), "id_number_token"
        elif phone_problem(written) is None:
            values, column = [phone_text(written)], "phone_token"
        else:
            errors.print(Text(f"{written!r}: neither an ID number nor a phone number", style="red"))
            failed = True
            continue
        for value in values:
            print(f"{written}\t{column}\t{privacy.token(key, value)}")
    if failed:
        raise typer.Exit(1)
