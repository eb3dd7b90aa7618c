"""The analyst copy: the warehouse as analysts read it, with personal data protected, swapped in atomically.

Analysts never read the file being written (DuckDB has one writer). After a good run every table is
copied into a new file under the rules of warehouse/privacy.py (docs/privacy.md): ID numbers keep
only their region and phones their ends, wherever they appear (free text, column names, lists, JSON), and so
are bank cards, passports and permits, individuals' credit codes, plates and birth dates written in words;
ID number and phone columns also get keyed tokens (``*_token``) so analysts can join and count people
without seeing them; person names keep the surname (张*), birth dates the year (``birth_year``). The
raw layer (hidden and ignored columns included) and ``_extra`` (columns no spec maps, under the sender's own
names) stay private. The new file replaces the old one with one rename, so a reader sees the old copy or the
new, never half.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from resolution.address.records import BACKBONE_TABLES
from warehouse import catalogue, privacy
from warehouse.database import quote_literal, quote_name
from warehouse.privacy import (
    BIRTH_DATE_COLUMNS,
    ID_NUMBER_COLUMNS,
    NAME_COLUMNS,
    PHONE_COLUMNS,
    PRIVATE_COLUMNS,
    PRIVATE_SCHEMAS,
    QUARANTINED_VALUE,
    REJECTED_VALUES,
)

ANALYST_FILE = "analyst.duckdb"

_FUNCTIONS: dict[str, Callable[[str | None], str | None]] = {
    "privacy_text": privacy.mask_text,
    "privacy_rejected": privacy.mask_rejected,
    "privacy_id_number": privacy.mask_id_number,
    "privacy_phone": privacy.mask_phone,
}


def analyst_path(warehouse: Path) -> Path:
    return warehouse.with_name(ANALYST_FILE)


def _vectorised(function: Callable[[str | None], str | None]):
    """A Python function as a DuckDB UDF over Arrow batches: one Python call per vector, not per value."""

    def udf(values: pa.Array) -> pa.Array:
        return pa.array([function(v) for v in values.to_pylist()], pa.string())

    return udf


def _quarantined(rules: pa.Array, columns: pa.Array, values: pa.Array) -> pa.Array:
    """``privacy.mask_quarantined`` as a DuckDB UDF over Arrow batches."""
    rows = zip(rules.to_pylist(), columns.to_pylist(), values.to_pylist(), strict=True)
    return pa.array([privacy.mask_quarantined(*row) for row in rows], pa.string())


def _text(expression: str, column: str, rejected: bool = False) -> str:
    """A text value under the rule its column (or struct field) name gives."""
    if column in NAME_COLUMNS:
        return privacy.name_sql(expression)
    function = (
        "privacy_rejected"
        if rejected
        else "privacy_id_number"
        if column in ID_NUMBER_COLUMNS
        else "privacy_phone"
        if column in PHONE_COLUMNS
        else None
    )
    if function:
        return f"{function}({expression})"
    # most text holds no identifier's shape (the RE2 pre-test): it skips the Python call
    pattern = quote_literal(privacy.MAY_HOLD_IDENTIFIERS)
    return f"CASE WHEN regexp_matches({expression}, {pattern}) THEN privacy_text({expression}) ELSE {expression} END"


def _protected(
    expression: str, column: str, kind: duckdb.typing.DuckDBPyType, depth: int = 0, rejected: bool = False
) -> str:
    """An expression giving the value of ``expression`` (of type ``kind``) with its text protected, nested
    lists, structs and maps included; values without text as they are."""
    if kind.id == "varchar":
        return _text(expression, column, rejected)
    if kind.id == "json":
        return f"CAST({_text(f'CAST({expression} AS VARCHAR)', column)} AS JSON)"
    if kind.id == "list":
        item = f"x{depth}"
        inner = _protected(item, column, kind.child, depth + 1)
        return expression if inner == item else f"list_transform({expression}, lambda {item}: {inner})"
    if kind.id == "struct":
        fields = [
            (name, _protected(f"{expression}.{quote_name(name)}", name, child, depth + 1))
            for name, child in kind.children
        ]
        if all(inner == f"{expression}.{quote_name(name)}" for name, inner in fields):
            return expression
        packed = ", ".join(f"{quote_name(privacy.mask_text(name))} := {inner}" for name, inner in fields)
        return f"CASE WHEN {expression} IS NULL THEN NULL ELSE struct_pack({packed}) END"
    if kind.id == "map":
        (_, key), (_, value) = kind.children
        entry = f"e{depth}"
        pair = (
            f"struct_pack(key := {_protected(f'{entry}.key', column, key, depth + 1)}, "
            f"value := {_protected(f'{entry}.value', column, value, depth + 1)})"
        )
        return f"map_from_entries(list_transform(map_entries({expression}), lambda {entry}: {pair}))"
    if kind.id in ("union", "array", "enum"):  # not in the warehouse today: refuse rather than publish unread
        raise TypeError(f"publishing does not know how to protect {kind} ({column})")
    return expression


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``…: masking can make two column names equal (DuckDB compares them without case)."""
    unique, suffix = name, 2
    while unique.lower() in taken:
        unique, suffix = f"{name}_{suffix}", suffix + 1
    taken.add(unique.lower())
    return unique


