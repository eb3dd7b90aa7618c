"""marts.source_freshness: one row per source of the registry: how old its data is against the
freshness its spec promises (``freshness_days``), how many rows it delivered, staged and quarantined,
and how many of its staged records were matched to a house (coverage).

Age and staleness are warehouse/freshness.py's (business time: the run day minus the latest day its
accepted, not held, deliveries describe), the same the quality report shows; when they were loaded is kept
beside it for bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import duckdb

from warehouse import catalogue
from warehouse.database import quote_literal, quote_name
from warehouse.freshness import source_freshness

FRESHNESS_SQL = """
CREATE OR REPLACE TABLE marts.source_freshness AS
WITH
deliveries AS (
    SELECT source, count(*) FILTER (status = 'loaded') AS deliveries, max(loaded_at) FILTER (status = 'loaded') AS last_delivery_at,
           sum(rows_delivered) FILTER (status = 'loaded') AS rows_delivered
    FROM meta.deliveries GROUP BY source
),
matches AS (
    SELECT source, count(*) AS records_with_address, count(house_id) AS records_matched,
           count(*) FILTER (match_level = 'room') AS records_matched_to_room
    FROM core.address_matches GROUP BY source
),
staged AS ({staged})
SELECT s.source, s.title, s.owner, s.delivery, s.freshness_days, coalesce(d.deliveries, 0) AS deliveries,
       d.last_delivery_at, s.last_observed_on, s.age_days, s.is_stale,
       coalesce(d.rows_delivered, 0) AS rows_delivered, coalesce(st.rows_staged, 0) AS rows_staged,
       coalesce(q.rows_quarantined, 0) AS rows_quarantined, coalesce(v.values_quarantined, 0) AS values_quarantined,
       coalesce(m.records_with_address, 0) AS records_with_address, coalesce(m.records_matched, 0) AS records_matched,
       round(m.records_matched / nullif(st.rows_staged, 0), 4) AS match_share,
       round(m.records_matched_to_room / nullif(st.rows_staged, 0), 4) AS room_match_share
FROM specs s LEFT JOIN deliveries d USING (source) LEFT JOIN matches m USING (source) LEFT JOIN staged st USING (source)
LEFT JOIN (SELECT source, count(*) AS rows_quarantined FROM quality.quarantined_rows GROUP BY source) q USING (source)
LEFT JOIN (SELECT source, count(*) AS values_quarantined FROM quality.quarantine WHERE is_row_kept GROUP BY source) v
       USING (source)
ORDER BY s.source
"""


def build_source_freshness(con: duckdb.DuckDBPyConnection, registry: Mapping, today: date | None = None) -> int:
    """(Re)build marts.source_freshness for the registry's sources; returns its row count."""
    import pyarrow as pa

    freshness = source_freshness(con, registry, today).values()
    specs = pa.table(
        {
            "source": list(registry),
            "title": [s.title for s in registry.values()],
            "owner": [s.owner for s in registry.values()],
            "delivery": [s.delivery for s in registry.values()],
            "freshness_days": [s.freshness_days for s in registry.values()],
            "last_observed_on": pa.array([f.last_observed_on for f in freshness], pa.date32()),
            "age_days": pa.array([f.age_days for f in freshness], pa.int64()),
            "is_stale": [f.is_stale for f in freshness],
        }
    )
    tables = set(catalogue.tables(con, "staging"))
    staged = (
        " UNION ALL ".join(
            f"SELECT {quote_literal(name)} AS source, count(*) AS rows_staged FROM staging.{quote_name(name)}"
            for name in registry
            if name in tables
        )
        or "SELECT NULL AS source, 0 AS rows_staged"
    )
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.register("specs", specs)
    con.execute(FRESHNESS_SQL.format(staged=staged))
    con.unregister("specs")
    return con.execute("SELECT count(*) FROM marts.source_freshness").fetchone()[0]
