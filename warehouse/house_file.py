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


def _rows(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict) -> list[dict]:
    cursor = con.execute(sql, parameters)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _by_house(rows: list[dict]) -> dict[str, list[dict]]:
    """Rows (each with its ``house_id``, dropped) per house, in the query's order."""
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row.pop("house_id"), []).append(row)
    return grouped


def house_file(con: duckdb.DuckDBPyConnection, house_id: str, on: dt.date) -> HouseFile | None:
    """The house's file as of ``on``, or None when the register has no such house."""
    return house_files(con, [house_id], on).get(house_id)


def house_files(con: duckdb.DuckDBPyConnection, house_ids: list[str], on: dt.date) -> dict[str, HouseFile]:
    """The files of ``house_ids`` as of ``on``, by house id (houses the register lacks are left out): one query per
    part for all of them, not one per house (every part scans its table: per house, the site's pages took most of
    a large subdistrict's run)."""
    chosen = {"houses": house_ids}
    at = {**chosen, "on": on}
    houses = {
        row["house_id"]: row
        for row in _rows(con, "SELECT * FROM core.houses WHERE list_contains($houses, house_id)", chosen)
    }
    kinds = ", ".join(f"'{k}'" for k in PERSON_TIES)
    people = _by_house(
        _rows(
            con,
            f"""SELECT l.house_id, l.person_id, p.name, l.link_kind, l.valid_from, l.valid_to, l.sources,
                       coalesce(l.valid_from <= $on, true) AND coalesce(l.valid_to >= $on, true) AS holds
                FROM core.links l LEFT JOIN core.people p USING (person_id)
                WHERE list_contains($houses, l.house_id) AND l.link_kind IN ({kinds})
                  AND coalesce(l.valid_from <= $on, true)
                ORDER BY l.house_id, holds DESC, list_position([{kinds}], l.link_kind), l.valid_from DESC NULLS LAST,
                         l.person_id""",
            at,
        )
    )
    businesses = _by_house(
        _rows(
            con,
            """SELECT house_id, business_id, legal_name, sign_name, credit_code, category, registered_on,
                      is_deregistered, sources
               FROM core.businesses WHERE list_contains($houses, house_id) AND coalesce(registered_on <= $on, true)
               ORDER BY house_id, business_id""",
            at,
        )
    )
    events = {}
    if catalogue.table_exists(con, "marts", "events"):
        events = _by_house(
            _rows(
                con,
                """SELECT house_id, event_id, source, category, occurred_at, closed_at, status, severity, business_id
                   FROM marts.events WHERE list_contains($houses, house_id) AND occurred_at < $on + INTERVAL 1 DAY
                   ORDER BY house_id, occurred_at DESC, event_id""",
                at,
            )
        )
    tags = {}
    if catalogue.table_exists(con, "tags", "house_tags"):
        tags = _by_house(
            _rows(
                con,
                """SELECT t.house_id, t.tag_code, c.name_zh, c.name_en, t.valid_from::DATE AS since, c.description
                   FROM tags.house_tags t LEFT JOIN tags.catalogue c USING (tag_code)
                   WHERE list_contains($houses, t.house_id) AND t.valid_from < $on + INTERVAL 1 DAY
                     AND (t.valid_to IS NULL OR t.valid_to >= $on + INTERVAL 1 DAY)
                   ORDER BY t.house_id, t.tag_code""",
                at,
            )
        )
    sources = _by_house(
        _rows(
            con,
            "SELECT house_id, source, count(*) AS records FROM core.address_matches "
            "WHERE list_contains($houses, house_id) GROUP BY house_id, source ORDER BY house_id, records DESC, source",
            chosen,
        )
    )
    return {
        house_id: HouseFile(
            on,
            house,
            people.get(house_id, []),
            businesses.get(house_id, []),
            events.get(house_id, []),
            tags.get(house_id, []),
            sources.get(house_id, []),
        )
        for house_id, house in houses.items()
    }
