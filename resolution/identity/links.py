"""Links with time: who and what is tied to which house, and when -> ``core.links``.

One row per (link_kind, person, business or event, house): the dates the sources give for it
(registration, lease, licence, event times), the sources that support it and how many records.

- person <-> house (``registered``, ``living``, ``owner``, ``tenant``): a person record
  (``core.person_records``) of a source that says so, at its matched house; skipped while people are
  not yet resolved;
- business <-> house (``premises``): a business record at its matched house;
- event <-> house (``event_house``) and event <-> business (``event_business``): the attributions.
"""
from __future__ import annotations

import duckdb

# What a record of each source says about the person and the house at its address.
PERSON_HOUSE_KINDS = {
    "household_registration": "registered",
    "actual_residents": "living",
    "contact_book": "living",
    "family_doctor": "living",
    "property_ownership": "owner",
    "rental_registration": "tenant",
}

LINKS_SQL = """
CREATE OR REPLACE TABLE core.links AS
SELECT 'premises' AS link_kind, NULL::VARCHAR AS person_id, business_id, NULL::VARCHAR AS event_id, house_id,
       min(valid_from) AS valid_from, NULL::DATE AS valid_to,
       list(DISTINCT _source ORDER BY _source) AS sources, count(*) AS records
FROM core.business_records WHERE house_id IS NOT NULL GROUP BY ALL
UNION ALL
SELECT 'event_house', NULL, NULL, event_id, house_id, min(occurred_at)::DATE, max(closed_at)::DATE,
       list(DISTINCT _source ORDER BY _source), count(*)
FROM core.event_attributions WHERE house_id IS NOT NULL GROUP BY ALL
UNION ALL
SELECT 'event_business', NULL, business_id, event_id, any_value(house_id), min(occurred_at)::DATE, max(closed_at)::DATE,
       list(DISTINCT _source ORDER BY _source), count(*)
FROM core.event_attributions WHERE business_id IS NOT NULL GROUP BY ALL
{people}
ORDER BY link_kind, house_id, person_id, business_id, event_id
"""


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def _person_links(con: duckdb.DuckDBPyConnection) -> str:
    """The person <-> house part of LINKS_SQL: one SELECT per source that says how a person is tied."""
    if not _has_table(con, "core", "person_records"):
        return ""
    parts = []
    for source, kind in PERSON_HOUSE_KINDS.items():
        if not _has_table(con, "staging", source):
            continue
        columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_schema = 'staging' AND table_name = ?", [source]).fetchall()}
        date = lambda c: f"s.{c}" if c in columns else "NULL::DATE"  # noqa: E731
        parts.append(f"""
            SELECT '{kind}', p.person_id, NULL, NULL, m.house_id, min({date('valid_from')}), max({date('valid_to')}),
                   ['{source}'], count(*)
            FROM staging."{source}" s
            JOIN core.person_records p ON p._source = s._source AND p._delivery_id = s._delivery_id
             AND p._row_number = s._row_number AND p._sheet IS NOT DISTINCT FROM s._sheet
            JOIN core.address_matches m ON m.source = s._source AND m._delivery_id = s._delivery_id
             AND m._row_number = s._row_number AND m._sheet IS NOT DISTINCT FROM s._sheet
            WHERE p.person_id IS NOT NULL AND m.house_id IS NOT NULL AND m.match_level IN ('room', 'door')
            GROUP BY ALL""")
    if not parts:
        return ""
    # one row per person, house and kind however many sources say it
    return f"""UNION ALL
        SELECT link_kind, person_id, NULL, NULL, house_id, min(valid_from), max(valid_to), list_sort(list_distinct(flatten(list(sources)))), sum(records)
        FROM ({' UNION ALL '.join(parts)}) AS t(link_kind, person_id, b, e, house_id, valid_from, valid_to, sources, records)
        GROUP BY link_kind, person_id, house_id"""


def build_links(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild core.links from business records, event attributions and, once resolved, person records."""
    con.execute(LINKS_SQL.format(people=_person_links(con)))
    return dict(con.execute("SELECT link_kind, count(*) FROM core.links GROUP BY 1 ORDER BY 1").fetchall())
