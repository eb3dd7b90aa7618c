"""What a run would land, asked without landing it: whether a source has a delivery the warehouse has not
recorded (a no-op run needs none, commands/run.py). Read-only: nothing is written to the warehouse.

A file counts as new when the landing would read it: a name and content not recorded, except a file that
failed before with the same content (it would fail again the same way; a changed spec or code is an input of
its own). A database source counts as new when a pull from its cursor brings rows not already loaded, or when
a required database cannot be read (the run must say so); an optional one not read is skipped by the run too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

from connectors.landing import survey
from connectors.readers import ReadError
from connectors.spec import SourceSpec
from warehouse.file_hashes import known_hashes
from warehouse.pull import cursor_of, loaded_delivery, pulled_rows_hash


def new_delivery(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    root: Path | None = None,
) -> str | None:
    """What the landing would take in from the source (``26_rental.csv``), or None when nothing."""
    return _new_pull(con, spec) if spec.is_database else _new_file(con, spec, root)


def new_deliveries(
    con: duckdb.DuckDBPyConnection,
    registry: Mapping[str, SourceSpec],
    root: Path | None = None,
) -> list[str]:
    """``source: what`` for every source of ``registry`` with something to land."""
    return [f"{name}: {found}" for name, spec in registry.items() if (found := new_delivery(con, spec, root))]


def _new_file(con: duckdb.DuckDBPyConnection, spec: SourceSpec, root: Path | None) -> str | None:
    # failed files too: the same content fails the same way
    rows = con.execute("SELECT file_name, file_hash FROM meta.deliveries WHERE source = ?", [spec.name])
    recorded = {(name, file_hash) for name, file_hash in rows.fetchall() if file_hash is not None}
    pending = survey(spec, recorded, root, known=known_hashes(con, spec.name)).pending
    return pending[0].file_name if pending else None


def _new_pull(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> str | None:
    from connectors.readers.sql import SourceUnavailable, databases_mode, pull

    if databases_mode() == "off":
        return None
    since = cursor_of(con, spec.name)
    try:
        delivered, _ = pull(spec, since)
    except SourceUnavailable as error:
        return f"the database could not be read ({error})" if error.required else None
    except ReadError as error:
        return f"the pull failed ({error})"
    if not delivered.row_count and not delivered.unreadable:
        return None
    if loaded_delivery(con, spec.name, pulled_rows_hash(delivered)):
        return None  # an unchanged snapshot: the run would record nothing
    return f"{delivered.row_count:,} rows changed since {since or 'the first pull'}"
