"""``housekey district route``: the district's deliveries read once and each row sent to the one subdistrict whose
house register holds it, or counted out of area, or quarantined with why (warehouse/routing.py)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``district`` commands to the ``housekey`` command line."""
    district = typer.Typer(help="A district's own exports, routed to its subdistricts.", no_args_is_help=True)

    @district.command("route")
    def route_command() -> None:
        """Route every new file of the district landing zone and pull every district-wide database source
        (``district:`` in ``$HOUSEKEY_SUBDISTRICTS``) into the subdistricts' landing zones; their next run lands
        it. Prints each delivery's rows (delivered = routed + out of area + quarantined). Exits 1 when a delivery
        could not be read or a subdistrict has no house register yet, 2 without a district."""
        from warehouse.routing import ledger_path, route_district
        from warehouse.subdistricts import SubdistrictsError, load_subdistricts

        try:
            subdistricts = load_subdistricts()
        except SubdistrictsError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from error
        report = route_district(subdistricts)
        if report is None:
            typer.echo("no district configured: `district: {landing: …}` in $HOUSEKEY_SUBDISTRICTS", err=True)
            raise typer.Exit(2)
        for delivery in report.deliveries:
            typer.echo(str(delivery))
        if not report.deliveries and not report.waiting:
            typer.echo("nothing new in the district's deliveries")
        typer.echo(str(report))
        landing = next(s.district_landing for s in subdistricts.values() if s.district_landing)
        typer.echo(f"ledger: {ledger_path(landing)} (rows out of area and quarantined, with why: table row_routes)")
        failed = report.waiting or any(d.status != "routed" for d in report.deliveries)
        raise typer.Exit(1 if failed else 0)

    app.add_typer(district, name="district")
