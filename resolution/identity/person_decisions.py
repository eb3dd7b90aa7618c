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


def decisions_by_record(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[frozenset[int], str]:
    """The recorded decisions between records of this run, by their record ids (positions in ``keys``)."""
    con.execute(DECISIONS_SQL)
    position = {key: i for i, key in enumerate(keys)}
    return {
        frozenset((position[a], position[b])): decision
        for a, b, decision in con.execute(
            "SELECT record_key, other_record_key, decision FROM core.person_decisions"
        ).fetchall()
        if a in position and b in position
    }
