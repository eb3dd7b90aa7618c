"""Links with time: who and what is tied to which house, and when -> ``core.links``.

One row per (link_kind, person, business or event, house): the dates the sources give for it
(registration, lease, licence, event times), the sources that support it and how many records.

- person <-> house (``registered``, ``living``, ``owner``, ``tenant``): a person record
  (``core.person_records``) of a source that says so, at its matched house, from when to when the
  deliveries say, in the business time of the deliveries (a person in an earlier 实有人口 snapshot at house A
  and in the latest observed at B: living at A ends the day before the move-in at B); skipped while people
  are not yet resolved. valid_to is the
  last day a link held, NULL while it holds;
- business <-> house (``premises``): a business record at its matched house;
- event <-> house (``event_house``) and event <-> business (``event_business``): the attributions.
"""

from __future__ import annotations

import hashlib
from datetime import date

import duckdb

from connectors.spec import load_registry
from resolution.address.records import records_table
from schemas.clock import run_day
from warehouse import catalogue
from warehouse.database import quote_literal

# The day a delivery describes, its business date (warehouse/business_time.py), over meta.deliveries ``d``.
OBSERVED_ON = "d.observed_on"

# Over ``observed`` (source, delivery_id, observed_on, loaded_at): the day of each source's next delivery
# after each day it delivered, and its latest delivery by business date (the later loaded on a tie), so a late
# old snapshot fills history without becoming the latest; history of links and of businesses is read against them.
DELIVERY_SEQUENCE = """deliveries AS (
    SELECT source, observed_on, lead(observed_on) OVER (PARTITION BY source ORDER BY observed_on) AS next_observed_on
    FROM (SELECT DISTINCT source, observed_on FROM observed)),
latest AS (SELECT source, arg_max(delivery_id, (observed_on, loaded_at)) AS delivery_id FROM observed GROUP BY source)"""

LINKS_SQL = """
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
"""
ORDER = "ORDER BY link_kind, house_id, person_id, business_id, event_id"
COLUMNS = "link_kind, person_id, business_id, event_id, house_id, valid_from, valid_to, sources, records"


def _person_links(observed: str) -> str:
    """The person <-> house part of LINKS_SQL, with history, from the ``observed`` ties (``_person_ties``).

    Per source, a tie runs from the record's own date (or the first delivery showing it) and stays open
    while the source's latest delivery still shows it (until the record's end date, a lease's, if it
    has one). A tie the latest delivery no longer shows has ended: the day before the person's next
    tie of that kind in that source began (a move-in date), else the day before the first delivery
    that no longer showed it. Across sources a tie is open if any source still says so. Deliveries
    observed after ``as_of`` are not yet history: a later run takes them.

    What a record says about its person and the house at its address is its source's ``person_house`` role,
    and ``tie_dates`` whether its valid_from / valid_to are the dates of that tie (登记日期, a lease) or of
    something else (a family doctor's contract); each such source delivers full snapshots."""
    if not observed:
        return ""
    return f"""UNION ALL
        SELECT link_kind, person_id, NULL, NULL, house_id, min(valid_from),
               CASE WHEN bool_or(in_latest AND record_to IS NULL) THEN NULL ELSE max(valid_to) END,
               list(DISTINCT source ORDER BY source), sum(records)
        FROM (
            WITH observed AS ({observed}),
            {DELIVERY_SEQUENCE},
            ties AS (
                SELECT link_kind, person_id, house_id, o.source,
                       -- a household's registration date is no tie before its baby was born
                       greatest(coalesce(min(record_from), min(observed_on)), any_value(birth_date)) AS valid_from,
                       max(record_to) AS record_to, max(observed_on) AS last_observed_on,
                       bool_or(o.delivery_id = l.delivery_id) AS in_latest, count(*) AS records
                FROM observed o JOIN latest l USING (source) GROUP BY link_kind, person_id, house_id, o.source),
            ordered AS (SELECT *, lead(valid_from) OVER (PARTITION BY link_kind, person_id, source ORDER BY valid_from)
                                  AS next_from
                        FROM ties)
            SELECT t.*, CASE WHEN in_latest THEN record_to ELSE (coalesce(
                       CASE WHEN t.next_from > t.valid_from THEN t.next_from END, d.next_observed_on)
                       - INTERVAL 1 DAY)::DATE END AS valid_to
            FROM ordered t JOIN deliveries d ON d.source = t.source AND d.observed_on = t.last_observed_on)
        GROUP BY link_kind, person_id, house_id"""