def _select_list(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The protected columns of one table, each ``expression AS name`` with the name masked too."""
    relation = con.table(f"{quote_name(schema)}.{quote_name(table)}")
    select, taken = [], set()
    for column, kind in zip(relation.columns, relation.types, strict=False):
        if column in PRIVATE_COLUMNS:
            continue
        quoted = quote_name(column)
        if column in BIRTH_DATE_COLUMNS:
            select.append(f"{privacy.birth_year_sql(quoted)} AS {quote_name(_unique('birth_year', taken))}")
            continue
        if (schema, table, column) == QUARANTINED_VALUE:  # masked under the rule of the column it came from
            select.append(f"privacy_quarantined(rule, column_name, {quoted}) AS {quote_name(_unique(column, taken))}")
            continue
        rejected = (schema, table, column) in REJECTED_VALUES
        select.append(
            f"{_protected(quoted, column, kind, rejected=rejected)} "
            f"AS {quote_name(_unique(privacy.mask_text(column), taken))}"
        )
        if kind.id == "varchar" and column in ID_NUMBER_COLUMNS | PHONE_COLUMNS:
            select.append(f"person_token({quoted}) AS {quote_name(_unique(f'{column}_token', taken))}")
    return select


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Write the protected analyst copy next to the warehouse and swap it in; returns its path. Raises
    ``privacy.MissingTokenKey`` in production without a token key."""
    target = analyst_path(warehouse)
    fresh = target.with_suffix(".duckdb.new")
    fresh.unlink(missing_ok=True)
    key = privacy.token_key(warehouse)
    udfs = {**_FUNCTIONS, "person_token": lambda value: None if value is None else privacy.token(key, value)}
    for name, function in udfs.items():
        con.create_function(
            name, _vectorised(function), [str], str, type="arrow", null_handling="special", side_effects=False
        )
    con.create_function(
        "privacy_quarantined", _quarantined, [str] * 3, str, type="arrow", null_handling="special", side_effects=False
    )
    con.execute(f"ATTACH {quote_literal(str(fresh))} AS analyst")
    try:
        for schema, table in catalogue.base_tables(con):
            # the record backbone is plumbing: its rows reach analysts as tags.*_records, with their keys
            if schema in PRIVATE_SCHEMAS or f"{schema}.{table}" in BACKBONE_TABLES:
                continue
            select = _select_list(con, schema, table)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS analyst.{quote_name(schema)}")
            con.execute(
                f"CREATE TABLE analyst.{quote_name(schema)}.{quote_name(privacy.mask_text(table))} AS "
                f"SELECT {', '.join(select)} FROM {quote_name(schema)}.{quote_name(table)}"
            )
    finally:
        con.execute("DETACH analyst")
        for name in [*udfs, "privacy_quarantined"]:
            con.remove_function(name)
    os.replace(fresh, target)  # atomic on one filesystem: readers see the old copy or the new one
    return target
