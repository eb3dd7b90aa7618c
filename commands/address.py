"""``housekey address parse``: addresses in on standard input, one JSON object per line out.

    printf '上海市卢湾区长乐路372弄5号402室\\n' | housekey address parse
    {"input": "上海市卢湾区长乐路372弄5号402室", "normalized": "上海市黄浦区长乐路372弄5号402室",
     "elements": [{"label": "city", "text": "上海市", "start": 0, "end": 3}, ...]}

``start``/``end`` are character offsets into the input line. ``housekey evaluate`` measures it all.
"""

from __future__ import annotations

import json
import sys

import typer


def register(app: typer.Typer) -> None:
    """Add the ``address`` commands to the ``housekey`` command line."""
    address = typer.Typer(
        help="Chinese addresses: parse them, review the ambiguous ones, decide.", no_args_is_help=True
    )

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
            record = {
                "input": parsed.input,
                "normalized": parsed.normalized,
                "elements": [
                    {"label": e.label, "text": e.text, "start": e.start, "end": e.end} for e in parsed.elements
                ],
            }
            if components:
                record["components"] = parsed.components
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    @address.command("review")
    def review_command(limit: int = typer.Option(20, help="Show at most this many addresses.")) -> None:
        """The review queue: addresses the matcher would not guess, most records first, with candidates."""
        from warehouse.database import connect

        with connect(read_only=True) as con:
            rows = con.execute(
                "SELECT address, match_level, match_reason, candidates, records FROM quality.address_review LIMIT ?",
                [limit],
            ).fetchall()
        for address_text, level, reason, candidates, records in rows:
            typer.echo(f"{records:>5}  {address_text}  [{level}] {reason}; candidates {', '.join(candidates or [])}")

    @address.command("decide")
    def decide_command(
        address_text: str = typer.Argument(..., help="The address exactly as delivered."),
        house_id: str = typer.Argument(..., help="The house it means (a house_id of core.houses)."),
        by: str = typer.Option("reviewer", help="Who decided."),
    ) -> None:
        """Record a reviewer's decision; every later run uses it for this address."""
        from resolution.address.resolve import record_decision
        from warehouse.database import connect

        with connect() as con:
            record_decision(con, address_text, house_id, by)
        typer.echo(f"{address_text} → {house_id}: used from the next run on")

    app.add_typer(address, name="address")

    @app.command("evaluate")
    def evaluate_command(
        as_json: bool = typer.Option(
            False, "--json", help="One JSON object (keys in benchmarks/address_evaluation.py)."
        ),
    ) -> None:
        """Measure address resolution: matching against the sample world's truth, parsing against the public corpus, throughput."""
        from benchmarks.address_evaluation import evaluate, print_report

        report = evaluate()
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
        else:
            print_report(report)