def _person_ties(con: duckdb.DuckDBPyConnection, as_of: date) -> str:
    """Each person record's tie to its house as its source says it, observed on or before ``as_of`` ("": none)."""
    if not catalogue.table_exists(con, "core", "person_records"):
        return ""
    parts = []
    known = catalogue.table_exists(con, "core", "people")
    born = "pp.birth_date" if known else "NULL::DATE"
    people = "LEFT JOIN core.people pp ON pp.person_id = p.person_id" if known else ""
    for source, spec in load_registry().items():
        kind, dated = spec.roles.person_house, spec.roles.tie_dates
        schema, table = records_table(spec.record_kind).split(".")
        if kind is None or not catalogue.table_exists(con, schema, table):
            continue
        date = lambda c, dated=dated: f"s.{c}::DATE" if dated else "NULL::DATE"
        parts.append(f"""
            SELECT {quote_literal(kind)} AS link_kind, p.person_id, s.house_id, s.source, s.delivery_id,
                   {OBSERVED_ON} AS observed_on, d.loaded_at, {date("valid_from")} AS record_from, {date("valid_to")} AS record_to,
                   {born} AS birth_date
            FROM {records_table(spec.record_kind)} s
            JOIN meta.deliveries d ON d.delivery_id = s.delivery_id
            JOIN core.person_records p ON p.record_id = s.record_id
            {people}
            WHERE s.source = {quote_literal(source)} AND p.person_id IS NOT NULL AND s.house_id IS NOT NULL
              AND s.match_level IN ('room', 'door') AND {OBSERVED_ON} <= DATE '{as_of.isoformat()}'""")
    return " UNION ALL ".join(parts)


PEOPLE_KINDS = "link_kind NOT IN ('premises', 'event_house', 'event_business')"
BASIS = "meta.links_basis"  # meta: how a table was made, not what it says (as meta.staged_deliveries)
BASIS_SQL = f"CREATE SCHEMA IF NOT EXISTS meta; CREATE TABLE IF NOT EXISTS {BASIS} (part VARCHAR PRIMARY KEY, inputs VARCHAR NOT NULL)"


def build_links(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> dict[str, int]:
    """Bring core.links to what business records, event attributions and, once resolved, person records say, as
    of ``as_of`` (default the run day): a person's ties follow the business dates of the deliveries. Only the rows
    that differ are deleted and inserted, and the person ties are computed again only when what they are computed
    from (every tie observed, and the query) changed since (``meta.links_basis``)."""
    con.execute(BASIS_SQL)
    ties = _person_ties(con, as_of or run_day())
    people = _person_links(ties)
    inputs = _people_inputs(con, ties, people)
    everything = LINKS_SQL.format(people=people)
    if not _same_shape(con, everything):
        con.execute(f"CREATE OR REPLACE TABLE core.links AS SELECT {COLUMNS} FROM ({everything}) {ORDER}")
    else:
        kept = inputs == _earlier_inputs(con)
        con.execute(f"DELETE FROM {BASIS} WHERE part = 'people'")  # until core.links stands on the new inputs
        # computed in the table's own types (a sum over people is HUGEINT there, a count alone BIGINT)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _computed AS SELECT {COLUMNS} FROM core.links LIMIT 0")
        con.execute(f"INSERT INTO _computed {LINKS_SQL.format(people='') if kept else everything}")
        computed = f"NOT {PEOPLE_KINDS}" if kept else "true"  # the rows _computed covers
        con.execute(f"CREATE OR REPLACE TEMP TABLE _links AS SELECT *, hash({COLUMNS}) AS _row FROM _computed")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _held AS SELECT rowid AS _at, hash({COLUMNS}) AS _row FROM core.links "
            f"WHERE {computed}"
        )
        con.execute(
            "DELETE FROM core.links WHERE rowid IN (SELECT _at FROM _held WHERE _row NOT IN (SELECT _row FROM _links))"
        )
        con.execute(f"INSERT INTO core.links SELECT {COLUMNS} FROM _links WHERE _row NOT IN (SELECT _row FROM _held)")
        con.execute("DROP TABLE _held; DROP TABLE _links; DROP TABLE _computed")
    con.execute(f"INSERT OR REPLACE INTO {BASIS} VALUES ('people', ?)", [inputs])
    return dict(con.execute("SELECT link_kind, count(*) FROM core.links GROUP BY 1 ORDER BY 1").fetchall())


def _people_inputs(con: duckdb.DuckDBPyConnection, ties: str, people: str) -> str:
    """A digest of the person ties' query and of every tie it reads: the same digest, the same rows."""
    if not ties:
        return ""
    (rows,) = con.execute(f"SELECT (count(*), sum(hash(*COLUMNS(*))))::VARCHAR FROM ({ties})").fetchone()
    return hashlib.sha256((people + rows).encode()).hexdigest()


def _earlier_inputs(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(f"SELECT inputs FROM {BASIS} WHERE part = 'people'").fetchone()
    return row[0] if row else None


def _same_shape(con: duckdb.DuckDBPyConnection, everything: str) -> bool:
    """Whether core.links has the columns and types a full build of ``everything`` gives: else it is written whole."""
    if not catalogue.table_exists(con, "core", "links"):
        return False
    shape = "SELECT column_name, column_type FROM (DESCRIBE {})"
    return (
        con.execute(shape.format("core.links")).fetchall()
        == con.execute(shape.format(f"SELECT {COLUMNS} FROM ({everything}) LIMIT 0")).fetchall()
    )
