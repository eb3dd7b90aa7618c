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


def _parts(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each part of a house file as a query of rows that begin with their ``house_id``, for the houses ``{where}``
    keeps (with ``$on``, the day), in the order the file lists them; events and tags once their tables exist."""
    kinds = ", ".join(f"'{k}'" for k in PERSON_TIES)
    parts = {
        "house": "SELECT * FROM core.houses h WHERE {where}",
        "people": f"""SELECT l.house_id, l.person_id, p.name, l.link_kind, l.valid_from, l.valid_to, l.sources,
                       coalesce(l.valid_from <= $on, true) AND coalesce(l.valid_to >= $on, true) AS holds
                FROM core.links l LEFT JOIN core.people p USING (person_id)
                WHERE {{where}} AND l.link_kind IN ({kinds}) AND coalesce(l.valid_from <= $on, true)
                ORDER BY l.house_id, holds DESC, list_position([{kinds}], l.link_kind), l.valid_from DESC NULLS LAST,
                         l.person_id""",
        "businesses": """SELECT house_id, business_id, legal_name, sign_name, credit_code, category, registered_on,
                      is_deregistered, sources
               FROM core.businesses b WHERE {where} AND coalesce(registered_on <= $on, true)
               ORDER BY house_id, business_id""",
    }
    if catalogue.table_exists(con, "marts", "events"):
        parts["events"] = """SELECT house_id, event_id, source, category, occurred_at, closed_at, status, severity,
                   business_id
                   FROM marts.events e WHERE {where} AND occurred_at < $on + INTERVAL 1 DAY
                   ORDER BY house_id, occurred_at DESC, event_id"""
    if catalogue.table_exists(con, "tags", "house_tags"):
        parts["tags"] = """SELECT t.house_id, t.tag_code, c.name_zh, c.name_en, t.valid_from::DATE AS since,
                   c.description
                   FROM tags.house_tags t LEFT JOIN tags.catalogue c USING (tag_code)
                   WHERE {where} AND t.valid_from < $on + INTERVAL 1 DAY
                     AND (t.valid_to IS NULL OR t.valid_to >= $on + INTERVAL 1 DAY)
                   ORDER BY t.house_id, t.tag_code"""
    parts["sources"] = (
        "SELECT house_id, source, count(*) AS records FROM core.address_matches m WHERE {where} "
        "GROUP BY house_id, source ORDER BY house_id, records DESC, source"
    )
    return parts


_CHOSEN = {"house": "h", "people": "l", "businesses": "b", "events": "e", "tags": "t", "sources": "m"}
"""The alias whose ``house_id`` each part keeps to the chosen houses."""
FILE_PARTS = ("people", "businesses", "events", "tags", "sources")
"""The parts of a house file after the house itself, in HouseFile's order."""


def house_files(con: duckdb.DuckDBPyConnection, house_ids: list[str], on: dt.date) -> dict[str, HouseFile]:
    """The files of ``house_ids`` as of ``on``, by house id (houses the register lacks are left out): one query per
    part for all of them, not one per house (every part scans its table: per house, the site's pages took most of
    a large subdistrict's run). A part keeps the chosen houses by a semi join: 0.91 s for the six parts of 5,000
    houses of the 200,000-person warehouse, 1.06-1.30 s with ``list_contains`` on each row."""
    found = {
        name: _rows(
            con,
            sql.format(where=f"{_CHOSEN[name]}.house_id IN (SELECT unnest($houses))"),
            {"houses": house_ids, "on": on} if "$on" in sql else {"houses": house_ids},
        )
        for name, sql in _parts(con).items()
    }
    houses = {row["house_id"]: row for row in found.pop("house")}
    parts = {name: _by_house(rows) for name, rows in found.items()}
    return {
        house_id: HouseFile(on, house, *(parts.get(name, {}).get(house_id, []) for name in FILE_PARTS))
        for house_id, house in houses.items()
    }


def house_file_inputs(con: duckdb.DuckDBPyConnection, on: dt.date) -> dict[str, int]:
    """Per house of the register, a hash of every row its file as of ``on`` is made of (the count and sum of the
    rows' hashes, part by part): equal hashes, equal files, but for a chance of one in 2^64."""
    sums = " UNION ALL ".join(
        f"SELECT house_id, '{name}' AS part, hash(count(*), sum(hash(*COLUMNS(*)))) AS rows "
        f"FROM ({sql.format(where='true')}) GROUP BY house_id"
        for name, sql in _parts(con).items()
    )
    return dict(
        con.execute(
            f"SELECT house_id, hash(list(rows ORDER BY part)) FROM ({sums}) GROUP BY house_id "
            "HAVING bool_or(part = 'house')",
            {"on": on},
        ).fetchall()
    )
