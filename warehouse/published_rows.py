"""The rows of the analyst copy's big tables as last published, so publishing rewrites only the rows that changed.

For each copied table of at least ``MIN_ROWS`` rows with a key column (``record_id``, else its first ``*_id``
column), a private file beside the copy holds one (masked key, row hash) per row the copy holds: the key as the
copy shows it (masked by the same expression), the hash of the warehouse row it was made from (DuckDB's ``hash`` of
all its columns). When such a table changes but its shape does not, the changed keys are those of the rows that
went or came (a (masked key, row hash) held a different number of times before and now); the copy loses every row
of those keys and gets the masked rows the warehouse has for them now, and the file the same. A copy updated so
equals one masked whole, even where two keys mask alike or rows repeat: whole keys are rewritten, never single
rows. When more than ``MAX_SHARE`` of the rows would be rewritten, the table is masked whole instead (``update``
says no).

The file (``analyst.published.rows/rows.duckdb``) sits in an owner-only folder, so its row hashes of private rows
and its WAL are never readable by analysts, and it names the copy file it describes (inode, size, modification
time): a file naming another copy is never used. A new one is written beside it (``rows.duckdb.new``) and renamed
into place before the copy is, so a run killed midway leaves a file naming a copy that never came, ignored.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import NamedTuple

import duckdb

from warehouse.database import quote_literal, quote_name

FOLDER = "analyst.published.rows"  # owner-only: hashes of private rows
FILE = "rows.duckdb"
ATTACHED = "analyst_rows"  # its name while publishing has it attached
MIN_ROWS = 50_000  # smaller tables are masked whole: cheap, and no rows to keep
MAX_SHARE = 0.3  # rewriting more of a table's rows than this costs about what masking it whole does
_KEY_TYPES = {"VARCHAR", "BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "UINTEGER", "DATE", "TIMESTAMP", "UUID"}


class Key(NamedTuple):
    """A table's key column: ``raw`` in the warehouse (quoted), ``expression`` giving it as the copy shows it (a
    mask, never a token: no parameters), and its ``copied`` name there."""

    raw: str
    expression: str
    copied: str


def key_columns(columns: list[tuple[str, str]]) -> list[str]:
    """The columns of a table of (column, type) that may key it: those named ``*_id``, of a plain type."""
    return [name for name, kind in columns if name.endswith("_id") and kind in _KEY_TYPES]


def key_column(candidates: list[str], filled: set[str]) -> str | None:
    """The key among ``candidates``: ``record_id``, else the first one ``filled`` (never NULL), else the first: the
    rows of a NULL key are rewritten together (core.links' person_id is NULL in most of its rows)."""
    if "record_id" in candidates:
        return "record_id"
    return next((name for name in candidates if name in filled), next(iter(candidates), None))


def sidecar(target: Path) -> Path:
    return target.with_name(FOLDER) / FILE


def _fresh(target: Path) -> Path:
    return sidecar(target).with_name(FILE + ".new")


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
    """Attach the next file, a copy of the last one when ``reuse`` (it describes the copy the next one starts
    from), else a new one."""
    folder = target.with_name(FOLDER)
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)  # whatever made it, and whatever the umask
    fresh = _fresh(target)
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if reuse:
        fresh.touch(mode=0o600)  # copyfile keeps the mode of a file that exists
        shutil.copyfile(sidecar(target), fresh)
    con.execute(f"ATTACH {quote_literal(str(fresh))} AS {ATTACHED}")
    fresh.chmod(0o600)  # a new one before it holds a row (the folder keeps it from others in any case)


def update(con: duckdb.DuckDBPyConnection, table: tuple[str, str], source: str, key: Key, select: str, params) -> bool:
    """Bring the copy's ``table`` (attached as ``analyst``) and its rows here up to the warehouse's ``source``,
    whose rows the copy shows as ``select`` (``params``: its token pads); False, with nothing changed, when too
    many rows would be rewritten."""
    entry, copied = _entry(table), f"analyst.{quote_name(table[0])}.{quote_name(table[1])}"
    changed = _among("masked_key", "published_changed")
    try:
        con.execute(
            f"CREATE TEMP TABLE published_now AS SELECT {key.expression} AS masked_key, {key.raw} AS raw_key, "
            f"hash(*COLUMNS(*)) AS row_hash FROM {source}"
        )
        # a (masked key, row hash) held a different number of times before and now: one GROUP BY, some 6 times
        # cheaper than EXCEPT ALL both ways, and the same keys
        con.execute(
            "CREATE TEMP TABLE published_changed AS SELECT DISTINCT masked_key FROM ("
            f"SELECT masked_key, row_hash, 1 AS side FROM {entry} "
            "UNION ALL SELECT masked_key, row_hash, -1 FROM published_now"
            ") GROUP BY masked_key, row_hash HAVING sum(side) <> 0"
        )
        now, rewritten = con.execute(f"SELECT count(*), count(*) FILTER ({changed}) FROM published_now").fetchone()
        (dropped,) = con.execute(f"SELECT count(*) FILTER ({changed}) FROM {entry}").fetchone()
        if max(rewritten, dropped) > MAX_SHARE * now:
            return False
        # the warehouse rows of a changed key: those whose raw key masks to one (the mask reads that column alone)
        con.execute(f"CREATE TEMP TABLE published_raw AS SELECT DISTINCT raw_key FROM published_now WHERE {changed}")
        con.execute(f"DELETE FROM {copied} WHERE {_among(quote_name(key.copied), 'published_changed')}")
        con.execute(
            f"INSERT INTO {copied} BY NAME SELECT {select} FROM {source} "
            f"WHERE {_among(key.raw, 'published_raw', 'raw_key')}",
            params,
        )
        con.execute(f"DELETE FROM {entry} WHERE {changed}")
        con.execute(f"INSERT INTO {entry} SELECT masked_key, row_hash FROM published_now WHERE {changed}")
        return True
    finally:
        for temporary in ("published_now", "published_changed", "published_raw"):
            con.execute(f"DROP TABLE IF EXISTS temp.main.{temporary}")


def _among(value: str, keys: str, column: str = "masked_key") -> str:
    """``value`` is one of the ``column`` values of ``keys``, NULL included (IN never finds a NULL)."""
    return (
        f"({value} IN (SELECT {column} FROM {keys}) "
        f"OR ({value} IS NULL AND EXISTS (SELECT 1 FROM {keys} WHERE {column} IS NULL)))"
    )


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
    """Name the copy file the next file describes (its identity, once written whole) and put it in place."""
    fresh = _fresh(target)
    with duckdb.connect(str(fresh)) as con:
        con.execute("CREATE OR REPLACE TABLE copy (inode UBIGINT, size UBIGINT, modified_ns UBIGINT)")
        con.execute("INSERT INTO copy VALUES (?, ?, ?)", copy)
    fresh.chmod(0o600)
    os.replace(fresh, sidecar(target))
