"""The rows of the analyst copy's big tables as last published, so publishing rewrites only the rows that changed.

For each copied table of at least ``MIN_ROWS`` rows with key columns (its ``*_id`` columns), a private file beside
the copy holds one (masked key, row hash) per row the copy holds: the masked key a hash of the key columns as the
copy shows them (masked by the same expressions), the row hash DuckDB's ``hash`` of all the warehouse row's columns.
When such a table changes but its shape does not, the rows that went or came are found by their hashes alone (a
row hash held a different number of times before and now), so only those rows' keys are masked; the changed keys
are theirs, the copy loses every row of those keys and gets the masked rows the warehouse has for them now, and the
file the same. A copy updated so equals one masked whole, even where two keys mask alike or rows repeat: whole
keys are rewritten, never single rows. When more than ``MAX_SHARE`` of the rows would be rewritten, the table is
masked whole instead (``update`` says no).

The file (``analyst.published.rows/rows.duckdb``) sits in an owner-only folder, so its row hashes of private rows
and its WAL are never readable by analysts, and it names the copy file it describes (inode, size, modification
time): a file naming another copy, or none, is never used. It is updated in place, not copied (it grows with the
warehouse, and only the rows of the changed keys change): first it stops naming any copy (one commit), last it
names the new copy, before that copy is swapped in. A run killed or failed midway leaves a file naming no copy, or
a copy that never came: ignored, and the next publishing masks the tables it held whole and keeps their rows anew.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import duckdb

from warehouse.database import quote_literal, quote_name

FOLDER = "analyst.published.rows"  # owner-only: hashes of private rows
FILE = "rows.duckdb"
ATTACHED = "analyst_rows"  # its name while publishing has it attached
MIN_ROWS = 10_000  # smaller tables are masked whole: cheap, and no rows to keep (a wide one of 26,059 rows took 0.7 s)
MAX_SHARE = 0.3  # rewriting more of a table's rows than this costs about what masking it whole does
_KEY_TYPES = {"VARCHAR", "BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "UINTEGER", "DATE", "TIMESTAMP", "UUID"}


class Key(NamedTuple):
    """A table's key: ``expression`` giving it from the warehouse row as the copy shows it (a hash of masks, never of
    tokens: no parameters), and ``copied`` giving it from the copy's row."""

    expression: str
    copied: str


def key_columns(columns: list[tuple[str, str]]) -> list[str]:
    """The columns of a table of (column, type) that key it together: those named ``*_id``, of a plain type (all of
    them: the finer the key, the fewer rows a change rewrites; core.links changes few rows of many houses)."""
    return [name for name, kind in columns if name.endswith("_id") and kind in _KEY_TYPES]


def sidecar(target: Path) -> Path:
    return target.with_name(FOLDER) / FILE


def _entry(table: tuple[str, str]) -> str:
    """Where the rows of ``table`` are kept: a table named by the JSON of (schema, copied name), as no name splits."""
    return f"{ATTACHED}.main.{quote_name(json.dumps(table))}"


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> set[tuple[str, str]]:
    names = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND table_name <> 'copy'", [database]
    ).fetchall()
    return {tuple(json.loads(name)) for (name,) in names}


def held(target: Path, copy: list[int]) -> set[tuple[str, str]]:
    """The tables (schema, copied name) the file holds rows of, when it describes the copy file ``copy`` (its
    identity); none when it names another file, or there is none."""
    try:
        with duckdb.connect(str(sidecar(target)), read_only=True) as con:
            if [list(row) for row in con.execute("SELECT inode, size, modified_ns FROM copy").fetchall()] != [copy]:
                return set()
            return _tables(con, Path(FILE).stem)
    except (duckdb.Error, OSError):
        return set()


def start(con: duckdb.DuckDBPyConnection, target: Path, reuse: bool) -> None:
    """Attach the file to update in place, naming no copy until ``seal``: the last one when ``reuse`` (it describes
    the copy the next one starts from), else a new one."""
    folder = target.with_name(FOLDER)
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)  # whatever made it, and whatever the umask
    kept = sidecar(target)
    if not reuse:
        for leftover in (kept, kept.with_name(FILE + ".wal")):
            leftover.unlink(missing_ok=True)
    con.execute(f"ATTACH {quote_literal(str(kept))} AS {ATTACHED}")
    kept.chmod(0o600)  # a new one before it holds a row (the folder keeps it from others in any case)
    con.execute(f"CREATE OR REPLACE TABLE {ATTACHED}.main.copy (inode UBIGINT, size UBIGINT, modified_ns UBIGINT)")


def _hashes(table: tuple[str, str]) -> str:
    """The temporary table of the warehouse's rows of ``table`` by hash (rowid, row hash), from its fingerprint."""
    return f"temp.main.{quote_name('published_hashes ' + json.dumps(table))}"


