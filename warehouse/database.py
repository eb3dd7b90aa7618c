"""Where the warehouse lives, how to open it, and the bookkeeping tables every layer relies on.

The warehouse is one DuckDB file: ``$HOUSEKEY_WAREHOUSE`` or ``var/warehouse/housekey.duckdb`` in
the repository. DuckDB has one writer at a time (decision 3): writers go through the pipeline's
``warehouse`` pool; analysts read a published copy or open the file read-only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.versions import latest_version, migration_steps, out_of_date, record_step, schema_version

REPO_ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE_ENV = "HOUSEKEY_WAREHOUSE"
# A file named like one of its schemas (raw.duckdb) makes queries fail as ambiguous.
LAYER_SCHEMAS = ("raw", "staging", "quality", "core", "tags", "marts", "meta")
VAR_FOLDER = REPO_ROOT / "var"
PRIVATE_UMASK = 0o077  # the warehouse holds ID numbers in clear: nobody but its owner reads its files

BOOKKEEPING = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS quality;
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.deliveries (
    delivery_id      VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    file_hash        VARCHAR,
    file_bytes       BIGINT,
    encoding         VARCHAR,
    rows_delivered   BIGINT NOT NULL DEFAULT 0,
    rows_loaded      BIGINT NOT NULL DEFAULT 0,
    rows_quarantined BIGINT NOT NULL DEFAULT 0,
    notes            VARCHAR,
    status           VARCHAR NOT NULL CHECK (status IN ('loaded', 'duplicate', 'failed')),
    loaded_at        TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    observed_on      DATE,  -- the day the delivery describes (warehouse/business_time.py)
    rows_resent      BIGINT DEFAULT 0  -- rows of a re-sent changes file an earlier delivery of its name loaded
);

CREATE TABLE IF NOT EXISTS quality.quarantine (
    source         VARCHAR NOT NULL,
    delivery_id    VARCHAR NOT NULL,
    file_name      VARCHAR,
    sheet          VARCHAR,
    row_number     BIGINT,
    column_name    VARCHAR,
    rule           VARCHAR NOT NULL,
    value          VARCHAR,
    reason         VARCHAR,
    quarantined_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    is_row_kept    BOOLEAN NOT NULL DEFAULT false, -- only the value is quarantined: the row is staged with it NULL
    record_id      VARCHAR  -- the row's key (warehouse/raw.py record_id_sql); NULL for a whole file
);

CREATE TABLE IF NOT EXISTS meta.schema_drift (
    source      VARCHAR NOT NULL,
    delivery_id VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    sheet       VARCHAR,
    added       VARCHAR[],
    missing     VARCHAR[],
    renamed     VARCHAR[],
    action      VARCHAR NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- quality/gate.py: each rule's outcome per delivery, and each delivery's failing share (delivery_threshold)
CREATE TABLE IF NOT EXISTS meta.validations (
    source           VARCHAR NOT NULL,
    delivery_id      VARCHAR NOT NULL,
    suite            VARCHAR NOT NULL,
    rule             VARCHAR NOT NULL,
    expectation      VARCHAR NOT NULL,
    column_name      VARCHAR,
    success          BOOLEAN NOT NULL,
    element_count    BIGINT NOT NULL,
    unexpected_count BIGINT NOT NULL,
    note             VARCHAR,
    validated_at     TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS meta.cursors (
    source       VARCHAR PRIMARY KEY,
    cursor_value VARCHAR,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- sources whose latest delivery the quality gate holds, rewritten by every publish (pipelines/publish.py)
CREATE TABLE IF NOT EXISTS meta.held_sources (
    source VARCHAR NOT NULL,
    reason VARCHAR NOT NULL
);

-- one row per pipeline run and one per source it touched (warehouse/runs.py)
CREATE TABLE IF NOT EXISTS meta.runs (
    run_id           VARCHAR PRIMARY KEY,
    trigger          VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ NOT NULL,
    seconds          DOUBLE NOT NULL,
    sources          INTEGER NOT NULL,
    rows_landed      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    failures         INTEGER NOT NULL,
    failure_messages VARCHAR[],
    subdistrict      VARCHAR,
    as_of            DATE,  -- the run day its tags, marts and freshness describe
    held_sources     INTEGER  -- its sources a delivery holds (quality gate, or drift under contract: stop)
);
-- the delivered rows quarantined whole, once each: a row failing twice is one row, a value quarantined alone none
CREATE VIEW IF NOT EXISTS quality.quarantined_rows AS
SELECT DISTINCT source, delivery_id, sheet, row_number FROM quality.quarantine
WHERE row_number IS NOT NULL AND NOT is_row_kept;

-- each run's inputs as digests, and whether it was a full run or a no-op (warehouse/fingerprint.py)
CREATE TABLE IF NOT EXISTS meta.run_inputs (
    run_number  INTEGER NOT NULL,   -- in the order runs started in this warehouse
    run_id      VARCHAR NOT NULL,   -- the Dagster run's id (meta.runs), or a no-op run's own
    subdistrict VARCHAR,
    as_of       DATE,
    outcome     VARCHAR NOT NULL CHECK (outcome IN ('running', 'full', 'no-op')),
    inputs      VARCHAR NOT NULL,   -- JSON: input name -> digest
    changed     VARCHAR,            -- why a full run ran: the inputs that changed, the new deliveries, --full
    succeeded   BOOLEAN,            -- the run's verdict (exit 0); a no-op repeats the one of the run it follows
    seconds     DOUBLE,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS meta.run_sources (
    run_id           VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,
    files            INTEGER NOT NULL,
    rows_delivered   BIGINT NOT NULL,
    rows_landed      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    duplicates       INTEGER NOT NULL,
    rows_staged      BIGINT NOT NULL,
    rows_matched     BIGINT NOT NULL,
    seconds          DOUBLE NOT NULL,
    failed_step      VARCHAR,
    failed_file      VARCHAR,
    message          VARCHAR,
    failures         INTEGER NOT NULL,
    PRIMARY KEY (run_id, source)
);
"""


