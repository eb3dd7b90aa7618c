"""The house file (一房一档) of one house on one day, read from the warehouse: the house, who lives there and
who did, its businesses, events and tags with what they mean, and the sources that know it.

A day in the past shows the house as the warehouse knows it was then: the ties (core.links) that held that
day, the tags held that day, the events up to it. ``housekey house`` prints it; a page of the report site
can render the same record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from warehouse import catalogue

PERSON_TIES = ("living", "registered", "owner", "tenant")
"""core.links kinds that tie a person to a house, in the order a house file lists them."""
TIE_NAMES = {"living": "居住 lives", "registered": "户籍 registered", "owner": "产权 owns", "tenant": "租住 rents"}


@dataclass(frozen=True)
class HouseFile:
    on: dt.date
    house: dict
    """core.houses' row: canonical_address, committee, grid, house_kind, area_m2 …"""
    people: list[dict]
    """Every person tie to the house: person_id, name, link_kind, valid_from, valid_to, sources, holds (that day)."""
    businesses: list[dict]
    events: list[dict]
    """Events at the house up to the day, newest first."""
    tags: list[dict]
    """Tags the house held that day: tag_code, name_zh, name_en, since, description."""
    sources: list[dict]
    """Sources with records matched to the house: source, records."""

    @property
    def residents(self) -> list[dict]:
        """Who lived there that day."""
        return [p for p in self.people if p["link_kind"] == "living" and p["holds"]]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, parameters: list) -> list[dict]:
    cursor = con.execute(sql, parameters)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def house_file(con: duckdb.DuckDBPyConnection, house_id: str, on: dt.date) -> HouseFile | None:
    """The house's file as of ``on``, or None when the register has no such house."""
    houses = _rows(con, "SELECT * FROM core.houses WHERE house_id = ?", [house_id])
    if not houses:
        return None
    kinds = ", ".join(f"'{k}'" for k in PERSON_TIES)
    people = _rows(
        con,
        f"""SELECT l.person_id, p.name, l.link_kind, l.valid_from, l.valid_to, l.sources,
                   coalesce(l.valid_from <= $on, true) AND coalesce(l.valid_to >= $on, true) AS holds
            FROM core.links l LEFT JOIN core.people p USING (person_id)
            WHERE l.house_id = $house AND l.link_kind IN ({kinds})
              AND coalesce(l.valid_from <= $on, true)
            ORDER BY holds DESC, list_position([{kinds}], l.link_kind), l.valid_from DESC NULLS LAST, l.person_id""",
        {"house": house_id, "on": on},
    )
    businesses = _rows(
        con,
        """SELECT business_id, legal_name, sign_name, credit_code, category, registered_on, is_deregistered, sources
           FROM core.businesses WHERE house_id = $house AND coalesce(registered_on <= $on, true) ORDER BY business_id""",
        {"house": house_id, "on": on},
    )
    events = []
    if catalogue.table_exists(con, "marts", "events"):
        events = _rows(
            con,
            """SELECT event_id, source, category, occurred_at, closed_at, status, severity, business_id
               FROM marts.events WHERE house_id = $house AND occurred_at < $on + INTERVAL 1 DAY
               ORDER BY occurred_at DESC, event_id""",
            {"house": house_id, "on": on},
        )
    tags = []
    if catalogue.table_exists(con, "tags", "house_tags"):
        tags = _rows(
            con,
            """SELECT t.tag_code, c.name_zh, c.name_en, t.valid_from::DATE AS since, c.description
               FROM tags.house_tags t LEFT JOIN tags.catalogue c USING (tag_code)
               WHERE t.house_id = $house AND t.valid_from < $on + INTERVAL 1 DAY
                 AND (t.valid_to IS NULL OR t.valid_to >= $on + INTERVAL 1 DAY)
               ORDER BY t.tag_code""",
            {"house": house_id, "on": on},
        )
    sources = _rows(
        con,
        "SELECT source, count(*) AS records FROM core.address_matches WHERE house_id = ? GROUP BY source "
        "ORDER BY records DESC, source",
        [house_id],
    )
    return HouseFile(on, houses[0], people, businesses, events, tags, sources)
