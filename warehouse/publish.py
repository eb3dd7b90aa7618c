"""The analyst copy: the warehouse as analysts read it, with personal data protected, swapped in atomically.

Analysts never read the file being written (DuckDB has one writer). After a good run every table is
copied into a new file under the rules of warehouse/privacy.py (docs/privacy.md): ID numbers keep
only their region and phones their ends, wherever they appear (free text, column names, lists, JSON), and so
are bank cards, passports and permits, individuals' credit codes, plates and birth dates written in words;
ID number and phone columns also get keyed tokens (``*_token``) so analysts can join and count people
without seeing them; person names keep the surname (张*), birth dates the year (``birth_year``). The
raw layer (hidden and ignored columns included) and ``_extra`` (columns no spec maps, under the sender's own
names) stay private. The copy keeps the warehouse's views (recreated over its own, protected tables, so a view
can only show what the copy holds), every table and column comment (with what the copy did to the column), and
``meta.analyst_copy``: the run day it describes and the token key's id. The new file replaces the old one with
one rename, so a reader sees the old copy or the new, never half.

Publishing costs what changed: each table's fingerprint, its shape (columns, types, comments, key column, the
masking code and the token key) and its rows (count and sum of row hashes), keyed so it tells nothing about the
rows, is kept beside the copy (``analyst.published.json``, naming the copy file it describes, and which tables the
last publishing masked whole or updated by rows). The next copy starts as a file copy of the last one; a table
whose shape changed, or a small one, is masked again whole; a big one whose rows alone changed loses and gets
only the rows of the keys that changed (warehouse/published_rows.py), falling back to whole when many did. Views,
comments and ``meta.analyst_copy`` are made afresh every time; ``full`` masks every table whole.
Masks and tokens run in DuckDB (privacy.py's SQL forms) for the printable-ASCII values nearly every column
holds; Python masks the rest, each distinct value of a batch once.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa

from resolution.address.records import BACKBONE_TABLES
from schemas import identifiers
from schemas.clock import run_day
from warehouse import catalogue, privacy, published_rows
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
PUBLISHED_FILE = "analyst.published.json"  # each table's fingerprint, and which copy file they describe

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
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        encoded = values.dictionary_encode()  # a value repeated in the batch is masked once
        return pa.array([function(v) for v in encoded.dictionary.to_pylist()], pa.string()).take(encoded.indices)

    return udf


def _quarantined(rules: pa.Array, columns: pa.Array, values: pa.Array) -> pa.Array:
    """``privacy.mask_quarantined`` as a DuckDB UDF over Arrow batches."""
    rows = zip(rules.to_pylist(), columns.to_pylist(), values.to_pylist(), strict=True)
    return pa.array([privacy.mask_quarantined(*row) for row in rows], pa.string())


def _text(expression: str, column: str, rejected: bool = False) -> str:
    """A text value under the rule its column (or struct field) name gives."""
    if column in NAME_COLUMNS:
        return privacy.name_sql(expression)
    if rejected:
        return f"privacy_rejected({expression})"
    if column in ID_NUMBER_COLUMNS:
        return privacy.plain_sql(expression, privacy.id_number_sql(expression), "privacy_id_number")
    if column in PHONE_COLUMNS:
        return privacy.plain_sql(expression, privacy.phone_sql(expression), "privacy_phone")
    return f"CASE WHEN {_may_hold(expression)} THEN privacy_text({expression}) ELSE {expression} END"


def _may_hold(expression: str) -> str:
    """Whether a text may hold an identifier: most text fails the RE2 pre-test and skips the Python call; so does
    text that fails it once its full-width digits read as ASCII (the second test runs only on what passed the first).
    """
    pattern = quote_literal(privacy.MAY_HOLD_IDENTIFIERS)
    return (
        f"CASE WHEN regexp_matches({expression}, {pattern}) "
        f"THEN regexp_matches({privacy.full_width_sql(expression)}, {pattern}) ELSE false END"
    )


FLAGGED = '"may hold identifiers"'
"""The distinct values of a table's plain text columns that pass the pre-test (a CTE of ``Masking.rows``;
warehouse tables are the record kinds' snake_case names, never spaced). The pre-test runs once per distinct value,
not once per value: on the 50,000-person world 6.5 million distinct values against 49 million, the pre-tests 2.0 s
instead of 6.1 (the masked tables 11.5 s instead of 13.4 with the look-ups); and it is bound once per table, not
once per column (DuckDB compiles its pattern for every expression it binds, about 1 ms each)."""


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


# what the copy did to a column, added to its comment so an analyst reading it knows
_MASKED_NOTE = {
    **dict.fromkeys(ID_NUMBER_COLUMNS, "Analyst copy: the region's 6 digits only; join on the _token column."),
    **dict.fromkeys(PHONE_COLUMNS, "Analyst copy: the first 3 and last 4 digits only; join on the _token column."),
    **dict.fromkeys(NAME_COLUMNS, "Analyst copy: the surname only (张*)."),
}


def _noted(comment: str | None, note: str) -> str | None:
    return None if comment is None else f"{comment} {note}"


class Selected(NamedTuple):
    """One column of a table's copy: the ``expression`` making it from the warehouse column ``source`` (over
    ``Masking.rows``), its (masked) ``name`` and its ``comment``; ``alone``, the same over the warehouse table."""

    expression: str
    name: str
    comment: str | None
    source: str
    alone: str


class Masking(NamedTuple):
    """How a table's copy is made: its columns, its plain text columns, which one pre-test screens, and the columns
    whose tokens are made once per distinct value, by ``token`` (over ``TOKENED_VALUE``)."""

    select: list[Selected]
    screened: list[str]
    tokened: list[str]
    token: str

    @property
    def columns(self) -> str:
        return ", ".join(f"{s.expression} AS {quote_name(s.name)}" for s in self.select)

    def rows(self, source: str, where: str = "true") -> str:
        """The SELECT giving the copy's rows of the warehouse table ``source`` that ``where`` keeps (``where`` is
        applied to the table itself, so it may name its rowid)."""
        ctes, joins = [], []
        if self.screened:
            values = " UNION ".join(f"SELECT {column} AS v FROM {source} WHERE {where}" for column in self.screened)
            ctes.append(f"{FLAGGED} AS MATERIALIZED (SELECT v FROM ({values}) WHERE {_may_hold('v')})")
        for i, column in enumerate(self.tokened):
            tokens = _tokens(i)
            ctes.append(
                f"{tokens} AS MATERIALIZED (SELECT {TOKENED_VALUE}, {self.token} AS {TOKEN} "
                f"FROM (SELECT DISTINCT {column} AS {TOKENED_VALUE} FROM {source} WHERE {where}))"
            )
            joins.append(f" LEFT JOIN {tokens} ON {source}.{column} = {tokens}.{TOKENED_VALUE}")
        with_ = f"WITH {', '.join(ctes)} " if ctes else ""
        return f"{with_}SELECT {self.columns} FROM {source}{''.join(joins)} WHERE {where}"


TOKENED_VALUE, TOKEN = '"tokened value"', '"its token"'
"""The columns of a table's look-up of tokens (``_tokens``), spaced so as never to be a warehouse column. A token (HMAC-SHA256 in SQL) is made once per distinct
value and joined: on the 50,000-person world's tags.person_records (200,689 rows, 49,999 ID numbers) 0.23 s instead
of 0.80 for the ID numbers' tokens. NULL finds no row and stays NULL, as the token of NULL is."""


