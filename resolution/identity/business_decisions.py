"""A reviewer's answer on a doubtful business link, kept and reused by every later run.

``quality.business_review`` lists names at a house that were joined to a business on weak evidence
(the only business at the house, a brand shared by several). ``housekey identity decide-business
NAME HOUSE_ID same|different`` records whether that name is that business (``same``) or a business
of its own (``different``) in ``core.business_decisions``.
"""

from __future__ import annotations

import duckdb

DECISIONS = ("same", "different")
DECISIONS_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.business_decisions (
    name VARCHAR, house_id VARCHAR, decision VARCHAR, decided_by VARCHAR,
    decided_at TIMESTAMPTZ DEFAULT current_timestamp, PRIMARY KEY (name, house_id)
);
"""


def record_business_decision(
    con: duckdb.DuckDBPyConnection, name: str, house_id: str, decision: str, decided_by: str
) -> None:
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    con.execute(DECISIONS_SQL)
    con.execute(
        "INSERT OR REPLACE INTO core.business_decisions (name, house_id, decision, decided_by) VALUES (?, ?, ?, ?)",
        [name, house_id, decision, decided_by],
    )


def business_decisions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(name as written, house_id) -> decision."""
    con.execute(DECISIONS_SQL)
    return {
        (name, house): decision
        for name, house, decision in con.execute(
            "SELECT name, house_id, decision FROM core.business_decisions"
        ).fetchall()
    }
