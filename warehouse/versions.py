"""Which version of the warehouse's structure a file is at, and which this code expects.

The steps that change the structure are the files of ``warehouse/migrations/`` (its docstring holds the
convention); a warehouse records those it has taken in ``meta.schema_migrations``. This module reads the
steps' numbers from their file names and never imports them, so a step may import ``warehouse.database``,
which checks the version whenever it opens a warehouse (``create_bookkeeping``).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from schemas.clock import wall_clock

MIGRATIONS_FOLDER = Path(__file__).resolve().parent / "migrations"
_STEP_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.py$")

# which steps of the warehouse's structure this file has taken
_VERSIONS = """
CREATE TABLE IF NOT EXISTS meta.schema_migrations (
    version    INTEGER PRIMARY KEY,  -- the step's number, warehouse/migrations/NNNN_<name>.py
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL  -- the wall clock (schemas/clock.py), for bookkeeping only
)
"""


class WarehouseOutOfDate(RuntimeError):
    """The warehouse's structure is at another version than this code's; the message says what to run."""


def check_version(path: Path) -> None:
    """Refuse (``WarehouseOutOfDate``) the warehouse file at ``path`` if it is at another version than the code's;
    a file not made yet passes (it will be made at the latest), and so does one a run is writing (it says so)."""
    if not path.exists():
        return
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            version = schema_version(con)
    except duckdb.IOException:
        return
    if version is not None and version != latest_version():
        raise out_of_date(str(path), version)


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's version: its last step applied; 0 if it was made before versions; None if it is new."""
    tables = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'meta'"
        ).fetchall()
    }
    if "schema_migrations" in tables:
        return con.execute("SELECT coalesce(max(version), 0) FROM meta.schema_migrations").fetchone()[0]
    return 0 if "deliveries" in tables else None


def out_of_date(path: str | None, version: int) -> WarehouseOutOfDate:
    where, latest = f"the warehouse {path}" if path else "the warehouse", latest_version()
    if version > latest:
        return WarehouseOutOfDate(
            f"{where} is at version {version}, newer than this housekey's {latest}: run the release that upgraded it"
        )
    state = "was made before versions (release 14eba33 or older)" if version == 0 else f"is at version {version}"
    return WarehouseOutOfDate(
        f"{where} {state}; this housekey needs version {latest}. Copy the file as a backup, then run "
        "`housekey migrate` to upgrade it (`housekey migrate --dry-run` lists the steps)"
    )


def record_step(con: duckdb.DuckDBPyConnection, version: int, name: str) -> None:
    """Record a step as applied (inside its transaction: ``warehouse.migrations.apply_migrations``)."""
    con.execute(_VERSIONS)
    con.execute("INSERT INTO meta.schema_migrations VALUES (?, ?, ?)", [version, name, wall_clock()])


def migration_steps() -> list[tuple[int, str]]:
    """(version, name) of every step, from the file names in ``warehouse/migrations/`` (the steps import this
    module, so it reads their names and never imports them), numbered 1, 2, 3… without a gap or a repeat."""
    steps = []
    for path in sorted(MIGRATIONS_FOLDER.glob("[0-9]*.py")):
        if not (found := _STEP_FILE.match(path.name)):
            raise ValueError(f"{path}: a migration step is named NNNN_<what_changes>.py")
        steps.append((int(found[1]), found[2]))
    if [version for version, _ in steps] != list(range(1, len(steps) + 1)):
        raise ValueError(f"migration steps must be numbered 1, 2, 3… once each: {[v for v, _ in steps]}")
    return steps


def latest_version() -> int:
    """The version this code expects a warehouse at: its last step's."""
    return len(migration_steps())
