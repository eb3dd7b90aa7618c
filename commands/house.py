"""``housekey house ADDRESS``: from an address as anyone writes it to its house file (一房一档).

The address is matched as a run matches it (a reviewer's decision first, then the matcher); when it names
no single house, the candidates are listed and the command exits 1. ``--on`` shows the house as it was.
"""

from __future__ import annotations

import datetime as dt
import json

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

errors = Console(stderr=True, soft_wrap=True)  # a path or message is never cut into lines


def register(app: typer.Typer) -> None:
    """Add ``house`` to the ``housekey`` command line."""
    app.command()(house)


def house(
    address: str = typer.Argument(..., help="The address as written, e.g. 瑞金二路123弄4号601."),
    on: str = typer.Option(None, "--on", help="The day to show (YYYY-MM-DD); default the day of the last run."),
    as_json: bool = typer.Option(False, "--json", help="Print the house file as one JSON object."),
) -> None:
    """Find the house an address names and print its file: who lives there now and who did, businesses,
    events, tags with what they mean, and the sources that know it."""
    from resolution.address.lookup import look_up
    from warehouse.database import connect
    from warehouse.house_file import house_file

    with connect(read_only=True) as con:
        match = look_up(con, [address])[0]
        day = _day(con, on)
        if match.house_id is None:
            _no_single_house(con, address, match)
        found = house_file(con, match.house_id, day)
    if as_json:
        record = {
            "address": address,
            "house_id": match.house_id,
            "match_level": match.match_level,
            "match_reason": match.match_reason,
            "on": day,
            **{k: getattr(found, k) for k in ("house", "people", "businesses", "events", "tags", "sources")},
        }
        print(json.dumps(record, ensure_ascii=False, default=str, indent=1))
        return
    _print(address, match, found)


def _day(con, on: str | None) -> dt.date:
    if on:
        try:
            return dt.date.fromisoformat(on)
        except ValueError:
            raise typer.BadParameter(f"{on!r} is not a day (YYYY-MM-DD)", param_hint="--on") from None
    from schemas.clock import run_day
    from warehouse import catalogue

    if catalogue.table_exists(con, "marts", "house_profiles"):
        (last,) = con.execute("SELECT max(as_of) FROM marts.house_profiles").fetchone()
        if last:
            return last
    return run_day()


def _no_single_house(con, address: str, match) -> None:
    errors.print(Text(f"{address}: no single house ({match.match_level}: {match.match_reason})", style="yellow"))
    if match.candidates:
        rows = con.execute(
            "SELECT house_id, canonical_address FROM core.houses WHERE list_contains(?, house_id) ORDER BY house_id",
            [list(match.candidates)],
        ).fetchall()
        errors.print("candidates:")
        for house_id, canonical in rows:
            errors.print(f"  {house_id}  {canonical}")
    raise typer.Exit(1)


def _print(address: str, match, found) -> None:
    from warehouse.house_file import TIE_NAMES

    console = Console() if Console().is_terminal else Console(width=160)  # piped: a page, not 80 columns
    house = found.house
    console.print(Text(f"{house['canonical_address']}  ({house['house_id']})", style="bold"))
    console.print(f"  as of {found.on}; matched at {match.match_level}: {match.match_reason}")
    console.print(
        f"  {house.get('house_kind') or '-'}, {house.get('area_m2') or '-'} m², "
        f"{house.get('committee_name') or '-'} ({house.get('committee_code') or '-'}), grid {house.get('grid_code') or '-'}"
    )
    people = [
        {
            **p,
            "tie": TIE_NAMES.get(p["link_kind"], p["link_kind"]),
            "period": f"{p['valid_from'] or '?'} – {p['valid_to'] or 'now'}",
            "that day": "yes" if p["holds"] else "no",
        }
        for p in found.people
    ]
    _table(
        console,
        "people 人员: who lives there, is registered, owns or rents it, and who did",
        people,
        ["name", "person_id", "tie", "period", "that day", "sources"],
    )
    _table(
        console,
        "businesses 市场主体",
        found.businesses,
        ["legal_name", "sign_name", "business_id", "category", "registered_on"],
    )
    _table(
        console,
        "events 事件, newest first",
        found.events[:20],
        ["occurred_at", "source", "category", "status", "severity"],
    )
    if len(found.events) > 20:
        console.print(f"  … {len(found.events) - 20} older events (--json lists them all)")
    tags = [{**t, "meaning": t["name_en"] or t["description"]} for t in found.tags]
    _table(console, "tags 标签", tags, ["tag_code", "name_zh", "meaning", "since"])
    _table(console, "sources 来源", found.sources, ["source", "records"])


def _table(console: Console, title: str, rows: list[dict], columns: list[str]) -> None:
    if not rows:
        console.print(Text(f"{title}: none", style="dim"))
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            *(
                "" if row.get(c) is None else ", ".join(row[c]) if isinstance(row[c], list) else str(row[c])
                for c in columns
            )
        )
    console.print(table)
