"""marts.business_profiles, 一企一档: everything known about one business, one row per business of core.businesses.

Names, credit code and category from core.businesses; entity type, legal person and status from the
latest market registration (市场主体登记); the premises house with its committee and grid; the food
and outdoor-seating licences with their validity; the tags it holds now; and the events attributed to
it (marts.events): complaints, patrol findings and urban management cases in the last 90 and 365 days
before the day, and the cases still open.
"""

from __future__ import annotations

from datetime import date

import duckdb

from connectors.spec import sources_with
from warehouse.marts.roles import PATROL_FINDING, event_sources

PROFILE_SQL = f"""
CREATE OR REPLACE TABLE marts.business_profiles AS
WITH
registration AS (
    SELECT business_id, arg_max(entity_type, row_number) AS entity_type, arg_max(legal_person, row_number) AS legal_person,
           arg_max(status, row_number) AS status, arg_max(phone, row_number) AS phone
    FROM tags.business_records
    WHERE list_contains($registration::VARCHAR[], source) AND is_current AND business_id IS NOT NULL
    GROUP BY business_id
),
-- the current delivery's licence that runs longest (its start and end); whether it is valid on the day is below
licences AS (
    SELECT business_id,
           arg_max(valid_from, coalesce(valid_to, DATE '9999-12-31')) FILTER (list_contains($food::VARCHAR[], source))
               AS food_licence_from,
           max(valid_to) FILTER (list_contains($food::VARCHAR[], source)) AS food_licence_to,
           arg_max(valid_from, coalesce(valid_to, DATE '9999-12-31')) FILTER (list_contains($outdoor::VARCHAR[], source))
               AS outdoor_seating_from,
           max(valid_to) FILTER (list_contains($outdoor::VARCHAR[], source)) AS outdoor_seating_to
    FROM tags.business_records
    WHERE list_contains($food::VARCHAR[] || $outdoor::VARCHAR[], source) AND is_current AND business_id IS NOT NULL
    GROUP BY business_id
),
current_tags AS (
    SELECT t.business_id, list(t.tag_code ORDER BY t.tag_code) AS tag_codes, list(c.name_zh ORDER BY t.tag_code) AS tag_names
    FROM tags.business_tags t JOIN tags.catalogue c USING (tag_code)
    WHERE t.valid_to IS NULL GROUP BY t.business_id
),
events AS (
    SELECT business_id,
           count(*) FILTER (list_contains($complaints::VARCHAR[], source) AND occurred_at::DATE > $as_of - INTERVAL 90 DAY)
               AS complaints_90d,
           count(*) FILTER (list_contains($complaints::VARCHAR[], source) AND occurred_at::DATE > $as_of - INTERVAL 365 DAY)
               AS complaints_365d,
           count(*) FILTER ({PATROL_FINDING} AND occurred_at::DATE > $as_of - INTERVAL 90 DAY) AS patrol_findings_90d,
           count(*) FILTER ({PATROL_FINDING} AND occurred_at::DATE > $as_of - INTERVAL 365 DAY) AS patrol_findings_365d,
           count(*) FILTER (list_contains($urban_cases::VARCHAR[], source) AND occurred_at::DATE > $as_of - INTERVAL 90 DAY)
               AS urban_cases_90d,
           count(*) FILTER (list_contains($urban_cases::VARCHAR[], source) AND occurred_at::DATE > $as_of - INTERVAL 365 DAY)
               AS urban_cases_365d,
           count(*) FILTER (is_open) AS open_cases, max(occurred_at) AS last_event_at
    FROM marts.events WHERE business_id IS NOT NULL AND occurred_at::DATE <= $as_of GROUP BY business_id
)
SELECT b.business_id, b.legal_name, b.sign_name AS shop_name, b.credit_code, b.category, r.entity_type, r.legal_person,
       r.phone, r.status, coalesce(b.is_deregistered, false) AS is_deregistered, b.registered_on,
       b.house_id, h.canonical_address AS address, h.committee_code, h.committee_name, h.grid_code,
       l.food_licence_from, l.food_licence_to,
       coalesce(l.food_licence_from <= $as_of AND coalesce(l.food_licence_to >= $as_of, true), false) AS has_food_licence,
       l.outdoor_seating_from, l.outdoor_seating_to,
       coalesce(l.outdoor_seating_from <= $as_of AND coalesce(l.outdoor_seating_to >= $as_of, true), false)
           AS has_outdoor_seating_permit,
       coalesce(ct.tag_codes, []) AS tag_codes, coalesce(ct.tag_names, []) AS tag_names,
       coalesce(e.complaints_90d, 0) AS complaints_90d, coalesce(e.complaints_365d, 0) AS complaints_365d,
       coalesce(e.patrol_findings_90d, 0) AS patrol_findings_90d, coalesce(e.patrol_findings_365d, 0) AS patrol_findings_365d,
       coalesce(e.urban_cases_90d, 0) AS urban_cases_90d, coalesce(e.urban_cases_365d, 0) AS urban_cases_365d,
       coalesce(e.open_cases, 0) AS open_cases, e.last_event_at,
       b.sources, b.records
FROM core.businesses b
LEFT JOIN core.houses h USING (house_id)
LEFT JOIN registration r USING (business_id)
LEFT JOIN licences l USING (business_id)
LEFT JOIN current_tags ct USING (business_id)
LEFT JOIN events e USING (business_id)
ORDER BY b.business_id
"""


def build_business_profiles(con: duckdb.DuckDBPyConnection, as_of: date) -> int:
    """Rebuild marts.business_profiles for the day ``as_of`` (windows, licences in force); returns the businesses."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    described = {
        "registration": sources_with(business="registration"),
        "food": sources_with(business="food_licence"),
        "outdoor": sources_with(business="outdoor_seating_permit"),
    }
    con.execute(PROFILE_SQL, {"as_of": as_of, **described, **event_sources("complaints", "patrols", "urban_cases")})
    return con.execute("SELECT count(*) FROM marts.business_profiles").fetchone()[0]
