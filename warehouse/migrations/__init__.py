"""The warehouse's structure, versioned: one file per change, applied in order by ``housekey migrate``.

A warehouse records the steps it has taken in ``meta.schema_migrations`` (version, name, applied_at).
Its version is the highest applied; a warehouse made before versions (release 14eba33 and older) has
no such table and is at version 0. The code expects the latest version: ``housekey run``, the Dagster
assets and every command that writes refuse an older warehouse and name the command that upgrades it
(``warehouse/database.py``, ``create_bookkeeping``, asking ``warehouse/versions.py``, which reads the
steps' numbers from their file names); nothing upgrades a warehouse on the side.

A new warehouse is created at the latest version directly: the code's own ``CREATE TABLE`` statements
make its tables, and every step is recorded as applied without running (alembic's "create, then stamp").
So a step and the ``CREATE`` statements it matches change together, and a migrated warehouse ends with
the structure a new one starts with.

The convention for a step, for everyone who changes a table that outlives a run:

- One file per change, ``NNNN_<what_changes>.py`` in this folder: the next free four-digit number
  (the number is the version), a name in snake_case. Never renumber, edit or delete a step once it is
  committed: some warehouse may have applied it.
- The file's docstring says in its first line what the step changes (``housekey migrate`` prints it),
  then why and how existing rows get their values.
- It defines ``migrate(con: duckdb.DuckDBPyConnection) -> None``, bringing a warehouse at the previous
  version to this one. The runner calls it inside one transaction together with its row in
  ``meta.schema_migrations``: the step never begins, commits or rolls back, and a step that raises
  leaves the warehouse as it was.
- A step keeps data: it alters tables in place (``ALTER TABLE ... ADD COLUMN``, then ``UPDATE`` to fill
  the column for existing rows) or copies them into their new shape; it never drops what a reviewer,
  a delivery or the id registries recorded. Tables a run rebuilds from scratch (``CREATE OR REPLACE``:
  most of ``staging``, ``core``, ``marts``) need no step; the ones that outlive a run do: ``raw.*``,
  ``meta.*``, ``quality.quarantine``, ``core.person_ids``, ``core.*_id_history``, ``core.*_decisions``,
  ``tags.evaluations``, ``tags.*_tags``, and the rebuilt tables the next run reads before rebuilding
  them: ``core.person_records``, ``core.person_counterparts`` and ``core.business_records`` (a record keeps
  the id it had through them) and ``quality.person_review``.
- A step is frozen: it holds its own SQL and imports nothing that may change later (not the current
  ``CREATE`` statements, not a stage's helpers), only ``warehouse.database.quote_name``/``quote_literal``.
  The one exception is ``0001_baseline``, which makes the bookkeeping tables an old warehouse lacks
  with the code's ``IF NOT EXISTS`` statements, as every release before versions did on each open; so
  a later step adds its columns with ``ADD COLUMN IF NOT EXISTS``.
- Tables made on first use (a source's ``raw.<source>``, the decisions and tag tables) may be missing:
  find the ones there are in ``duckdb_tables()`` and write ``IF EXISTS``/``IF NOT EXISTS``. A name read
  from the catalogue is data: quote it with ``quote_name``.
- The migration test (``tests/warehouse/test_migrate.py``) upgrades a warehouse built by release 14eba33
  (``tests/warehouse/fixtures/``) through every step and checks that ids, reviewers' decisions, tag
  history and quarantine survive; run it after adding a step.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb

from warehouse.database import create_bookkeeping, transaction
from warehouse.versions import latest_version, migration_steps, record_step, schema_version


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    summary: str
    """The first line of the step's docstring, as plain text: what it changes."""
    migrate: Callable[[duckdb.DuckDBPyConnection], None]


def migrations() -> list[Migration]:
    """Every step in this folder, in order."""
    steps = []
    for version, name in migration_steps():
        module = importlib.import_module(f"{__name__}.{version:04d}_{name}")
        summary = (module.__doc__ or "").strip().splitlines()
        if not summary or not callable(getattr(module, "migrate", None)):
            raise ValueError(f"{module.__file__}: a migration step has a docstring and a migrate(con) function")
        steps.append(Migration(version, name, summary[0].replace("``", ""), module.migrate))
    return steps


def applied_steps(con: duckdb.DuckDBPyConnection) -> dict[int, dt.datetime]:
    """When each step was applied, by version (empty for a warehouse made before versions)."""
    if not schema_version(con):
        return {}
    return dict(con.execute("SELECT version, applied_at FROM meta.schema_migrations ORDER BY version").fetchall())


def apply_migrations(con: duckdb.DuckDBPyConnection) -> Iterator[Migration]:
    """Apply the steps the warehouse lacks, in order, each in one transaction with its row in
    ``meta.schema_migrations``, yielding each once committed (a new warehouse is made at the latest)."""
    version = schema_version(con)
    if version is None or version > latest_version():
        create_bookkeeping(con)  # makes a new warehouse, refuses a newer one
        return
    for step in migrations()[version:]:
        with transaction(con):
            step.migrate(con)
            record_step(con, step.version, step.name)
        yield step