def quote_name(name: str) -> str:
    """An identifier (schema, table, column) as SQL text: every name goes through here, never an f-string
    alone, because a delivered header is data (``姓名" , (SELECT …) AS leak, "`` stays one odd name)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string (a path, a pattern) as an SQL literal."""
    return "'" + text.replace("'", "''") + "'"


def keep_private(path: Path) -> None:
    """Make the warehouse owner-only: its file, WAL and folder (and the repository's ``var/``), and every
    file this process creates from now on (umask 077: WAL, reports, copies)."""
    os.umask(PRIVATE_UMASK)
    folders = [path.parent, *([VAR_FOLDER] if VAR_FOLDER in path.parents else [])]
    for private in (*folders, path, path.with_name(path.name + ".wal")):
        # only what this user owns, and never a shared folder such as /tmp (sticky bit)
        if private.exists() and private.stat().st_uid == os.getuid() and not private.stat().st_mode & stat.S_ISVTX:
            private.chmod(0o700 if private.is_dir() else 0o600)


def warehouse_path() -> Path:
    """The warehouse file: ``$HOUSEKEY_WAREHOUSE`` or ``<repo>/var/warehouse/housekey.duckdb``."""
    return _not_named_like_a_schema(Path(os.environ.get(WAREHOUSE_ENV) or VAR_FOLDER / "warehouse" / "housekey.duckdb"))


def _not_named_like_a_schema(path: Path) -> Path:
    if path.stem in LAYER_SCHEMAS:
        raise ValueError(f"{path}: a warehouse file must not be named like a schema ({path.stem})")
    return path


def create_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    """Make a new warehouse's raw, quality and meta schemas and bookkeeping tables, at the latest version;
    refuse (``WarehouseOutOfDate``) a warehouse at an older or newer version. Its files become owner-only."""
    (path,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if path:
        keep_private(Path(path))
    version = schema_version(con)
    if version is None:
        con.execute(BOOKKEEPING)
        for version, name in migration_steps():  # made by today's statements: where every step leads
            record_step(con, version, name)
    elif version != latest_version():
        raise out_of_date(path, version)


def connect(path: Path | str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (default: ``warehouse_path()``).

    A writable connection creates the file, its folder and the bookkeeping tables if missing, and refuses
    a warehouse at another version than the code's (``WarehouseOutOfDate``: ``housekey migrate`` upgrades it).
    A read-only connection needs the file to exist, at any version.
    """
    path = _not_named_like_a_schema(Path(path)) if path is not None else warehouse_path()
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path} yet: run `housekey run` first")
        return duckdb.connect(str(path), read_only=True)
    os.umask(PRIVATE_UMASK)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    create_bookkeeping(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything inside commits together or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_rows(con: duckdb.DuckDBPyConnection, target: str, rows: list) -> None:
    """Insert ``rows`` (sequences of values) into ``target`` (a table, or a table with its columns) in one
    statement: executemany runs one statement per row, seconds for a few hundred."""
    if rows:
        row = "(" + ", ".join("?" * len(rows[0])) + ")"
        con.execute(f"INSERT INTO {target} VALUES {', '.join([row] * len(rows))}", [v for r in rows for v in r])