def _tokens(i: int) -> str:
    return f'"tokens {i}"'


def _plain_text(column: str, kind: duckdb.typing.DuckDBPyType, rejected: bool) -> bool:
    """Whether a column is text under no rule of its own, which only the pre-test and ``mask_text`` protect."""
    return kind.id == "varchar" and not rejected and column not in NAME_COLUMNS | ID_NUMBER_COLUMNS | PHONE_COLUMNS


def _select_list(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, comments: dict[str, str], key: privacy.TokenKey
) -> Masking:
    """The protected columns of one table, with their names masked too; ``comments`` are the private columns'
    comments, which the copy's columns get with what was done to them. Token columns read the parameters of
    ``privacy.token_pads``."""
    relation = con.table(f"{quote_name(schema)}.{quote_name(table)}")
    select, screened, tokened, taken = [], [], [], set()

    def add(expression: str, name: str, comment: str | None, column: str, alone: str | None = None) -> None:
        select.append(Selected(expression, _unique(name, taken), comment, column, alone or expression))

    for column, kind in zip(relation.columns, relation.types, strict=False):
        if column in PRIVATE_COLUMNS:
            continue
        quoted, comment = quote_name(column), comments.get(column)
        if column in BIRTH_DATE_COLUMNS:
            note = f"Analyst copy: the year only, as birth_year (of {column})."
            add(privacy.birth_year_sql(quoted), "birth_year", _noted(comment, note), column)
            continue
        if (schema, table, column) == QUARANTINED_VALUE:  # masked under the rule of the column it came from
            add(f"privacy_quarantined(rule, column_name, {quoted})", column, comment, column)
            continue
        rejected = (schema, table, column) in REJECTED_VALUES
        comment = _noted(comment, _MASKED_NOTE[column]) if column in _MASKED_NOTE else comment
        protected = _protected(quoted, column, kind, rejected=rejected)
        if _plain_text(column, kind, rejected):
            screened.append(quoted)
            shown = f"CASE WHEN {quoted} IN (FROM {FLAGGED}) THEN privacy_text({quoted}) ELSE {quoted} END"
            add(shown, privacy.mask_text(column), comment, column, alone=protected)
        else:
            add(protected, privacy.mask_text(column), comment, column)
        if kind.id == "varchar" and column in ID_NUMBER_COLUMNS | PHONE_COLUMNS:
            token_comment = (
                f"Keyed token of {column} (docs/privacy.md): equal values give equal tokens, so it joins and counts "
                "people without showing them; `housekey token` prints the token of a value you hold."
            )
            tokened.append(quoted)
            add(
                f"{_tokens(len(tokened) - 1)}.{TOKEN}",
                f"{column}_token",
                token_comment,
                column,
                alone=_token(key, quoted),
            )
    return Masking(select, screened, tokened, _token(key, TOKENED_VALUE))


