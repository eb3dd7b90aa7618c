"""marts.events: one row per event (work order, patrol finding, check, visit) with the house and business
it is attributed to, its committee and grid, whether it is still open (a minor or serious event not yet dealt with), and how serious it is.

Severity is declared in schemas/event_severity.yaml. Attribution comes from core.event_attributions
when identity resolution has built it, else from the event's own address (tags.event_records).
The hotspot, Pareto and statistics marts all read this table.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from connectors.spec import sources_with
from resolution.identity.attribution import OUT_OF_AREA
from schemas.yaml_text import load_yaml
from warehouse.catalogue import columns as table_columns
from warehouse.catalogue import table_exists
from warehouse.database import quote_literal
from warehouse.marts.changed_keys import Scope, rebuild, write_rows

SEVERITY_FILE = Path(__file__).resolve().parents[2] / "schemas" / "event_severity.yaml"

# One row per staged event with the columns severity rules read (building-wide rows repeat per house).
EVENT_COLUMNS = """
    SELECT record_id, any_value(source) AS source, any_value(delivery_id) AS delivery_id,
           any_value(row_number) AS row_number, any_value(event_ref) AS event_ref, any_value(category) AS category,
           any_value(status) AS status, any_value(result) AS result, any_value(grid_code) AS grid_code,
           any_value(occurred_at) AS occurred_at, any_value(closed_at) AS closed_at,
           CASE WHEN bool_or(is_building_wide) THEN NULL ELSE any_value(house_id) END AS house_id,
           any_value(business_id) AS business_id
    FROM tags.event_records WHERE {only_records} GROUP BY record_id
"""
FROM_ATTRIBUTIONS = """
    SELECT a.event_id, a._source AS source, a._delivery_id AS delivery_id, a._row_number AS row_number, a.category, a.occurred_at, a.closed_at, r.status, r.result,
           a.house_id, a.business_id, r.grid_code
    FROM core.event_attributions a LEFT JOIN records r USING (record_id)
    WHERE a.house_rule <> {out_of_area}  -- about another subdistrict (a 12345 order dispatched here by mistake)
      AND {only_events}
"""
# Every input row an event's versions read, hashed (the register is the basis): its records' attribution, their
# columns in tags.event_records and their deliveries' landing.
INPUTS_SQL = """
SELECT a.event_id AS key,
       hash(a.record_id, a._source, a._delivery_id, a._row_number, a.category, a.occurred_at, a.closed_at, a.house_id,
            a.house_rule, a.business_id, r.status, r.result, r.grid_code, r.is_building_wide, d.loaded_at) AS h
FROM core.event_attributions a LEFT JOIN tags.event_records r USING (record_id)
LEFT JOIN meta.deliveries d ON d.delivery_id = a._delivery_id
"""
FROM_RECORDS = """
    SELECT source || ':' || coalesce(event_ref, delivery_id || '#' || row_number) AS event_id, source, category,
           delivery_id, row_number, occurred_at, closed_at, status, result, house_id, business_id, grid_code
    FROM records
"""
# Every version of an event (a work order pulled open, then closed): the latest delivered is current.
VERSIONS = """
    SELECT e.*, d.loaded_at AS valid_from, lead(d.loaded_at) OVER version AS valid_to,
           lead(d.loaded_at) OVER version IS NULL AS is_current
    FROM events e LEFT JOIN meta.deliveries d USING (delivery_id)
    WINDOW version AS (PARTITION BY e.event_id ORDER BY d.loaded_at, e.delivery_id, e.row_number)
"""


def severity_sql(rules: list[dict]) -> str:
    """A CASE expression over an event row giving (severity, why) from the declared rules; a rule names a
    source, or a class of events (``events: complaints``: every source whose spec declares that role)."""

    def when(rule: dict) -> str:
        sources = sources_with(events=rule["events"]) if "events" in rule else [rule["source"]]
        condition = f"list_contains([{', '.join(map(quote_literal, sources))}]::VARCHAR[], source)" + (
            f" AND coalesce(({rule['where']}), false)" if rule.get("where") else ""
        )
        return f"WHEN {condition} THEN {{'severity': {quote_literal(rule['severity'])}, 'why': {quote_literal(rule['why'])}}}"

    return "CASE " + " ".join(when(r) for r in rules) + " END"


def build_events(con: duckdb.DuckDBPyConnection) -> int:
    """Bring marts.events, one row per event (its current version), and marts.event_versions, every version
    delivered with ``valid_from``/``valid_to`` (delivery times) and ``is_current``, up to date, rebuilding the
    events whose inputs changed (warehouse/marts/changed_keys.py); returns the events."""
    declared = load_yaml(SEVERITY_FILE.read_text(encoding="utf-8"))
    closed = ", ".join(quote_literal(s) for s in declared["closed_statuses"])
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    columns = f"""e.event_id, e.source, e.category, e.occurred_at, e.closed_at, e.status, e.result,
               e.graded.severity AS severity, e.graded.why AS severity_reason,
               e.graded IS NOT NULL AND e.closed_at IS NULL AND coalesce(e.status, '') NOT IN ({closed}) AS is_open,
               e.house_id, e.business_id, h.committee_code, h.committee_name,
               coalesce(h.grid_code, e.grid_code) AS grid_code"""
    attributed = table_exists(con, "core", "event_attributions")

    def write(whole: bool) -> None:
        only = Scope(whole)
        records = EVENT_COLUMNS.format(
            only_records="true"
            if whole
            else f"record_id IN (SELECT record_id FROM core.event_attributions WHERE {only['event_id']})"
        )
        base = FROM_ATTRIBUTIONS.format(out_of_area=quote_literal(OUT_OF_AREA), only_events=only["a.event_id"])
        versions = f"""WITH records AS ({records}),
            events AS ({base if attributed else FROM_RECORDS}),
            versions AS ({VERSIONS}),
            graded AS (SELECT *, {severity_sql(declared["rules"])} AS graded FROM versions)
            SELECT {columns}, e.valid_from, e.valid_to, e.is_current, e.delivery_id
            FROM graded e LEFT JOIN core.houses h USING (house_id)"""
        write_rows(con, "event_versions", "event_id", versions, {}, whole, order="occurred_at, event_id, valid_from")
        stamped = ", as_of" if "as_of" in table_columns(con, "marts", "event_versions") else ""
        current = f"""SELECT * EXCLUDE (valid_from, valid_to, is_current, delivery_id{stamped}) FROM marts.event_versions
            WHERE is_current AND {only["event_id"]}"""
        write_rows(con, "events", "event_id", current, {}, whole, order="occurred_at, event_id")

    if attributed:  # attribution gives every event its id; without it, events are few and built whole
        rebuild(con, "events", ["events", "event_versions"], INPUTS_SQL, {}, write)
    else:
        write(True)
    return con.execute("SELECT count(*) FROM marts.events").fetchone()[0]
