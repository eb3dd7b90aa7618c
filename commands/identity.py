"""``housekey identity review`` lists the person pairs linking would not decide alone;
``housekey identity decide KEY OTHER_KEY same|different`` records a reviewer's answer for every later run;
``housekey identity decide-business NAME HOUSE_ID same|different`` does the same for a doubtful business link."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``identity`` commands to the ``housekey`` command line."""
    identity = typer.Typer(
        help="People and businesses across sources: review doubtful links, decide.", no_args_is_help=True
    )

    @identity.command("review")
    def review_command(limit: int = typer.Option(20, help="Show at most this many pairs.")) -> None:
        """Doubtful pairs and conflicts, strongest first, with the record keys to decide on."""
        from warehouse.database import connect

        with connect(read_only=True) as con:
            rows = con.execute(
                "SELECT reason, name, other_name, match_weight, evidence, record_key, other_record_key "
                "FROM quality.person_review ORDER BY match_weight DESC NULLS LAST LIMIT ?",
                [limit],
            ).fetchall()
        for reason, name, other, weight, evidence, key, other_key in rows:
            typer.echo(
                f"[{reason}] {name} / {other or '-'}  weight {weight if weight is not None else '-'}  {evidence}\n"
                f"    {key}  {other_key or ''}"
            )

    @identity.command("decide")
    def decide_command(
        record_key: str,
        other_record_key: str,
        decision: str = typer.Argument(..., help="same or different"),
        by: str = typer.Option("reviewer", help="Who decided."),
    ) -> None:
        """Record that two person records are the same person, or different people; later runs use it."""
        from resolution.identity.person_decisions import record_person_decision
        from warehouse.database import connect

        with connect() as con:
            record_person_decision(con, record_key, other_record_key, decision, by)
        typer.echo(f"{record_key} and {other_record_key}: {decision}, used from the next run on")

    @identity.command("decide-business")
    def decide_business_command(
        name: str = typer.Argument(..., help="The name as quality.business_review shows it."),
        house_id: str = typer.Argument(...),
        decision: str = typer.Argument(..., help="same (the link stands) or different"),
        by: str = typer.Option("reviewer", help="Who decided."),
    ) -> None:
        """Record whether a name at a house is the business it was linked to, or a business of its own."""
        from resolution.identity.business_decisions import record_business_decision
        from warehouse.database import connect

        with connect() as con:
            record_business_decision(con, name, house_id, decision, by)
        typer.echo(f"{name} at {house_id}: {decision}, used from the next run on")

    app.add_typer(identity, name="identity")