def _token(key: privacy.TokenKey, expression: str) -> str:
    return privacy.plain_sql(expression, privacy.token_sql(key, expression), "person_token")


def _views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(schema, view, CREATE VIEW statement) of the open database's own views, none of a private schema."""
    rows = con.execute(
        "SELECT schema_name, view_name, sql FROM duckdb_views() "
        "WHERE database_name = current_database() AND NOT internal AND NOT temporary ORDER BY 1, 2"
    ).fetchall()
    return [row for row in rows if row[0] not in PRIVATE_SCHEMAS]


def _comment_on(
    con: duckdb.DuckDBPyConnection, kind: str, schema: str, table: str, comments: tuple[str | None, dict[str, str]]
) -> None:
    """COMMENT ON a table or view of the copy and its columns (comments masked like any text)."""
    table_comment, columns = comments
    target = f"{quote_name(schema)}.{quote_name(table)}"
    if table_comment:
        con.execute(f"COMMENT ON {kind} {target} IS {quote_literal(privacy.mask_text(table_comment))}")
    for column, comment in columns.items():
        con.execute(f"COMMENT ON COLUMN {target}.{quote_name(column)} IS {quote_literal(privacy.mask_text(comment))}")


def _recreate_views(con: duckdb.DuckDBPyConnection, views: list[tuple[str, str, str]], comments: dict) -> None:
    """Make the private warehouse's views in the copy, over the copy's tables (``con`` is the copy alone, so a
    view cannot reach the private data); a view that depends on another waits for it. A view reading what the copy
    leaves out (the raw layer, a birth date) stops publishing, naming it."""
    waiting = list(views)
    while waiting:
        failed = []
        for schema, view, sql in waiting:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_name(schema)}")
            try:
                con.execute(sql)
            except (duckdb.CatalogException, duckdb.BinderException) as error:
                failed.append((schema, view, sql, error))
                continue
            _comment_on(con, "VIEW", schema, view, comments[schema, view])
        if len(failed) == len(waiting):
            schema, view, _, error = failed[0]
            raise RuntimeError(f"view {schema}.{view} cannot be made in the analyst copy: {error}")
        waiting = [(schema, view, sql) for schema, view, sql, _ in failed]


