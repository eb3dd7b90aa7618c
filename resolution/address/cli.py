"""``housekey address parse``: addresses in on standard input, one JSON object per line out.

    printf '上海市卢湾区长乐路372弄5号402室\\n' | housekey address parse
    {"input": "上海市卢湾区长乐路372弄5号402室", "normalized": "上海市黄浦区长乐路372弄5号402室",
     "elements": [{"label": "city", "text": "上海市", "start": 0, "end": 3}, ...]}

``start``/``end`` are character offsets into the input line.
"""
from __future__ import annotations

import json
import sys

import typer


def register(app: typer.Typer) -> None:
    """Add the ``address`` commands to the ``housekey`` command line."""
    address = typer.Typer(help="Chinese addresses: parse to labelled elements.", no_args_is_help=True)

    @address.command("parse")
    def parse_command(
        components: bool = typer.Option(False, "--components", help="Also print the normalised components."),
    ) -> None:
        """Parse one address per line of standard input; print one JSON object per line."""
        from resolution.address.parse import parse

        out = sys.stdout
        for line in sys.stdin:
            text = line.rstrip("\r\n")
            parsed = parse(text)
            record = {"input": parsed.input, "normalized": parsed.normalized,
                      "elements": [{"label": e.label, "text": e.text, "start": e.start, "end": e.end}
                                   for e in parsed.elements]}
            if components:
                record["components"] = parsed.components
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    app.add_typer(address, name="address")
