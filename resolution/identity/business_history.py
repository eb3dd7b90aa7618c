"""A business's attributes over time -> ``core.business_history``.

One row per business, source and period in which that source said the same thing about it: legal
name, shop name, entity type, category, status and premises house. Each delivery of a source that
describes businesses (the register, the licences) is an observation on the day it describes; a change
between two deliveries closes one period the day before the delivery that showed the change and
opens the next. The first period starts at the record's own date (成立日期, a licence's start) when it
is earlier, unless it says deregistered (注销: since when is not known, so from the delivery); the last stays open while the source's latest delivery still lists the business, and
ends the day before the first delivery that no longer did otherwise.
"""

from __future__ import annotations

from datetime import date

import duckdb

from connectors.spec import load_registry
from resolution.address.records import records_table
from resolution.identity.links import DELIVERY_SEQUENCE, OBSERVED_ON
from schemas.clock import run_day
from warehouse.database import quote_literal

ATTRIBUTES = ("legal_name", "shop_name", "entity_type", "category", "status", "house_id")


def _observations(con: duckdb.DuckDBPyConnection, as_of: date) -> str | None:
    """One row per business, source and delivery observed on or before ``as_of`` with what that delivery said,
    of the sources whose records describe the business itself (``roles.business``; events about it are in core.links)."""
    sources = [quote_literal(name) for name, spec in load_registry().items() if spec.roles.business]
    if not sources:
        return None
    said = ", ".join(f"mode({a} ORDER BY {a}) AS {a}" for a in ATTRIBUTES)  # ties: the same value every run
    return f"""SELECT business_id, source, delivery_id, any_value(observed_on) AS observed_on,
                      any_value(loaded_at) AS loaded_at, min(record_from) AS record_from, {said}
               FROM (SELECT r.business_id, r._source AS source, r._delivery_id AS delivery_id,
                            {OBSERVED_ON} AS observed_on, d.loaded_at, r.valid_from AS record_from, r.legal_name,
                            r.shop_name, s.entity_type, s.category, r.status, r.house_id
                     FROM core.business_records r JOIN {records_table("business")} s USING (record_id)
                     JOIN meta.deliveries d ON d.delivery_id = r._delivery_id
                     WHERE list_contains([{", ".join(sources)}], r._source) AND r.business_id IS NOT NULL
                       AND {OBSERVED_ON} <= DATE '{as_of.isoformat()}')
               GROUP BY business_id, source, delivery_id"""


def build_business_history(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> int:
    """Rebuild core.business_history from the business records of the describing sources, as of ``as_of``
    (default the run day: a delivery describing a later day is not history yet); returns its rows."""
    observations = _observations(con, as_of or run_day())
    if observations is None:
        return 0
    attributes = ", ".join(ATTRIBUTES)
    con.execute(f"""CREATE OR REPLACE TABLE core.business_history AS
        WITH observed AS ({observations}),
        {DELIVERY_SEQUENCE},
        changes AS (SELECT *, ({attributes}) IS DISTINCT FROM lag(({attributes})) OVER w AS is_change
                    FROM observed WINDOW w AS (PARTITION BY business_id, source ORDER BY observed_on, loaded_at)),
        numbered AS (SELECT *, sum(is_change::INTEGER) OVER (PARTITION BY business_id, source ORDER BY observed_on, loaded_at)
                               AS period FROM changes),
        periods AS (
            SELECT n.business_id, n.source, n.period, {", ".join(f"any_value(n.{a}) AS {a}" for a in ATTRIBUTES)},
                   min(n.observed_on) AS first_observed_on, max(n.observed_on) AS last_observed_on,
                   CASE WHEN n.period = 1 AND NOT coalesce(any_value(n.status) LIKE '%注销%', false)
                        THEN least(min(n.record_from), min(n.observed_on)) ELSE min(n.observed_on) END AS valid_from,
                   bool_or(n.delivery_id = l.delivery_id) AS in_latest, list(n.delivery_id ORDER BY n.observed_on) AS deliveries
            FROM numbered n JOIN latest l USING (source) GROUP BY n.business_id, n.source, n.period)
        SELECT p.business_id, p.source, p.valid_from,
               CASE WHEN p.in_latest THEN NULL
                    ELSE (coalesce(lead(p.valid_from) OVER (PARTITION BY p.business_id, p.source ORDER BY p.period),
                                   d.next_observed_on) - INTERVAL 1 DAY)::DATE END AS valid_to,
               {", ".join(f"p.{a}" for a in ATTRIBUTES)}, coalesce(p.status LIKE '%注销%', false) AS is_deregistered,
               p.first_observed_on, p.last_observed_on, p.deliveries
        FROM periods p JOIN deliveries d ON d.source = p.source AND d.observed_on = p.last_observed_on
        ORDER BY p.business_id, p.source, p.valid_from""")
    return con.execute("SELECT count(*) FROM core.business_history").fetchone()[0]
