"""``housekey city link``: every configured subdistrict's people exported to the city identity zone, then
linked across subdistricts on DuckDB or Spark (local mode), with city person ids kept from the last run."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``city`` commands to the ``housekey`` command line."""
    city = typer.Typer(help="One city: people linked across subdistricts.", no_args_is_help=True)

    @city.command("link")
    def link_command(
        engine: str = typer.Option("duckdb", help="duckdb (one machine) or spark (PySpark, local mode here)."),
        root: Path = typer.Option(None, help="The city identity zone (default: $HOUSEKEY_CITY_IDENTITY or var/)."),
    ) -> None:
        """Export each subdistrict's people (``$HOUSEKEY_SUBDISTRICTS``), link them, mint and keep city ids."""
        from resolution.city.link import link_city
        from resolution.city.records import city_identity_root, export_person_records
        from warehouse.subdistricts import load_subdistricts

        root = root or city_identity_root()
        for code, subdistrict in load_subdistricts().items():
            if not subdistrict.warehouse.exists():
                typer.echo(f"{code} {subdistrict.name}: no warehouse yet at {subdistrict.warehouse}, left out")
                continue
            export_person_records(subdistrict.warehouse, code, root)
        figures = link_city(root, engine)
        typer.echo(", ".join(f"{key} {value}" for key, value in figures.items()))
        typer.echo(f"city ids: {root}")

    app.add_typer(city, name="city")