def _describe_copy(con: duckdb.DuckDBPyConnection, key: privacy.TokenKey) -> None:
    """``meta.analyst_copy``: the run day the copy describes and the id of the key its tokens were made with."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("CREATE TABLE meta.analyst_copy (as_of DATE, token_key_id VARCHAR)")
    con.execute("INSERT INTO meta.analyst_copy VALUES (?, ?)", [run_day(), key.id])
    comments = {
        "as_of": "The run day the copy describes (schemas/clock.py): windows such as 'the last 90 days' and ages "
        "count back from it.",
        "token_key_id": "The id of the key the copy's *_token columns were made with: a token starts k<id>.",
    }
    _comment_on(con, "TABLE", "meta", "analyst_copy", ("This analyst copy: the day it describes, one row.", comments))


@functools.cache
def _rules() -> bytes:
    """What the masking code is, as this process loaded it: a change to it (or to DuckDB) masks every table again."""
    code = hashlib.sha256(duckdb.__version__.encode())
    for module in (privacy, identifiers, published_rows):
        code.update(Path(module.__file__).read_bytes())
    code.update(Path(__file__).read_bytes())
    return code.digest()


class Fingerprint(NamedTuple):
    """What the copy of a table is made from, as HMACs under the token key (they tell nothing about a row)."""

    shape: str  # its columns, types and comments, its key columns, the masking code and the token key
    rows: str  # its rows: count and sum of row hashes
    count: int  # how many rows (never recorded)
    key: list[str]  # its key columns (published_rows.key_columns), by which its rows can be updated


def _fingerprint(
    con: duckdb.DuckDBPyConnection,
    key: privacy.TokenKey,
    rules: bytes,
    comments: catalogue.Comments,
    columns: list[tuple[str, str, str | None]],
    schema: str,
    table: str,
    held: tuple[str, str] | None,
) -> Fingerprint:
    """The fingerprint of ``schema.table``, of ``columns`` (name, type, comment); its row hashes kept for an update
    by rows when the rows file ``held`` its rows (copied name)."""
    row_key = published_rows.key_columns([(column, kind) for column, kind, _ in columns])
    source = f"{quote_name(schema)}.{quote_name(table)}"
    if held:
        rows, digest = published_rows.hash_rows(con, held, source)
    else:  # fetched whole: a result left open stops the next registration on the connection
        rows, digest = con.execute(f"SELECT count(*), sum(hash(*COLUMNS(*))) FROM {source}").fetchall()[0]
    shape = json.dumps([schema, table, columns, comments[schema, table][0], row_key])
    made_of = json.dumps([schema, table, rows, str(digest)])
    return Fingerprint(
        hmac.new(key.secret, rules + shape.encode(), hashlib.sha256).hexdigest(),
        hmac.new(key.secret, made_of.encode(), hashlib.sha256).hexdigest(),
        rows,
        row_key,
    )


def _columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[str, str, str | None]]]:
    """(schema, table) -> its columns (name, type, comment) in order, of the open database, in one query (one a
    table cost some 85 questions of the catalogue a publishing)."""
    found: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    for schema, table, *column in con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index"
    ).fetchall():
        found.setdefault((schema, table), []).append(tuple(column))
    return found


def _file_identity(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns]


def _published(target: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """The fingerprints of the copy at ``target``, (schema, copied name) -> (shape, rows); none when the record
    names another file (a copy swapped in by something else, a run killed between the record and the swap)."""
    try:
        record = json.loads(target.with_name(PUBLISHED_FILE).read_text(encoding="utf-8"))
        if record["copy"] != _file_identity(target):
            return {}
        return {(schema, name): (shape, rows) for schema, name, shape, rows in record["tables"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _record(
    target: Path, fresh: Path, fingerprints: dict[tuple[str, str], Fingerprint], masked: list, updated: list
) -> None:
    """Write the fingerprints of ``fresh`` before it becomes ``target`` (a rename keeps the file's identity), and
    which tables this publishing masked whole and which it updated by rows."""
    record = {
        "copy": _file_identity(fresh),
        "tables": [[*name, fp.shape, fp.rows] for name, fp in sorted(fingerprints.items())],
        "masked": sorted(masked),
        "updated": sorted(updated),
    }
    written = target.with_name(PUBLISHED_FILE + ".new")
    written.unlink(missing_ok=True)
    written.touch(mode=0o600)  # owner-only whatever the umask, like the copy's other neighbours
    written.write_text(json.dumps(record), encoding="utf-8")
    os.replace(written, target.with_name(PUBLISHED_FILE))


def masked_last(target: Path) -> int:
    """How many tables the last publishing masked whole (the others came from the copy before, some updated)."""
    return len(json.loads(target.with_name(PUBLISHED_FILE).read_text(encoding="utf-8"))["masked"])


def updated_last(target: Path) -> int:
    """How many tables the last publishing updated by rows: only the rows of the keys that changed masked again."""
    return len(json.loads(target.with_name(PUBLISHED_FILE).read_text(encoding="utf-8"))["updated"])


PLUMBING = BACKBONE_TABLES | {
    "core.attribution_inputs",
    "core.business_signatures",
    "meta.file_hashes",
    "meta.links_basis",
    "meta.mart_basis",
    "meta.mart_inputs",
    "meta.tag_inputs_basis",
    "meta.tags_basis",
}
"""Tables the copy leaves out: the record backbone's rows reach analysts as tags.*_records, with their keys; what
later runs reuse (attribution's and the marts' hashes of their inputs, business linking per signature, the links'
and the tags' bases) tells an analyst nothing, and the copy would mask it again after every delivery."""


def _copied_tables(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(schema, name in the copy) -> name in the warehouse, of every table the copy holds."""
    return {
        (schema, privacy.mask_text(table)): table
        for schema, table in catalogue.base_tables(con)
        if schema not in PRIVATE_SCHEMAS and f"{schema}.{table}" not in PLUMBING
    }


def _clear(con: duckdb.DuckDBPyConnection, kept: set[tuple[str, str]]) -> None:
    """Drop from the attached copy every view, and every table but ``kept``."""
    for kind, name in (("VIEW", "view_name"), ("TABLE", "table_name")):
        for schema, table in con.execute(
            f"SELECT schema_name, {name} FROM duckdb_{kind.lower()}s() WHERE database_name = 'analyst' AND NOT internal"
        ).fetchall():
            if (schema, table) not in kept or kind == "VIEW":
                con.execute(f"DROP {kind} analyst.{quote_name(schema)}.{quote_name(table)}")


def _drop_empty_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """A schema whose last table went goes too, so an updated copy has the schemas a new one would."""
    for (schema,) in con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database() AND NOT internal "
        "AND schema_name NOT IN (SELECT schema_name FROM duckdb_tables() WHERE database_name = current_database() "
        "UNION ALL SELECT schema_name FROM duckdb_views() WHERE database_name = current_database())"
    ).fetchall():
        con.execute(f"DROP SCHEMA {quote_name(schema)}")


def _register_masks(con: duckdb.DuckDBPyConnection, key: privacy.TokenKey) -> list[str]:
    """The Python masks as DuckDB UDFs over Arrow batches, for the values the SQL forms leave to them; their names."""
    udfs = {**_FUNCTIONS, "person_token": lambda value: None if value is None else privacy.token(key, value)}
    for name, function in udfs.items():
        con.create_function(
            name, _vectorised(function), [str], str, type="arrow", null_handling="special", side_effects=False
        )
    con.create_function(
        "privacy_quarantined", _quarantined, [str] * 3, str, type="arrow", null_handling="special", side_effects=False
    )
    return [*udfs, "privacy_quarantined"]


class Plan(NamedTuple):
    """The next copy: its tables (copied name -> warehouse name) and their fingerprints, those the copy at the
    analyst path holds as they are now, and those whose rows alone changed, which it can update by rows."""

    copied: dict[tuple[str, str], str]
    fingerprints: dict[tuple[str, str], Fingerprint]
    unchanged: set[tuple[str, str]]
    by_rows: set[tuple[str, str]]
    rows_held: set[tuple[str, str]]  # the tables whose rows the rows file beside the copy holds
    comments: catalogue.Comments  # the warehouse's, which the copy's tables, columns and views get


def _plan(con: duckdb.DuckDBPyConnection, warehouse: Path, key: privacy.TokenKey, full: bool) -> Plan:
    """What the next copy keeps and updates of the copy at the analyst path (nothing when ``full``)."""
    copied, rules, target, comments = _copied_tables(con), _rules(), analyst_path(warehouse), catalogue.comments(con)
    previous = {} if full or not target.exists() else _published(target)
    rows_held = published_rows.held(target, _file_identity(target)) if previous else set()
    columns = _columns(con)
    fingerprints = {
        name: _fingerprint(
            con, key, rules, comments, columns[name[0], table], name[0], table, name if name in rows_held else None
        )
        for name, table in copied.items()
    }
    unchanged = {name for name, fp in fingerprints.items() if previous.get(name) == (fp.shape, fp.rows)}
    by_rows = {
        name
        for name, fp in fingerprints.items()
        if name not in unchanged
        and name in rows_held
        and previous[name][0] == fp.shape
        # a table that grew small is masked whole: its rows are no longer kept
        and fp.count >= published_rows.MIN_ROWS
    }
    published_rows.forget_hashes(con, rows_held - by_rows)
    return Plan(copied, fingerprints, unchanged, by_rows, rows_held, comments)


def stale_tables(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[tuple[str, str]]:
    """The tables (schema, name in the copy) the next ``publish`` masks again, whole or by rows: new, changed, or
    all of them when the copy is missing or was not written by publishing."""
    plan = _plan(con, warehouse, privacy.token_key(warehouse), full=False)
    published_rows.forget_hashes(con, plan.by_rows)
    return sorted(set(plan.copied) - plan.unchanged)


def _row_key(masking: Masking, columns: list[str]) -> published_rows.Key:
    """The key of ``columns`` as the copy shows them: a hash of the first column made from each (the masked value,
    before a token), from the warehouse's row and from the copy's."""
    shown = [next(selected for selected in masking.select if selected.source == column) for column in columns]
    return published_rows.Key(
        f"hash({', '.join(s.alone for s in shown)})", f"hash({', '.join(quote_name(s.name) for s in shown)})"
    )


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path, full: bool = False) -> Path:
    """Write the protected analyst copy next to the warehouse and swap it in; returns its path. Only the tables
    changed since the last copy are masked again (a big one whose shape did not change, only the rows of the keys
    that changed), unless ``full``. Raises ``privacy.MissingTokenKey`` in production without a token key."""
    target = analyst_path(warehouse)
    fresh = target.with_suffix(".duckdb.new")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    key = privacy.token_key(warehouse)
    plan = _plan(con, warehouse, key, full)
    kept = plan.unchanged | plan.by_rows
    if kept:
        shutil.copyfile(target, fresh)  # the last copy, then what changed: far less than masking every table
    udfs = _register_masks(con, key)
    con.execute(f"ATTACH {quote_literal(str(fresh))} AS analyst")
    tables = {}  # (schema, copied name) -> (table comment, {copied column: comment}), of the tables masked whole
    updated, rows_kept = [], set(plan.unchanged)  # the rows file keeps the rows of the tables unchanged it holds
    comments = plan.comments
    try:
        published_rows.start(con, target, reuse=bool(kept and plan.rows_held))
        _clear(con, kept)
        for (schema, name), table in plan.copied.items():
            if (schema, name) in plan.unchanged:
                continue
            table_comment, column_comments = comments[schema, table]
            masking = _select_list(con, schema, table, column_comments, key)
            source, fingerprint = f"{quote_name(schema)}.{quote_name(table)}", plan.fingerprints[schema, name]
            params = privacy.token_pads(key) if "$token_inner" in masking.rows(source) else None
            row_key = _row_key(masking, fingerprint.key) if fingerprint.key else None
            if (schema, name) in plan.by_rows:
                if published_rows.update(con, (schema, name), source, row_key, masking.rows, params):
                    updated.append((schema, name))
                    rows_kept.add((schema, name))
                    continue
                con.execute(f"DROP TABLE analyst.{quote_name(schema)}.{quote_name(name)}")  # too much changed
            con.execute(f"CREATE SCHEMA IF NOT EXISTS analyst.{quote_name(schema)}")
            con.execute(
                f"CREATE TABLE analyst.{quote_name(schema)}.{quote_name(name)} AS {masking.rows(source)}", params
            )
            tables[schema, name] = (table_comment, {s.name: s.comment for s in masking.select if s.comment})
            if row_key and fingerprint.count >= published_rows.MIN_ROWS:
                published_rows.remember(con, (schema, name), source, row_key)
                rows_kept.add((schema, name))
        published_rows.keep_only(con, rows_kept)
        views = _views(con)
        view_comments = {(schema, view): comments[schema, view] for schema, view, _ in views}
    finally:
        published_rows.forget_hashes(con, plan.by_rows)  # those of the updates that did not run
        con.execute("DETACH analyst")
        con.execute(f"DETACH DATABASE IF EXISTS {published_rows.ATTACHED}")
        for name in udfs:
            con.remove_function(name)
    with duckdb.connect(str(fresh)) as copy:  # the copy alone: its views can read nothing else
        copy.execute("BEGIN")  # some 900 comments in one commit, not one each
        for (schema, table), comments in tables.items():
            _comment_on(copy, "TABLE", schema, table, comments)
        copy.execute("COMMIT")
        _recreate_views(copy, views, view_comments)
        _describe_copy(copy, key)
        _drop_empty_schemas(copy)
    published_rows.seal(target, _file_identity(fresh))  # before the record: a run killed between leaves it unused
    _record(target, fresh, plan.fingerprints, list(tables), updated)
    os.replace(fresh, target)  # atomic on one filesystem: readers see the old copy or the new one
    return target
