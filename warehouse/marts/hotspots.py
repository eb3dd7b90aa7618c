"""marts.hotspots: hotspot attribution with Heinrich's early-warning view, one row per attributed target.

Every minor or serious event (marts.events) is grouped by what it is attributed to: the business when
there is one (a café behind complaints filed at neighbouring doors), else the house. Heinrich's law
says many minor events come before a serious one, so each target carries its minor and serious counts
over time windows, the minor events before its first serious one, and ``is_early_warning`` when minor
events pile up in the window (schemas/event_severity.yaml) with no serious event yet.
"""

from __future__ import annotations

from datetime import date

import duckdb

from schemas.yaml_text import load_yaml
from warehouse.marts.events import SEVERITY_FILE

HOTSPOTS_SQL = """
CREATE OR REPLACE TABLE marts.hotspots AS
WITH
-- minor and serious events with the target they are attributed to
graded AS (
    SELECT CASE WHEN business_id IS NOT NULL THEN 'business' ELSE 'house' END AS target_kind,
           coalesce(business_id, house_id) AS target_id, *
    FROM marts.events WHERE severity IS NOT NULL AND coalesce(business_id, house_id) IS NOT NULL
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
       rank() OVER (ORDER BY c.serious_events DESC, c.minor_events DESC) AS hotspot_rank
FROM counted c LEFT JOIN core.houses h USING (house_id) LEFT JOIN core.businesses b USING (business_id)
ORDER BY hotspot_rank, c.target_id
"""


def build_hotspots(con: duckdb.DuckDBPyConnection, as_of: date) -> int:
    """(Re)build marts.hotspots from marts.events as of a day; returns the number of targets."""
    warning = load_yaml(SEVERITY_FILE.read_text(encoding="utf-8"))["early_warning"]
    con.execute(HOTSPOTS_SQL, {"as_of": as_of, "window": warning["window_days"], "threshold": warning["minor_events"]})
    return con.execute("SELECT count(*) FROM marts.hotspots").fetchone()[0]
