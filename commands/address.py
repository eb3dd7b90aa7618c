"""``housekey address parse``: addresses in on standard input, one JSON object per line out.

    printf '上海市卢湾区长乐路372弄5号402室\\n' | housekey address parse
    {"input": "上海市卢湾区长乐路372弄5号402室", "normalized": "上海市黄浦区长乐路372弄5号402室",
     "elements": [{"label": "city", "text": "上海市", "start": 0, "end": 3}, ...]}

``start``/``end`` are character offsets into the input line. ``housekey address match`` does the same
against the warehouse's house register:

    printf '陕西北路20号\n' | housekey address match
    {"input": "陕西北路20号", "house_id": null, "match_level": "out_of_area", "score": 0.0, "margin": 0.0,
     "reason": "out of area: 陕西北路 is a real road (静安区) the register does not hold", "candidates": [],
     "district": "静安区", "town": null}

``housekey evaluate`` measures it all.
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

    @address.command("match")
    def match_command() -> None:
        """Match one address per line of standard input to the warehouse's house register (a reviewer's
        decision wins, as in a run); print one JSON object per line."""
        from resolution.address.lookup import look_up
        from warehouse.database import connect

        lines = [line.rstrip("\r\n") for line in sys.stdin]
        with connect(read_only=True) as con:
            matches = look_up(con, lines)
        for text, match in zip(lines, matches, strict=True):
            record = {
                "input": text,
                "house_id": match.house_id,
                "match_level": match.match_level,
                "score": match.score,
                "margin": match.margin,
                "reason": match.match_reason,
                "candidates": list(match.candidates),
                "district": match.district,
                "town": match.town,
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")

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
