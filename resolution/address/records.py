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

A kind's table is written only when what it is made of changed: ``core.backbone_basis`` keeps, per kind, a digest
of how it is made (the code, its staged sources, the specs' column mapping) and one of its rows (its sources'
staging tables, their address matches and blanked values), ``<how>:<rows>``. A delivery of patrols writes
``core.event_rows`` and leaves the people's, businesses' and houses' rows as they are (a rebuild would give the
same rows); and while how it is made stays the same, only the deliveries whose rows differ from what a rebuild
would give (each delivery's row hashes summed, with their count) are deleted and written again, so a delivery
costs its own rows, not the kind's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from connectors.spec import SourceSpec
from schemas import record_kind_columns, sql_type
from warehouse import catalogue
from warehouse.database import quote_name, transaction
from warehouse.fingerprint import REPO_ROOT, code_digest, digest

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
_CODE = (
    Path(__file__),
    *(REPO_ROOT / "schemas" / name for name in ("__init__.py", "record_kinds.py", "record_kinds.yaml", "yaml_text.py")),
)
"""This build and the canonical columns of schemas/record_kinds.yaml: not the rest of schemas/ (the data dictionary,
the tag catalogue), whose edits would build every kind's table whole."""


def build_records(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec]) -> dict[str, int]:
    """Bring every kind's backbone table whose inputs changed in line with staging, core.address_matches and the
    quarantine; returns rows per kind."""
    con.execute("CREATE SCHEMA IF NOT EXISTS core")
    con.execute(BASIS_SQL)
    _blanked(con, registry)
    code, tables = code_digest(_CODE), set(catalogue.tables(con, "staging"))
    for kind in KINDS:
        specs = {name: spec for name, spec in sorted(registry.items()) if spec.record_kind == kind}
        sources = [name for name in specs if name in tables]  # the staged ones
        inputs = f"{_structure(specs, sources, code)}:{_contents(con, sources)}"
        built = next(
            iter(con.execute("SELECT inputs FROM core.backbone_basis WHERE kind = ?", [kind]).fetchall()), None
        )
        held = catalogue.table_exists(con, "core", f"{kind}_rows")
        if built == (inputs,) and held:
            continue
        same_structure = held and built is not None and built[0].split(":")[0] == inputs.split(":")[0]
        if not same_structure or _replace_changed_deliveries(con, kind, sources) is None:
            con.execute(f"CREATE OR REPLACE TABLE {records_table(kind)} AS {_rows(con, kind, sources)} {_ORDER}")
        count = con.execute(f"SELECT count(*) FROM {records_table(kind)}").fetchone()[0]
        con.execute("INSERT OR REPLACE INTO core.backbone_basis VALUES (?, ?, ?)", [kind, inputs, count])
    con.execute("DROP TABLE _blanked")
    return {kind: con.execute(f"SELECT count(*) FROM {records_table(kind)}").fetchone()[0] for kind in KINDS}


def _rows(con: duckdb.DuckDBPyConnection, kind: str, sources: list[str], only: str = "true") -> str:
    """The kind's backbone rows: every staged row (``only``: those its condition on ``r`` holds for) with its
    house and blanked columns, every canonical column of the kind (NULL where no source has it)."""
    staged = _staged(sources)
    present = {name for name, *_ in con.execute(f"DESCRIBE SELECT * FROM ({staged}) LIMIT 0").fetchall()}
    missing = "".join(  # readers find every canonical column
        f", NULL::{sql_type(column['type'])} AS {quote_name(name)}"
        for name, column in record_kind_columns(kind).items()
        if name not in present and name not in _PROVENANCE.values() and name not in _MATCHED
    )
    return f"""
        SELECT {", ".join(f"r.{old} AS {new}" for old, new in _PROVENANCE.items())},
               r.* EXCLUDE ({", ".join(_PROVENANCE)}), m.house_id, coalesce(m.match_level, 'none') AS match_level,
               m.candidates, coalesce(b.blanked, []) AS blanked{missing}
        FROM ({staged}) r
        LEFT JOIN core.address_matches m ON m.record_id = r._record_id
        LEFT JOIN _blanked b ON b.record_id = r._record_id
        WHERE m.match_level IS DISTINCT FROM 'out_of_area' AND {only}"""


