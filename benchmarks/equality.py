"""Incremental equals full (issue 18, point 5): the same deliveries brought in batches, with a run after each,
against one run over all of them, compared table by table in ``core``, ``tags`` and ``marts``.

Two warehouses are equal when every table holds the same rows, except for what only says when or by which run
a row was written (``*_at`` timestamps, run ids, seconds), with ids equal or mapped one to one: a person id
minted in another order is the same person when the two warehouses give it the same records
(``core.person_records``, ``core.person_counterparts``; businesses by ``core.business_records``). When the
warehouse learnt an event's version (``marts.event_versions``' transaction time) is left out too: batches land
later. Tag evaluations are compared on the last run's (members, not what it added or removed). Tables that
record the way there (ids minted, their merges and splits, what matching and linking reused) may differ: the
difference is named, not hidden.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SCHEMAS = ("core", "tags", "marts")
VOLATILE = re.compile(r"(_at|_by_run|^run_id|^seconds)$")
"""Columns that say when or by which run a row was written, not what it holds."""
ID = re.compile(r"PSN\d{16,}|B\d{9}H[0-9A-F]{10}")
TRANSACTION_TIME = {"marts.event_versions": ("valid_from", "valid_to")}
"""Columns that say when the warehouse learnt a row (its delivery's landing), which batches move."""
LOGS = {
    "core.person_ids",
    "core.person_id_history",
    "core.business_id_history",
    "core.address_match_basis",
    "core.identity_basis",
    "core.attribution_inputs",
    "core.backbone_basis",
}
"""Tables that record the way there (ids minted and changed, matches reused): they may differ, and the difference
is named."""
RECORDS = {
    "person": "SELECT record_id, 'subject' AS party, person_id FROM {db}.core.person_records UNION ALL "
    "SELECT record_id, party, person_id FROM {db}.core.person_counterparts",
    "business": "SELECT record_id, '' AS party, business_id FROM {db}.core.business_records",
}


@dataclass
class Comparison:
    """What differs between the full and the incremental warehouse."""

    tables: int = 0
    ids_renamed: dict[str, int] = field(default_factory=dict)
    """Per entity, ids that differ but map one to one."""
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    """Per entity, ids of one warehouse whose records are more than one id of the other (examples)."""
    differences: dict[str, str] = field(default_factory=dict)
    """Per table, what differs (rows only in one warehouse, with an example)."""

    @property
    def equal(self) -> bool:
        return not self.unmapped and not set(self.differences) - LOGS

    def summary(self) -> str:
        if self.equal and not self.differences:
            renamed = ", ".join(f"{n} {entity} ids renamed" for entity, n in self.ids_renamed.items() if n)
            return f"{self.tables} tables equal" + (f" ({renamed}, one to one)" if renamed else "")
        lines = [f"{table}: {what}" for table, what in sorted(self.differences.items())]
        lines += [f"{entity} ids not one to one: {', '.join(ids)}" for entity, ids in self.unmapped.items()]
        return "; ".join(lines)


def compare_warehouses(full: Path, incremental: Path) -> Comparison:
    """Compare every ``core``, ``tags`` and ``marts`` table of ``incremental`` with ``full`` (both read-only)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{full}' AS f (READ_ONLY)")  # paths the caller made, never a source's text
    con.execute(f"ATTACH '{incremental}' AS i (READ_ONLY)")
    result = Comparison()
    mapping: dict[str, str] = {}
    for entity, sql in RECORDS.items():
        renamed, unmapped = _id_mapping(con, sql, mapping)
        result.ids_renamed[entity] = renamed
        if unmapped:
            result.unmapped[entity] = unmapped[:5]
    tables = {db: _tables(con, db) for db in ("f", "i")}
    for name in sorted(tables["f"] ^ tables["i"]):
        result.differences[name] = "only in the " + ("full" if name in tables["f"] else "incremental") + " warehouse"
    for name in sorted(tables["f"] & tables["i"]):
        result.tables += 1
        left = Counter(_rows(con, "f", name, {}))
        right = Counter(_rows(con, "i", name, mapping))
        if left != right:
            only_full, only_incremental = left - right, right - left
            example = next(iter(only_full or only_incremental))
            result.differences[name] = (
                f"{sum(only_full.values())} rows only in full, {sum(only_incremental.values())} only in "
                f"incremental (e.g. {example[:200]})"
            )
    con.close()
    return result


def _id_mapping(con: duckdb.DuckDBPyConnection, sql: str, mapping: dict[str, str]) -> tuple[int, list[str]]:
    """Add incremental id -> full id to ``mapping`` for ids given the same records; (ids renamed, ids that are
    not one to one)."""
    pairs = con.execute(
        f"SELECT DISTINCT i.{_key(sql)}, f.{_key(sql)} FROM ({sql.format(db='i')}) i "
        f"JOIN ({sql.format(db='f')}) f USING (record_id, party)"
    ).fetchall()
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for mine, theirs in pairs:
        forward.setdefault(mine, set()).add(theirs)
        backward.setdefault(theirs, set()).add(mine)
    unmapped = sorted({m for m, t in forward.items() if len(t) > 1} | {t for t, m in backward.items() if len(m) > 1})
    renamed = 0
    for mine, theirs in forward.items():
        if len(theirs) == 1 and len(backward[next(iter(theirs))]) == 1:
            mapping[mine] = next(iter(theirs))
            renamed += mine != mapping[mine]
    return renamed, unmapped


def _key(sql: str) -> str:
    return sql.split(" FROM ")[0].rsplit(", ", 1)[1]


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> set[str]:
    rows = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_catalog = ? AND list_contains(?, table_schema)",
        [db, list(SCHEMAS)],
    ).fetchall()
    return {r[0] for r in rows}


def _rows(con: duckdb.DuckDBPyConnection, db: str, name: str, mapping: dict[str, str]) -> list[tuple]:
    """The table's rows as compared: volatile columns left out, ids mapped, history reduced to what holds."""
    schema, table = name.split(".")
    columns = [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_schema = ? "
            "AND table_name = ? ORDER BY ordinal_position",
            [db, schema, table],
        ).fetchall()
        if not VOLATILE.search(c) and c not in TRANSACTION_TIME.get(name, ())
    ]
    where = ""
    if name == "tags.evaluations":
        where = f" WHERE run_id = (SELECT arg_max(run_id, evaluated_at) FROM {db}.tags.evaluations)"
        columns = [c for c in columns if c not in ("added", "removed")]  # the last run's changes, not its state
    listed = ", ".join(f'"{c}"::VARCHAR' for c in columns)
    rows = con.execute(f'SELECT {listed} FROM {db}."{schema}"."{table}"{where}').fetchall()
    return [tuple(_mapped(v, mapping) for v in row) for row in rows]


def _mapped(value: str | None, mapping: dict[str, str]) -> str | None:
    if value is None or not mapping:
        return value
    return ID.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
