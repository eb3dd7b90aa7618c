"""The analyst copy: the warehouse as analysts read it, with personal data protected, swapped in atomically.

Analysts never read the file being written (DuckDB has one writer). After a good run the warehouse
is copied, table by table, into a new file in which every text value has ID numbers and phone
numbers masked (310101********123X, 138****5678) wherever they appear, free text included; the
canonical id_number and phone columns also get keyed tokens (HMAC-SHA256 with
``$HOUSEKEY_TOKEN_KEY``) so analysts can still join and count people without seeing them. The new
file replaces the old one with one rename, so a reader sees the old copy or the new, never half.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

import duckdb
import pyarrow as pa

ANALYST_FILE = "analyst.duckdb"
TOKEN_KEY_ENV = "HOUSEKEY_TOKEN_KEY"
# person_id (PSN...) is identity resolution's own key, not personal data: it stays as it is, for joins.
TOKEN_COLUMNS = {"id_number", "phone", "counterpart_id_number", "counterpart_phone", "contact_phone"}
# ID numbers (18 and 15 digits) and phones, also inside free text. (^|[^0-9A-Za-z]) stands for a word boundary:
# a letter before the digits makes them a document number (巡查编号 XC202605060002312), not an ID number.
# The birth date is checked loosely on purpose: an ID number with a typo still names a person.
_BIRTH = "([01][0-9])([0-3][0-9])"
_MASKS = (
    # no end boundary: card numbers such as 残疾证号 are the ID number plus two digits
    (rf"(^|[^0-9A-Za-z])([1-9][0-9]{{5}})(?:19|20)[0-9]{{2}}{_BIRTH}([0-9]{{3}}[0-9Xx])", r"\1\2********\5"),
    (rf"(^|[^0-9A-Za-z])([1-9][0-9]{{5}})[0-9]{{2}}{_BIRTH}([0-9]{{3}})($|[^0-9])", r"\1\2******\5\6"),
    (r"(^|[^0-9A-Za-z])(1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})($|[^0-9])", r"\1\2****\3\4"),
    (r"(^|[^0-9A-Za-z])(\(?0?21\)?)[ -]?[0-9]{4}([0-9]{4})($|[^0-9])", r"\1\2****\3\4"),
)
# Every pattern above needs four digits in a row: text without them (most names, codes, addresses) skips the masks.
_MAY_HOLD_IDENTIFIERS = "[0-9]{4}"


def analyst_path(warehouse: Path) -> Path:
    return warehouse.with_name(ANALYST_FILE)


def _token_key() -> bytes:
    return os.environ.get(TOKEN_KEY_ENV, "housekey-sample-key-change-me").encode()


_LETTERS_ONLY = str.maketrans("234567", "abcdef")


def _token(key: bytes, value: str) -> str:
    """A keyed token of letters only, so that no run of its characters can pass for a phone or ID number."""
    digest = hmac.new(key, value.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest)[:20].decode().translate(_LETTERS_ONLY)


def _mask(column: str) -> str:
    expression = f'"{column}"'
    for pattern, replacement in _MASKS:
        expression = f"regexp_replace({expression}, '{pattern}', '{replacement}', 'g')"
    return f"""CASE WHEN regexp_matches("{column}", '{_MAY_HOLD_IDENTIFIERS}') THEN {expression} ELSE "{column}" END"""


def _tokens(key: bytes):
    """The token UDF over Arrow batches: one Python call per vector, not per value."""
    def tokens(values: pa.Array) -> pa.Array:
        return pa.array([None if v is None else _token(key, v) for v in values.to_pylist()], pa.string())

    return tokens


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Write the protected analyst copy next to the warehouse and swap it in; returns its path."""
    target = analyst_path(warehouse)
    fresh = target.with_suffix(".duckdb.new")
    fresh.unlink(missing_ok=True)
    key = _token_key()
    con.create_function("person_token", _tokens(key), [str], str, type="arrow", null_handling="special",
                        side_effects=False)
    con.execute(f"ATTACH '{fresh}' AS analyst")
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND NOT temporary ORDER BY 1, 2").fetchall()
        for schema, table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = ? AND table_name = ? ORDER BY column_index", [schema, table]).fetchall()
            select = []
            for name, data_type in columns:
                quoted = f'"{name}"'
                if data_type == "VARCHAR":
                    select.append(f"{_mask(name)} AS {quoted}")
                elif data_type == "JSON":  # spilled-over columns of unknown meaning: masked like text
                    select.append(f"CAST({_mask(name).replace(quoted, quoted + '::VARCHAR', 1)} AS JSON) AS {quoted}")
                else:
                    select.append(quoted)
                if name in TOKEN_COLUMNS and data_type == "VARCHAR":
                    select.append(f'person_token("{name}") AS "{name}_token"')
            con.execute(f'CREATE SCHEMA IF NOT EXISTS analyst."{schema}"')
            con.execute(f'CREATE TABLE analyst."{schema}"."{table}" AS SELECT {", ".join(select)} FROM "{schema}"."{table}"')
    finally:
        con.execute("DETACH analyst")
        con.remove_function("person_token")
    os.replace(fresh, target)  # atomic on one filesystem: readers see the old copy or the new one
    return target
