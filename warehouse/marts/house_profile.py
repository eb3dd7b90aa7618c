"""marts.house_profiles, 一房一档: everything known about one house, one row per house of the register.

Register facts from core.houses; the tags it holds now and every tag it ever held (with valid_from and
valid_to); how many records each source holds about it; the people, businesses and events linked to
it. People come from core.links and core.people, which the asset declares as its dependencies.
"""

from __future__ import annotations

import duckdb

from connectors.spec import sources_with
from warehouse.marts.changed_keys import Scope, rebuild, write_rows
from warehouse.marts.roles import PATROL_FINDING, event_sources

# The rows of the houses that {only[column]} keeps (every house, or those whose inputs changed).
PROFILE_SQL = """
WITH
-- the tags the house holds now, and every tag it held; list_sort orders structs by their fields in turn, at
-- 60% of the CPU of an aggregate's ORDER BY
current_tags AS (
    SELECT t.house_id, list_sort(list({{'tag_code': t.tag_code, 'tag_name': c.name_zh}})) AS held
    FROM tags.house_tags t JOIN tags.catalogue c USING (tag_code)
    WHERE t.valid_to IS NULL AND {only[t.house_id]} GROUP BY t.house_id
),
tag_history AS (
    SELECT house_id, list_sort(list({{'valid_from': valid_from, 'tag_code': tag_code, 'valid_to': valid_to}})) AS held
    FROM tags.house_tags WHERE {only[house_id]} GROUP BY house_id
),
-- records of each source matched to the house (room or door level)
source_counts AS (
    SELECT house_id, map_from_entries(list_sort(list({{'k': source, 'v': records}}))) AS records_by_source,
           sum(records)::BIGINT AS records
    FROM (SELECT house_id, source, count(*) AS records FROM core.address_matches
          WHERE house_id IS NOT NULL AND NOT list_contains($register::VARCHAR[], source) AND {only[house_id]} GROUP BY ALL)
    GROUP BY house_id
),
-- people linked to the house, and who lives there now
people AS (
    SELECT house_id, count(DISTINCT person_id) AS people_linked,
           list_sort(list(DISTINCT {{'person_id': person_id, 'name': name}})) AS people
    FROM (SELECT l.house_id, l.person_id, p.name FROM core.links l LEFT JOIN core.people p USING (person_id)
          WHERE l.house_id IS NOT NULL AND l.person_id IS NOT NULL AND l.valid_to IS NULL AND {only[l.house_id]})
    GROUP BY house_id
),
residents AS (
    SELECT house_id, count(*) AS residents FROM tags.residents WHERE {only[house_id]} GROUP BY house_id
),
businesses AS (
    SELECT house_id, list_sort(list(DISTINCT {{'business_id': business_id, 'legal_name': legal_name}})) AS businesses
    FROM tags.business_records
    WHERE house_id IS NOT NULL AND business_id IS NOT NULL AND coalesce(status, '') NOT LIKE '%注销%' AND {only[house_id]}
    GROUP BY house_id
),
-- events at the house itself (not building-wide checks)
events AS (
    SELECT house_id, count(*) AS events,
           count(*) FILTER (list_contains($complaints::VARCHAR[], source)) AS complaints,
           count(*) FILTER (list_contains($repairs::VARCHAR[], source)) AS repairs,
           count(*) FILTER ({patrol_finding}) AS patrol_findings,
           max(occurred_at) AS last_event_at
    FROM tags.event_records WHERE house_id IS NOT NULL AND NOT is_building_wide AND {only[house_id]} GROUP BY house_id
)
SELECT h.house_id, h.canonical_address AS address, h.house_kind, h.area_m2, h.committee_code, h.committee_name,
       h.grid_code, h.road, h.lane_no, h.door_no, h.compound, h.building_no, h.unit_no, h.floor_no, h.room_no,
       coalesce(r.residents, 0) AS residents,
       coalesce(p.people_linked, 0) AS people_linked, coalesce(p.people, []) AS people,
       coalesce(b.businesses, []) AS businesses,
       coalesce(e.events, 0) AS events, coalesce(e.complaints, 0) AS complaints, coalesce(e.repairs, 0) AS repairs,
       coalesce(e.patrol_findings, 0) AS patrol_findings, e.last_event_at,
       coalesce(list_transform(ct.held, lambda t: t.tag_code), []) AS tag_codes,
       coalesce(list_transform(ct.held, lambda t: t.tag_name), []) AS tag_names,
       coalesce(list_transform(th.held, lambda t: {{'tag_code': t.tag_code, 'valid_from': t.valid_from, 'valid_to': t.valid_to}}),
                []) AS tag_history,
       coalesce(sc.records, 0) AS records, sc.records_by_source
FROM core.houses h
LEFT JOIN residents r USING (house_id)
LEFT JOIN people p USING (house_id)
LEFT JOIN businesses b USING (house_id)
LEFT JOIN events e USING (house_id)
LEFT JOIN current_tags ct USING (house_id)
LEFT JOIN tag_history th USING (house_id)
LEFT JOIN source_counts sc USING (house_id)
WHERE {only[h.house_id]}
"""
# Every input row a house's profile reads, hashed (the register and the tag catalogue are the basis).
INPUTS_SQL = """
SELECT house_id AS key, hash(person_id) AS h FROM tags.residents
UNION ALL
SELECT l.house_id, hash(l.person_id, p.name) FROM core.links l LEFT JOIN core.people p USING (person_id)
WHERE l.house_id IS NOT NULL AND l.person_id IS NOT NULL AND l.valid_to IS NULL
UNION ALL
SELECT house_id, hash(business_id, legal_name, status) FROM tags.business_records
WHERE house_id IS NOT NULL AND business_id IS NOT NULL
UNION ALL
SELECT house_id, hash(record_id, source, category, occurred_at) FROM tags.event_records
WHERE house_id IS NOT NULL AND NOT is_building_wide
UNION ALL
SELECT house_id, hash(tag_code, valid_from, valid_to) FROM tags.house_tags
UNION ALL
SELECT house_id, hash(record_id, source) FROM core.address_matches WHERE house_id IS NOT NULL
"""


def build_house_profiles(con: duckdb.DuckDBPyConnection) -> int:
    """Bring marts.house_profiles up to date (after the tags and the links), rebuilding the houses whose inputs
    changed (warehouse/marts/changed_keys.py); returns the number of houses."""
    params = {"register": sources_with(house_register=True), **event_sources("complaints", "repairs", "patrols")}

    def write(whole: bool) -> None:
        rows = PROFILE_SQL.format(patrol_finding=PATROL_FINDING, only=Scope(whole))
        write_rows(con, "house_profiles", "house_id", rows, params, whole, order="house_id")

    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    rebuild(con, "house_profiles", ["house_profiles"], INPUTS_SQL, params, write)
    return con.execute("SELECT count(*) FROM marts.house_profiles").fetchone()[0]
