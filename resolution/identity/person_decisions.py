"""A reviewer's answer on a pair of person records, kept and reused by every later run.

``housekey identity review`` lists ``quality.person_review`` with the two records' keys;
``housekey identity decide KEY OTHER_KEY same|different`` records the answer in
``core.person_decisions``. Linking then joins a pair decided ``same`` (unless that would give one
person two ID numbers) and never puts two records decided ``different`` in one person, whether
directly or through other records that would link them.
"""

from __future__ import annotations

import duckdb

DECISIONS = ("same", "different")
DECISIONS_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.person_decisions (
    record_key VARCHAR, other_record_key VARCHAR, decision VARCHAR, decided_by VARCHAR,
    decided_at TIMESTAMPTZ DEFAULT current_timestamp, PRIMARY KEY (record_key, other_record_key)
);
"""
# How a person record is named across runs: its row's lineage and which person of the row it is.
RECORD_KEY_SQL = (
    "_source || '|' || _delivery_id || '|' || coalesce(_sheet, '') || '|' || _row_number::VARCHAR || '|' || party"
)


def record_person_decision(
    con: duckdb.DuckDBPyConnection, record_key: str, other_record_key: str, decision: str, decided_by: str
) -> None:
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    con.execute(DECISIONS_SQL)
    first, second = sorted((record_key, other_record_key))
    con.execute(
        "INSERT OR REPLACE INTO core.person_decisions (record_key, other_record_key, decision, decided_by) "
        "VALUES (?, ?, ?, ?)",
        [first, second, decision, decided_by],
    )


def decisions_by_record(con: duckdb.DuckDBPyConnection, records: str) -> dict[frozenset[int], str]:
    """The recorded decisions between records of this run, by their ``record_id``s in table ``records`` (which has
    the columns ``RECORD_KEY_SQL`` reads); a key two records share names the later one."""
    con.execute(DECISIONS_SQL)
    return {
        frozenset((a, b)): decision
        for a, b, decision in con.execute(f"""
            WITH keyed AS (SELECT {RECORD_KEY_SQL} AS record_key, max(record_id) AS record_id FROM {records} GROUP BY 1)
            SELECT a.record_id, b.record_id, d.decision
            FROM (SELECT row_number() OVER () AS position, * FROM core.person_decisions) d
            JOIN keyed a ON a.record_key = d.record_key JOIN keyed b ON b.record_key = d.other_record_key
            ORDER BY d.position""").fetchall()  # in the table's order, as the reviewers decided
    }
