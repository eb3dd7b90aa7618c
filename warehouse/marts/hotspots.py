"""marts.hotspots: hotspot attribution with Heinrich's early-warning view, one row per attributed target.

Every minor or serious event (marts.events) is grouped by what it is attributed to: the business when
there is one (a café behind complaints filed at neighbouring doors), else the house. Heinrich's law
says many minor events come before a serious one, so each target carries its minor and serious counts
over time windows, the minor events before its first serious one, and ``is_early_warning`` when minor
events pile up in the window (schemas/event_severity.yaml) with no serious event yet.

A target's row is rebuilt only when its events changed (warehouse/marts/changed_keys.py); the rank, which one
delivery shifts for almost every target, is given again to all of them at the end.
"""

from __future__ import annotations

from datetime import date

import duckdb

from schemas.yaml_text import load_yaml
from warehouse.catalogue import columns
from warehouse.marts.changed_keys import Scope, rebuild, write_rows
from warehouse.marts.events import SEVERITY_FILE

# the target an event of marts.events is attributed to, as the key of its row
EVENT_TARGET = "CASE WHEN business_id IS NOT NULL THEN 'business:' || business_id ELSE 'house:' || house_id END"
# The unranked rows of the targets {in_scope} keeps (every one, or the changed ones); RANK_SQL ranks them all.
HOTSPOTS_SQL = """
WITH
-- minor and serious events with the target they are attributed to
graded AS (
    SELECT CASE WHEN business_id IS NOT NULL THEN 'business' ELSE 'house' END AS target_kind,
           coalesce(business_id, house_id) AS target_id, *
    FROM marts.events WHERE severity IS NOT NULL AND coalesce(business_id, house_id) IS NOT NULL
      AND {in_scope}
),
firsts AS (
    SELECT target_kind, target_id, min(occurred_at) FILTER (severity = 'serious') AS first_serious_at FROM graded GROUP BY ALL
),
counted AS (
    SELECT g.target_kind, g.target_id, any_value(g.business_id) AS business_id, mode(g.house_id ORDER BY g.house_id) AS house_id,
           count(*) AS events,
           count(*) FILTER (severity = 'minor') AS minor_events,
           count(*) FILTER (severity = 'serious') AS serious_events,
           count(*) FILTER (severity = 'minor' AND occurred_at::DATE > $as_of - $window) AS minor_in_window,
           count(*) FILTER (severity = 'serious' AND occurred_at::DATE > $as_of - $window) AS serious_in_window,
           count(*) FILTER (severity = 'minor' AND occurred_at::DATE > $as_of - 365) AS minor_last_365_days,
           count(*) FILTER (severity = 'serious' AND occurred_at::DATE > $as_of - 365) AS serious_last_365_days,
           count(*) FILTER (severity = 'minor' AND occurred_at < f.first_serious_at) AS minor_before_first_serious,
           any_value(f.first_serious_at) AS first_serious_at,
           max(occurred_at) FILTER (severity = 'serious') AS last_serious_at,
           max(occurred_at) AS last_event_at,
           list(DISTINCT category ORDER BY category) AS categories,
           list(DISTINCT source ORDER BY source) AS sources
    FROM graded g JOIN firsts f USING (target_kind, target_id)
    GROUP BY g.target_kind, g.target_id
)
SELECT c.target_kind, c.target_id, c.business_id, c.house_id,
       coalesce(b.sign_name, b.legal_name, h.canonical_address) AS target_name,
       h.committee_code, h.grid_code,
       c.events, c.minor_events, c.serious_events,
       c.minor_in_window AS minor_last_window, c.serious_in_window AS serious_last_window,
       c.minor_last_365_days, c.serious_last_365_days, c.minor_before_first_serious,
       c.first_serious_at, c.last_serious_at, c.last_event_at, c.categories, c.sources,
       c.minor_in_window >= $threshold AND c.serious_in_window = 0 AS is_early_warning,
       NULL::BIGINT AS hotspot_rank
FROM counted c LEFT JOIN core.houses h USING (house_id) LEFT JOIN core.businesses b USING (business_id)
"""
# Every input row a target's row reads, hashed (the register is the basis): its graded events, its business's names.
INPUTS_SQL = f"""
SELECT {EVENT_TARGET} AS key, hash(house_id, business_id, severity, occurred_at, category, source) AS h
FROM marts.events WHERE severity IS NOT NULL AND coalesce(business_id, house_id) IS NOT NULL
UNION ALL
SELECT 'business:' || business_id, hash(sign_name, legal_name) FROM core.businesses
"""
RANK_SQL = """
CREATE OR REPLACE TABLE marts.hotspots AS
SELECT * {exclude} REPLACE (rank() OVER (ORDER BY serious_events DESC, minor_events DESC) AS hotspot_rank)
FROM marts.hotspots ORDER BY hotspot_rank, target_id
"""


def build_hotspots(con: duckdb.DuckDBPyConnection, as_of: date) -> int:
    """Bring marts.hotspots up to date from marts.events as of a day, rebuilding the targets whose events changed
    and ranking them all again; returns the number of targets."""
    warning = load_yaml(SEVERITY_FILE.read_text(encoding="utf-8"))["early_warning"]
    params = {"as_of": as_of, "window": warning["window_days"], "threshold": warning["minor_events"]}

    def write(whole: bool) -> None:
        rows = HOTSPOTS_SQL.format(in_scope=Scope(whole)[EVENT_TARGET])
        write_rows(con, "hotspots", "target_kind || ':' || target_id", rows, params, whole, order="target_id")
        # as_of is dropped and stamped after, as on a new table
        stamped = "as_of" in columns(con, "marts", "hotspots")
        con.execute(RANK_SQL.format(exclude="EXCLUDE (as_of)" if stamped else ""))

    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    rebuild(con, "hotspots", ["hotspots"], INPUTS_SQL, params, write)
    return con.execute("SELECT count(*) FROM marts.hotspots").fetchone()[0]
