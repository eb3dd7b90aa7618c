"""The record backbone: every staged row of a record kind, all sources in one table, keyed by record_id.

``core.person_rows``, ``link_rows``, ``business_rows``, ``event_rows`` and ``house_rows`` (the kinds of
schemas/record_kinds.yaml) are built once, right after address matching; identity, attribution and the tag
inputs read them instead of each gathering "the staged rows of kind X" again. A row holds its ``record_id``
and provenance (source, delivery_id, file_name, sheet, row_number), every canonical column of its kind (NULL
where its source has none), the house address matching gave it (house_id, match_level, candidates) and
``blanked``: the canonical columns whose delivered value staging quarantined alone and left NULL (an ID
number Excel turned into 3.10101E+17), so nobody reads the quarantine to learn it.

A row whose address lies outside the subdistrict (``match_level = 'out_of_area'``: a district export's row of
another subdistrict, a 12345 order dispatched here by mistake) is another subdistrict's record: it is left out
of the backbone, so it makes no person, business, event or tag here, and stays in staging and
``core.address_matches``, counted.

A kind's table is rebuilt only when what it is made of changed: ``core.backbone_basis`` keeps, per kind, a digest
of its sources' staging tables, their address matches and blanked values, the specs' column mapping and the code.
A delivery of patrols rebuilds ``core.event_rows`` and leaves the people's, businesses' and houses' rows as they
are (a rebuild would give the same rows).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from connectors.spec import SourceSpec
from schemas import record_kind_columns, sql_type
from warehouse import catalogue
from warehouse.database import quote_name
from warehouse.fingerprint import REPO_ROOT, code_digest

KINDS = ("person", "link", "business", "event", "house")
_PROVENANCE = {
    "_record_id": "record_id",
    "_source": "source",
    "_delivery_id": "delivery_id",
    "_file_name": "file_name",
    "_sheet": "sheet",
    "_row_number": "row_number",
}


def records_table(kind: str) -> str:
    """The backbone table of a record kind."""
    return f"core.{kind}_rows"


BACKBONE_TABLES = frozenset(records_table(kind) for kind in KINDS)


BASIS_SQL = """
CREATE TABLE IF NOT EXISTS core.backbone_basis (
    kind     VARCHAR PRIMARY KEY,  -- person, link, business, event, house
    inputs   VARCHAR NOT NULL,     -- digest of what the kind's table was built from
    rows     BIGINT                -- rows the table holds
)"""
_CODE = (Path(__file__), REPO_ROOT / "schemas")  # this build and the canonical columns of schemas/record_kinds.yaml


def build_records(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec]) -> dict[str, int]:
    """Rebuild every kind's backbone table whose inputs changed from staging, core.address_matches and the
    quarantine; returns rows per kind."""
    con.execute("CREATE SCHEMA IF NOT EXISTS core")
    con.execute(BASIS_SQL)
    _blanked(con, registry)
    code = code_digest(_CODE)
    for kind in KINDS:
        sources = [n for n, s in sorted(registry.items()) if s.record_kind == kind]
        inputs = _inputs(con, {name: registry[name] for name in sources}, code)
        built = con.execute("SELECT inputs FROM core.backbone_basis WHERE kind = ?", [kind]).fetchall()
        if built == [(inputs,)] and catalogue.table_exists(con, "core", f"{kind}_rows"):
            continue
        con.execute(f"""
            CREATE OR REPLACE TABLE {records_table(kind)} AS
            SELECT {", ".join(f"r.{old} AS {new}" for old, new in _PROVENANCE.items())},
                   r.* EXCLUDE ({", ".join(_PROVENANCE)}), m.house_id, coalesce(m.match_level, 'none') AS match_level,
                   m.candidates, coalesce(b.blanked, []) AS blanked
            FROM ({_staged(con, sources)}) r
            LEFT JOIN core.address_matches m ON m.record_id = r._record_id
            LEFT JOIN _blanked b ON b.record_id = r._record_id
            WHERE m.match_level IS DISTINCT FROM 'out_of_area'
            ORDER BY source, delivery_id, sheet, row_number""")
        present = set(catalogue.columns(con, "core", f"{kind}_rows"))
        for name, column in record_kind_columns(kind).items():  # readers find every canonical column
            if name not in present:
                con.execute(
                    f"ALTER TABLE {records_table(kind)} ADD COLUMN {quote_name(name)} {sql_type(column['type'])}"
                )
        rows = con.execute(f"SELECT count(*) FROM {records_table(kind)}").fetchone()[0]
        con.execute("INSERT OR REPLACE INTO core.backbone_basis VALUES (?, ?, ?)", [kind, inputs, rows])
    con.execute("DROP TABLE _blanked")
    return {kind: con.execute(f"SELECT count(*) FROM {records_table(kind)}").fetchone()[0] for kind in KINDS}


def _inputs(con: duckdb.DuckDBPyConnection, specs: Mapping[str, SourceSpec], code: str) -> str:
    """A digest of what a kind's backbone table is made of: its sources' staged rows, their address matches and
    blanked values (each row's hash summed, in no order), the specs' column mapping and the code."""
    staged = [name for name in specs if catalogue.table_exists(con, "staging", name)]
    parts: list[object] = [code, staged, [(name, spec.columns) for name, spec in specs.items()]]
    for name in staged:
        parts.append(con.execute(f"SELECT count(*), sum(hash(*COLUMNS(*))) FROM staging.{quote_name(name)}").fetchone())
    if staged:  # their matches and blanked values (nothing staged makes an empty table, whatever matches hold)
        parts += con.execute(
            """SELECT (SELECT sum(hash(record_id, house_id, match_level, candidates)) FROM core.address_matches
                       WHERE list_contains($sources, source)),
                      (SELECT sum(hash(record_id, blanked)) FROM _blanked WHERE list_contains($sources, source))""",
            {"sources": staged},
        ).fetchone()
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False).encode()).hexdigest()


def _staged(con: duckdb.DuckDBPyConnection, sources: list[str]) -> str:
    """Every staged row of the sources, canonical columns by name, with provenance."""
    parts = [
        f"SELECT * EXCLUDE (_file_hash, _extra) FROM staging.{quote_name(s)}"
        for s in sources
        if catalogue.table_exists(con, "staging", s)
    ]
    empty = "SELECT " + ", ".join(
        f"NULL::{'BIGINT' if old == '_row_number' else 'VARCHAR'} AS {old}" for old in _PROVENANCE
    )
    return " UNION ALL BY NAME ".join(parts) if parts else f"{empty} WHERE false"


def _blanked(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec]) -> None:
    """``_blanked(record_id, source, blanked)``: the canonical columns of each row whose value staging quarantined alone."""
    delivered = [
        (source, name, column.to)
        for source, spec in registry.items()
        for own, column in spec.columns.items()
        for name in (own, *column.aliases)
    ]
    source, name, target = (list(c) for c in zip(*delivered, strict=True)) if delivered else ([], [], [])
    con.register("_targets", pa.table({"source": source, "column_name": name, "target": target}, schema=_TARGETS))
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _blanked AS
        SELECT q.record_id, q.source, list(DISTINCT t.target ORDER BY t.target) AS blanked
        FROM quality.quarantine q JOIN _targets t USING (source, column_name)
        WHERE q.is_row_kept AND q.record_id IS NOT NULL GROUP BY q.record_id, q.source""")
    con.unregister("_targets")


_TARGETS = pa.schema([("source", pa.string()), ("column_name", pa.string()), ("target", pa.string())])
