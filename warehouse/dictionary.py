"""The data dictionary of the layers analysts read (core, marts, tags, meta, quality): every table and column described.

Descriptions are declared in schemas/warehouse_dictionary.yaml: a table's own ``columns`` first, then
the ``common`` descriptions of columns that mean the same everywhere (house_id, committee_code…); the
canonical columns of a record backbone table (core.<kind>_rows, and tags.<kind>_records that tag rules read) are
described by schemas/record_kinds.yaml.
They go into DuckDB as COMMENT ON TABLE / COLUMN (so any client shows them) and into docs/warehouse.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from resolution.address.records import KINDS, records_table
from schemas import record_kind_columns
from schemas.yaml_text import load_yaml
from warehouse.database import quote_literal, transaction

ROOT = Path(__file__).resolve().parents[1]
DICTIONARY_FILE = ROOT / "schemas" / "warehouse_dictionary.yaml"
DICTIONARY_DOC = ROOT / "docs" / "warehouse.md"
DESCRIBED_SCHEMAS = ("core", "marts", "tags", "meta", "quality")


@dataclass
class Column:
    schema: str
    table: str
    column: str | None  # None: the table itself
    data_type: str
    description: str | None


def load_dictionary() -> dict:
    return load_yaml(DICTIONARY_FILE.read_text(encoding="utf-8"))


def catalogue(con: duckdb.DuckDBPyConnection) -> list[Column]:
    """Every table of the described schemas, then its columns, with their declared description (or None)."""
    declared = load_dictionary()
    tables, common = declared["tables"], declared.get("common", {})
    canonical = {
        table: record_kind_columns(kind) for kind in KINDS for table in (records_table(kind), f"tags.{kind}_records")
    }
    rows = con.execute(
        """
        SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
        WHERE c.table_catalog = current_database() AND c.table_schema IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY c.table_schema, c.table_name, c.ordinal_position""",
        [list(DESCRIBED_SCHEMAS)],
    ).fetchall()
    entries, seen = [], set()
    for schema, table, column, data_type in rows:
        entry = tables.get(f"{schema}.{table}") or {}
        if (schema, table) not in seen:
            seen.add((schema, table))
            entries.append(Column(schema, table, None, "table", entry.get("description")))
        described = (entry.get("columns") or {}).get(column) or common.get(column)
        kind_column = canonical.get(f"{schema}.{table}", {}).get(column) or {}
        entries.append(Column(schema, table, column, data_type, described or kind_column.get("description")))
    return entries


def undescribed(con: duckdb.DuckDBPyConnection, entries: list[Column] | None = None) -> list[str]:
    """``schema.table`` and ``schema.table.column`` names that have no description (of ``entries``, default the
    catalogue)."""
    entries = catalogue(con) if entries is None else entries
    return [f"{c.schema}.{c.table}" + (f".{c.column}" if c.column else "") for c in entries if not c.description]


def apply_comments(con: duckdb.DuckDBPyConnection, entries: list[Column] | None = None) -> int:
    """COMMENT ON every described table and column (of ``entries``, default the catalogue) whose comment is not its
    description already: a table a run rebuilt lost its comments, the others keep theirs. Returns how many were set."""
    held = {
        (schema, table, column): comment
        for schema, table, column, comment in con.execute(
            "SELECT schema_name, table_name, NULL, comment FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION ALL SELECT schema_name, view_name, NULL, comment FROM duckdb_views() "
            "WHERE database_name = current_database() UNION ALL SELECT schema_name, table_name, column_name, comment "
            "FROM duckdb_columns() WHERE database_name = current_database()"
        ).fetchall()
    }
    entries = [
        c
        for c in (catalogue(con) if entries is None else entries)
        if c.description and held.get((c.schema, c.table, c.column)) != c.description
    ]
    with transaction(con):  # one commit, not one per comment: about a thousand of them, 1 CPU ms each alone
        for c in entries:
            target = (
                f'TABLE {c.schema}."{c.table}"' if c.column is None else f'COLUMN {c.schema}."{c.table}"."{c.column}"'
            )
            con.execute(f"COMMENT ON {target} IS {quote_literal(c.description)}")
    return len(entries)


def _cell(text: str | None) -> str:
    return (text or "**undescribed**").replace("|", "\\|").replace("\n", " ")


def write_dictionary(con: duckdb.DuckDBPyConnection, path: Path = DICTIONARY_DOC) -> Path:
    """Write the dictionary as Markdown: one section per table, one row per column."""
    lines = [
        "# The warehouse: data dictionary",
        "",
        (
            "Generated by `housekey dictionary` from `schemas/warehouse_dictionary.yaml` and the warehouse "
            "itself; do not edit by hand. The same descriptions are COMMENTs in DuckDB "
            "(`SELECT table_name, column_name, comment FROM duckdb_columns()`)."
        ),
    ]
    for c in catalogue(con):
        if c.column is None:
            lines += [
                "",
                f"## {c.schema}.{c.table}",
                "",
                _cell(c.description),
                "",
                "| column | type | description |",
                "|---|---|---|",
            ]
        else:
            lines.append(f"| `{c.column}` | {c.data_type} | {_cell(c.description)} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
