"""marts.committee_stats and marts.grid_stats: one row per residents' committee (居委会) and per micro-grid
(网格) with its houses, residents, the groups social workers count, businesses and events.

Residents are today's (tags.residents, from the latest 实有人口); group counts are the members of a tag
now (tags.person_tags / house_tags), so a new tag in the catalogue can be added here by one line.
"""

from __future__ import annotations

import duckdb

from warehouse.marts.roles import PATROL_FINDING, event_sources

# column of the statistics -> (entity, tag code): people of the area holding the tag now, or its houses
TAG_COUNTS = {
    "elderly": ("person", "elderly"),
    "elderly_living_alone": ("person", "elderly_living_alone"),
    "disabled_people": ("person", "disabled_person"),
    "low_income_people": ("person", "low_income_person"),
    "rented_homes": ("house", "rented_home"),
    "group_rentals": ("house", "group_rental"),
}
AREAS = {"committee_stats": ("committee_code", "committee_name"), "grid_stats": ("grid_code", None)}


def _tag_counts() -> str:
    """One count column per TAG_COUNTS entry, over the area's current tag holders."""
    return ",\n".join(
        f"count(DISTINCT t.member_id) FILTER (t.column_name = '{column}') AS {column}" for column in TAG_COUNTS
    )


def build_area_stats(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)build marts.committee_stats and marts.grid_stats; returns their row counts."""
    holders = " UNION ALL ".join(
        f"SELECT '{column}' AS column_name, {'r.house_id' if entity == 'person' else 't.house_id'} AS house_id, "
        f"t.{entity}_id AS member_id FROM tags.{entity}_tags t "
        + ("JOIN tags.residents r USING (person_id) " if entity == "person" else "")
        + f"WHERE t.tag_code = '{code}' AND t.valid_to IS NULL"
        for column, (entity, code) in TAG_COUNTS.items()
    )
    businesses = "SELECT business_id, house_id FROM core.businesses WHERE NOT coalesce(is_deregistered, false)"
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    counts = {}
    for table, (area, area_name) in AREAS.items():
        con.execute(
            f"""CREATE OR REPLACE TABLE marts.{table} AS
        WITH
        houses AS (SELECT house_id, {area} AS area FROM core.houses),
        residents AS (SELECT h.area, count(*) AS residents, count(DISTINCT r.house_id) AS occupied_houses
                      FROM tags.residents r JOIN houses h USING (house_id) GROUP BY h.area),
        tagged AS (SELECT h.area, {_tag_counts()} FROM ({holders}) t JOIN houses h USING (house_id) GROUP BY h.area),
        businesses AS (SELECT h.area, count(DISTINCT b.business_id) AS businesses
                       FROM ({businesses}) b JOIN houses h USING (house_id) GROUP BY h.area),
        events AS (SELECT {area} AS area,
                          count(*) FILTER (list_contains($complaints::VARCHAR[], source)) AS complaints,
                          count(*) FILTER ({PATROL_FINDING}) AS patrol_findings,
                          count(*) FILTER (list_contains($repairs::VARCHAR[], source)) AS repairs,
                          count(*) FILTER (severity = 'serious') AS serious_events,
                          count(*) FILTER (is_open) AS open_problems
                   FROM marts.events WHERE {area} IS NOT NULL GROUP BY ALL),
        warnings AS (SELECT {area} AS area, count(*) AS early_warnings FROM marts.hotspots
                     WHERE is_early_warning AND {area} IS NOT NULL GROUP BY ALL)
        SELECT h.area AS {area}, {f"any_value(c.{area_name}) AS {area_name}, " if area_name else ""}
               count(*) AS houses, coalesce(any_value(r.occupied_houses), 0) AS occupied_houses,
               coalesce(any_value(r.residents), 0) AS residents,
               {", ".join(f"coalesce(any_value(t.{c}), 0) AS {c}" for c in TAG_COUNTS)},
               coalesce(any_value(b.businesses), 0) AS businesses,
               {", ".join(f"coalesce(any_value(e.{c}), 0) AS {c}" for c in ("complaints", "patrol_findings", "repairs", "serious_events", "open_problems"))},
               coalesce(any_value(w.early_warnings), 0) AS early_warnings
        FROM houses h {"JOIN core.houses c USING (house_id)" if area_name else ""}
        LEFT JOIN residents r USING (area) LEFT JOIN tagged t USING (area) LEFT JOIN businesses b USING (area)
        LEFT JOIN events e USING (area) LEFT JOIN warnings w USING (area)
        WHERE h.area IS NOT NULL GROUP BY h.area ORDER BY h.area""",
            event_sources("complaints", "patrols", "repairs"),
        )
        counts[table] = con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0]
    return counts
