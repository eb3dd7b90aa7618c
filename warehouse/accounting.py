"""Row accounting: for every source, rows delivered = rows staged + rows quarantined.

Quarantined rows include the rows of held deliveries (the quality gate stopped the whole delivery):
``held`` says how many of them were held without failing a rule themselves. A value quarantined alone
leaves its row staged: it counts in ``values_quarantined``, not in the rows. Rows landed but not yet
staged (a run killed between landing and staging; the next run stages them) are ``pending``, not lost.
A changes file re-sent under its name delivers only the rows no earlier delivery of that name loaded
(warehouse/resent.py): the rows it repeats count in ``resent``, not in ``delivered``, never twice."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from quality.gate import RULE_PREFIX
from warehouse import catalogue
from warehouse.staging import STAGING_RULE


@dataclass(frozen=True)
class SourceAccount:
    source: str
    deliveries: int
    delivered: int
    staged: int
    quarantined: int
    held: int = 0
    """Of the quarantined rows, those quarantined only because their delivery was held."""
    values_quarantined: int = 0
    """Values quarantined alone (an ID number Excel mangled): their rows are staged with the value NULL."""
    pending: int = 0
    """Rows of deliveries landed since staging last ran, neither staged nor quarantined yet."""
    resent: int = 0
    """Rows of re-sent changes files an earlier delivery of the same name loaded: not in ``delivered``."""

    @property
    def balanced(self) -> bool:
        return self.delivered == self.staged + self.quarantined + self.pending


def _staged(con: duckdb.DuckDBPyConnection, source: str) -> int:
    exists = catalogue.table_exists(con, "staging", source)
    return con.execute(f'SELECT count(*) FROM staging."{source}"').fetchone()[0] if exists else 0


def _pending(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Rows of the source's loaded deliveries that staging has not seen: none of their rows staged or typed."""
    exists = catalogue.table_exists(con, "staging", source)
    staged = f'SELECT _delivery_id FROM staging."{source}"' if exists else "SELECT NULL"
    return con.execute(
        f"""
        SELECT coalesce(sum(d.rows_delivered - (SELECT count(*) FROM quality.quarantined_rows q
                                                WHERE q.source = d.source AND q.delivery_id = d.delivery_id)), 0)
        FROM meta.deliveries d WHERE d.source = ? AND d.status = 'loaded'
          AND d.delivery_id NOT IN ({staged})
          AND NOT EXISTS (SELECT 1 FROM quality.quarantine q WHERE q.source = d.source AND q.delivery_id = d.delivery_id
                          AND (starts_with(q.rule, ?) OR starts_with(q.rule, ?)))""",
        [source, STAGING_RULE, RULE_PREFIX],
    ).fetchone()[0]


def row_accounts(con: duckdb.DuckDBPyConnection, sources: list[str]) -> list[SourceAccount]:
    """Per source: loaded deliveries, rows they held, rows staged, and distinct rows quarantined."""
    delivered = {
        s: (n, r, resent)
        for s, n, r, resent in con.execute(
            "SELECT source, count(*), sum(rows_delivered), sum(coalesce(rows_resent, 0)) FROM meta.deliveries "
            "WHERE status = 'loaded' GROUP BY source"
        ).fetchall()
    }
    quarantined = dict(con.execute("SELECT source, count(*) FROM quality.quarantined_rows GROUP BY source").fetchall())
    values = dict(
        con.execute("SELECT source, count(*) FROM quality.quarantine WHERE is_row_kept GROUP BY source").fetchall()
    )
    held = dict(
        con.execute(
            "SELECT source, count(*) FROM quality.quarantine WHERE rule = 'suite:delivery_held' GROUP BY source"
        ).fetchall()
    )
    return [
        SourceAccount(
            s,
            delivered.get(s, (0, 0, 0))[0],
            int(delivered.get(s, (0, 0, 0))[1] or 0),
            _staged(con, s),
            quarantined.get(s, 0),
            held.get(s, 0),
            values.get(s, 0),
            int(_pending(con, s)),
            int(delivered.get(s, (0, 0, 0))[2] or 0),
        )
        for s in sources
    ]
