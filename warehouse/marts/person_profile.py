"""marts.person_profiles, 一人一档: everything known about one person, one row per person of core.people.

Identity from core.people (name, sex, birth date, ID number and phone, which the analyst copy masks
and tokenises like every id_number and phone column) and the city person id (core.city_person_ids); where the person lives now (the latest 实有人口
snapshot, tags.residents, else the open ``living`` link of core.links), where they are registered,
the houses they own and rent (open links on the day), the tags they hold now, the sources and
deliveries they were seen in, and the events that name them, in any role: the person concerned, the
other party (a group rental's landlord), or who reported it.
"""

from __future__ import annotations

from datetime import date

import duckdb

from warehouse.marts.changed_keys import Scope, rebuild, write_rows
from warehouse.marts.roles import event_sources

# The rows of the people that {only[column]} keeps (every person, or those whose inputs changed).
PROFILE_SQL = """
WITH
-- links in force on the day: opened by then and not closed before it
links AS (
    SELECT * FROM core.links
    WHERE person_id IS NOT NULL AND {only[person_id]} AND coalesce(valid_from, DATE '1900-01-01') <= $as_of
      AND (valid_to IS NULL OR valid_to >= $as_of)
),
living AS (SELECT person_id, arg_max(house_id, coalesce(valid_from, DATE '1900-01-01')) AS house_id
           FROM links WHERE link_kind = 'living' GROUP BY person_id),
registered AS (SELECT person_id, arg_max(house_id, coalesce(valid_from, DATE '1900-01-01')) AS house_id
               FROM links WHERE link_kind = 'registered' GROUP BY person_id),
tenure AS (
    SELECT person_id, list_sort(list(DISTINCT house_id) FILTER (link_kind = 'owner')) AS owned_house_ids,
           list_sort(list(DISTINCT house_id) FILTER (link_kind = 'tenant')) AS rented_house_ids
    FROM links GROUP BY person_id
),
-- list_sort orders structs by their fields in turn, at 60% of the CPU of an aggregate's ORDER BY
current_tags AS (
    SELECT t.person_id, list_sort(list({{'tag_code': t.tag_code, 'tag_name': c.name_zh}})) AS held
    FROM tags.person_tags t JOIN tags.catalogue c USING (tag_code)
    WHERE t.valid_to IS NULL AND {only[t.person_id]} GROUP BY t.person_id
),
-- each party a record names: its subject (tags.event_records.person_id), the other party, the reporter
parties AS (
    SELECT record_id, _source, _delivery_id, person_id, 'subject' AS party FROM core.person_records
    WHERE {only[person_id]}
    UNION ALL SELECT record_id, _source, _delivery_id, person_id, party FROM core.person_counterparts
    WHERE {only[person_id]}
),
-- the deliveries the person's records came in, in any role (a landlord named only on a lease)
seen AS (
    SELECT r.person_id, list_sort(list(DISTINCT r._source)) AS sources, count(*) AS records,
           min(d.loaded_at) AS first_seen_at, max(d.loaded_at) AS last_seen_at
    FROM parties r LEFT JOIN meta.deliveries d ON d.delivery_id = r._delivery_id
    WHERE r.person_id IS NOT NULL GROUP BY r.person_id
),
-- events naming the person, once each however many houses a building-wide row covers (one row per person and
-- record first, so the counts need no DISTINCT); complaints, care visits and repairs are the ones about the
-- person (a caller of 12345 is its subject)
named AS (
    SELECT p.person_id, e.record_id,
           bool_or(p.party = 'subject' AND list_contains($complaints::VARCHAR[], e.source)) AS is_complaint,
           bool_or(p.party = 'subject' AND list_contains($care_visits::VARCHAR[], e.source)) AS is_care_visit,
           bool_or(p.party = 'subject' AND list_contains($repairs::VARCHAR[], e.source)) AS is_repair,
           bool_or(p.party = 'counterpart') AS is_counterpart, bool_or(p.party = 'reporter') AS is_reporter,
           max(e.occurred_at) AS occurred_at
    FROM tags.event_records e JOIN parties p USING (record_id)
    GROUP BY p.person_id, e.record_id
),
events AS (
    SELECT person_id, count(*) AS events, count(*) FILTER (is_complaint) AS complaints,
           count(*) FILTER (is_care_visit) AS care_visits, count(*) FILTER (is_repair) AS repairs,
           count(*) FILTER (is_counterpart) AS events_as_counterpart, count(*) FILTER (is_reporter) AS events_as_reporter,
           max(occurred_at) AS last_event_at
    FROM named GROUP BY person_id
)
SELECT p.person_id, cp.city_person_id, p.name, p.sex, p.birth_date,
       date_diff('year', p.birth_date, $as_of) - (strftime($as_of, '%m%d') < strftime(p.birth_date, '%m%d'))::INT AS age,
       p.id_number, p.phone,
       hh.house_id AS home_house_id, hh.canonical_address AS home_address, hh.committee_code, hh.committee_name,
       hh.grid_code, res.residence_reason, res.person_id IS NOT NULL AS is_actual_resident,
       reg.house_id AS registered_house_id, rh.canonical_address AS registered_address,
       coalesce(tn.owned_house_ids, []) AS owned_house_ids, coalesce(tn.rented_house_ids, []) AS rented_house_ids,
       coalesce(list_transform(ct.held, lambda t: t.tag_code), []) AS tag_codes,
       coalesce(list_transform(ct.held, lambda t: t.tag_name), []) AS tag_names,
       coalesce(s.sources, []) AS sources, coalesce(s.records, 0) AS records, s.first_seen_at, s.last_seen_at,
       coalesce(e.events, 0) AS events, coalesce(e.complaints, 0) AS complaints,
       coalesce(e.care_visits, 0) AS care_visits, coalesce(e.repairs, 0) AS repairs,
       coalesce(e.events_as_counterpart, 0) AS events_as_counterpart,
       coalesce(e.events_as_reporter, 0) AS events_as_reporter, e.last_event_at
FROM core.people p
LEFT JOIN core.city_person_ids cp USING (person_id)
LEFT JOIN tags.residents res USING (person_id)
LEFT JOIN living lv USING (person_id)
LEFT JOIN core.houses hh ON hh.house_id = coalesce(res.house_id, lv.house_id)
LEFT JOIN registered reg USING (person_id)
LEFT JOIN core.houses rh ON rh.house_id = reg.house_id
LEFT JOIN tenure tn USING (person_id)
LEFT JOIN current_tags ct USING (person_id)
LEFT JOIN seen s USING (person_id)
LEFT JOIN events e USING (person_id)
WHERE {only[p.person_id]}
"""
# Every input row a person's profile reads, hashed (the register and the tag catalogue are the basis): the record
# naming them in each role, with its delivery's landing and its event's columns.
INPUTS_SQL = """
SELECT person_id AS key, hash(name, sex, birth_date, id_number, phone) AS h FROM core.people
UNION ALL SELECT person_id, hash(city_person_id) FROM core.city_person_ids
UNION ALL SELECT person_id, hash(house_id, residence_reason) FROM tags.residents
UNION ALL SELECT person_id, hash(link_kind, house_id, valid_from, valid_to) FROM core.links WHERE person_id IS NOT NULL
UNION ALL SELECT person_id, hash(tag_code) FROM tags.person_tags WHERE valid_to IS NULL
UNION ALL
SELECT p.person_id, hash(p.record_id, p._source, p._delivery_id, p.party, d.loaded_at, e.source, e.occurred_at)
FROM (SELECT record_id, _source, _delivery_id, person_id, 'subject' AS party FROM core.person_records
      UNION ALL SELECT record_id, _source, _delivery_id, person_id, party FROM core.person_counterparts) p
LEFT JOIN meta.deliveries d ON d.delivery_id = p._delivery_id LEFT JOIN tags.event_records e USING (record_id)
WHERE p.person_id IS NOT NULL
"""


def build_person_profiles(con: duckdb.DuckDBPyConnection, as_of: date) -> int:
    """Bring marts.person_profiles up to date for the day ``as_of`` (ages, links in force), rebuilding the people
    whose inputs changed (warehouse/marts/changed_keys.py); returns the number of people."""
    params = {"as_of": as_of, **event_sources("complaints", "care_visits", "repairs")}

    def write(whole: bool) -> None:
        rows = PROFILE_SQL.format(only=Scope(whole))
        write_rows(con, "person_profiles", "person_id", rows, params, whole, order="person_id")

    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    rebuild(con, "person_profiles", ["person_profiles"], INPUTS_SQL, params, write)
    return con.execute("SELECT count(*) FROM marts.person_profiles").fetchone()[0]