def hash_rows(con: duckdb.DuckDBPyConnection, table: tuple[str, str], source: str) -> tuple[int, int | None]:
    """Hash the rows of ``source`` once, for the fingerprint of ``table`` and its update by rows: their count and
    the sum of their hashes (``forget_hashes`` drops them)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_hashes(table)} AS SELECT rowid AS row, hash(*COLUMNS(*)) AS row_hash "
        f"FROM {source}"
    )
    return con.execute(f"SELECT count(*), sum(row_hash) FROM {_hashes(table)}").fetchall()[0]


def forget_hashes(con: duckdb.DuckDBPyConnection, tables: set[tuple[str, str]]) -> None:
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS {_hashes(table)}")


def update(
    con: duckdb.DuckDBPyConnection,
    table: tuple[str, str],
    source: str,
    key: Key,
    masked: Callable[[str, str], str],
    params,
) -> bool:
    """Bring the copy's ``table`` (attached as ``analyst``) and its rows here up to the warehouse's ``source``,
    whose rows ``hash_rows`` hashed and the copy shows as ``masked(source, where)`` gives them (``params``: its token
    pads); False, with nothing changed, when too many rows would be rewritten."""
    entry, copied, now = _entry(table), f"analyst.{quote_name(table[0])}.{quote_name(table[1])}", _hashes(table)
    keys = "SELECT masked_key FROM published_keys"
    try:
        # a row hash held a different number of times before and now: a row that went or came (one GROUP BY)
        con.execute(
            "CREATE TEMP TABLE published_changed AS SELECT row_hash FROM ("
            f"SELECT row_hash, 1 AS side FROM {entry} UNION ALL SELECT row_hash, -1 FROM {now}"
            ") GROUP BY row_hash HAVING sum(side) <> 0"
        )
        changed = "row_hash IN (SELECT row_hash FROM published_changed)"
        # their keys: those the file holds for the rows that went, and those of the rows that came, masked alone
        con.execute(
            f"CREATE TEMP TABLE published_keys AS SELECT masked_key FROM {entry} WHERE {changed} UNION "
            f"SELECT {key.expression} FROM {source} WHERE rowid IN (SELECT row FROM {now} WHERE {changed})"
        )
        # the warehouse rows of a changed key: a row that came, or one the file holds under a changed key (its hash)
        con.execute(
            f"CREATE TEMP TABLE published_rewritten AS SELECT * FROM (SELECT rowid AS row, {key.expression} AS "
            f"masked_key FROM {source} WHERE rowid IN (SELECT row FROM {now} WHERE {changed} OR row_hash IN "
            f"(SELECT row_hash FROM {entry} WHERE masked_key IN ({keys})))) WHERE masked_key IN ({keys})"
        )
        (rows,) = con.execute(f"SELECT count(*) FROM {now}").fetchone()
        (rewritten,) = con.execute("SELECT count(*) FROM published_rewritten").fetchone()
        (dropped,) = con.execute(f"SELECT count(*) FROM {entry} WHERE masked_key IN ({keys})").fetchone()
        if max(rewritten, dropped) > MAX_SHARE * rows:
            return False
        con.execute(f"DELETE FROM {copied} WHERE {key.copied} IN ({keys})")
        con.execute(
            f"INSERT INTO {copied} BY NAME {masked(source, 'rowid IN (SELECT row FROM published_rewritten)')}", params
        )
        con.execute(f"DELETE FROM {entry} WHERE masked_key IN ({keys})")
        con.execute(
            f"INSERT INTO {entry} SELECT r.masked_key, n.row_hash FROM published_rewritten r JOIN {now} n USING (row)"
        )
        return True
    finally:
        for temporary in ("published_changed", "published_keys", "published_rewritten"):
            con.execute(f"DROP TABLE IF EXISTS temp.main.{temporary}")
        forget_hashes(con, {table})


def remember(con: duckdb.DuckDBPyConnection, table: tuple[str, str], source: str, key: Key) -> None:
    """Keep the rows of ``table``, just masked whole from ``source``."""
    con.execute(
        f"CREATE OR REPLACE TABLE {_entry(table)} AS SELECT {key.expression} AS masked_key, "
        f"hash(*COLUMNS(*)) AS row_hash FROM {source}"
    )


def keep_only(con: duckdb.DuckDBPyConnection, tables: set[tuple[str, str]]) -> None:
    """Drop the rows of every table but ``tables`` (gone, grown small, or keyed no more)."""
    for table in _tables(con, ATTACHED) - tables:
        con.execute(f"DROP TABLE {_entry(table)}")


def seal(target: Path, copy: list[int]) -> None:
    """Name the copy file the rows now describe (its identity, once written whole)."""
    with duckdb.connect(str(sidecar(target))) as con:
        con.execute("INSERT INTO copy VALUES (?, ?, ?)", copy)