_ORDER = "ORDER BY source, delivery_id, sheet, row_number"
_MATCHED = ("house_id", "match_level", "candidates", "blanked")


def _replace_changed_deliveries(con: duckdb.DuckDBPyConnection, kind: str, sources: list[str]) -> int | None:
    """Replace the rows of each delivery whose rows in the kind's table differ from what the backbone's query gives
    (by each delivery's row hashes summed, with their count), in one transaction; returns how many deliveries,
    None when the table's columns are not the query's (it must be built whole)."""
    table, rows = records_table(kind), _rows(con, kind, sources)
    if _shape(con, table) != _shape(con, f"SELECT * FROM ({rows}) LIMIT 0"):
        return None
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _changed_deliveries AS
        WITH built AS (SELECT source, delivery_id, count(*) AS n, sum(hash(b)) AS digest FROM ({rows}) b GROUP BY ALL),
             held AS (SELECT source, delivery_id, count(*) AS n, sum(hash(h)) AS digest FROM {table} h GROUP BY ALL)
        SELECT coalesce(built.source, held.source) AS source,
               coalesce(built.delivery_id, held.delivery_id) AS delivery_id
        FROM built FULL JOIN held ON built.source = held.source AND built.delivery_id = held.delivery_id
        WHERE built.n IS DISTINCT FROM held.n OR built.digest IS DISTINCT FROM held.digest""")
    changed = (
        "EXISTS (SELECT 1 FROM _changed_deliveries c WHERE c.source = {0}source AND c.delivery_id = {0}delivery_id)"
    )
    [(count, keyed)] = con.execute(
        "SELECT count(*), count(*) = count(source) AND count(*) = count(delivery_id) FROM _changed_deliveries"
    ).fetchall()
    if keyed:  # a row without its delivery cannot be replaced by delivery
        with transaction(con):  # a failure leaves the rows as they were
            con.execute(f"DELETE FROM {table} t WHERE {changed.format('t.')}")
            con.execute(f"INSERT INTO {table} {_rows(con, kind, sources, changed.format('r._'))} {_ORDER}")
    con.execute("DROP TABLE _changed_deliveries")
    return count if keyed else None


def _shape(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE {relation}").fetchall()]


def _structure(specs: Mapping[str, SourceSpec], staged: list[str], code: str) -> str:
    """A digest of how a kind's backbone table is made: the code, its staged sources and the specs' column
    mapping. While it holds, a change of the rows is written by delivery; otherwise the table is built whole."""
    parts = [code, staged, [(name, spec.columns) for name, spec in specs.items()]]
    return digest(*parts)


def _contents(con: duckdb.DuckDBPyConnection, staged: list[str]) -> str:
    """A digest of a kind's backbone table's rows: its staged sources' rows, their address matches and blanked
    values (each row's hash summed, in no order)."""
    parts: list[object] = []
    for name in staged:
        parts.append(con.execute(f"SELECT count(*), sum(hash(*COLUMNS(*))) FROM staging.{quote_name(name)}").fetchone())
    if staged:  # their matches and blanked values (nothing staged makes an empty table, whatever matches hold)
        parts += con.execute(
            """SELECT (SELECT sum(hash(record_id, house_id, match_level, candidates)) FROM core.address_matches
                       WHERE list_contains($sources, source)),
                      (SELECT sum(hash(record_id, blanked)) FROM _blanked WHERE list_contains($sources, source))""",
            {"sources": staged},
        ).fetchone()
    return digest(*parts)


def _staged(sources: list[str]) -> str:
    """Every staged row of the (staged) sources, canonical columns by name, with provenance."""
    parts = [f"SELECT * EXCLUDE (_file_hash, _extra) FROM staging.{quote_name(s)}" for s in sources]
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
