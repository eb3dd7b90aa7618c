"""The fingerprint of a run's inputs: a digest of every input the warehouse's contents depend on, so a run
with nothing new can be told from one that must rebuild (``housekey run``, commands/run.py).

The inputs, each digested on its own so a run can say which one changed: the deliveries recorded in
``meta.deliveries`` (and the database cursors), the house register's deliveries apart, the source specs, the
reviewers' decisions (``core.*_decisions``), the tag catalogue (``schemas/tags/``), the code and rules (every
source file of the packages that build the warehouse, and the package's version: no git needed), the run
day, the analyst copy's token keys (digested, never stored) and the city person ids the subdistrict reads
back. Each run's digests are kept in ``meta.run_inputs`` (warehouse/database.py, migration 0007), one row per
run: ``full`` once a whole run succeeded, ``no-op`` when a run found nothing new and left everything as it was,
``running`` while a full run has not finished (so a run killed half-way is never taken for a finished one).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import duckdb

from connectors.spec import SourceSpec, register_source
from schemas.clock import run_day
from warehouse.catalogue import table_exists
from warehouse.database import quote_name
from warehouse.privacy import configured_keys

REPO_ROOT = Path(__file__).resolve().parent.parent
CODE_PACKAGES = ("connectors", "schemas", "quality", "resolution", "warehouse", "pipelines")
"""The packages whose files decide what a run writes (commands only print it)."""
CODE_SUFFIXES = {".py", ".yaml", ".yml", ".csv", ".json", ".txt"}
TAG_CATALOGUE = REPO_ROOT / "schemas" / "tags"
SOURCES_FOLDER = REPO_ROOT / "connectors" / "sources"  # digested as specs, from the registry a run reads
DECISIONS = ("address_decisions", "person_decisions", "business_decisions")


LABELS = {
    "deliveries": "the deliveries",
    "register": "the house register",
    "specs": "the source specs",
    "decisions": "the reviewers' decisions",
    "tag_catalogue": "the tag catalogue",
    "code": "the code and rules",
    "as_of": "the run day",
    "token_keys": "the token keys",
    "city_ids": "the city person ids",
}
"""How a run names an input that changed."""


@dataclass(frozen=True)
class LastRun:
    """The latest row of ``meta.run_inputs``."""

    run_number: int
    run_id: str
    outcome: str
    inputs: dict[str, str]
    succeeded: bool | None
    follows: str  # the run whose warehouse a no-op left as it was (itself for a full run)


def digest(*parts: object) -> str:
    """sha256 of the parts as JSON (anything else as its text): the digest every basis of a run is made of."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()


def files_digest(folders: tuple[Path, ...], skip: tuple[Path, ...] = ()) -> str:
    """sha256 over the names and bytes of the source files below ``folders`` (or a file named among them; caches
    and ``skip`` left out)."""
    hashed = hashlib.sha256()
    for folder in folders:
        for path in [folder] if folder.is_file() else sorted(folder.rglob("*")):
            if path.suffix not in CODE_SUFFIXES or "__pycache__" in path.parts or not path.is_file():
                continue
            if any(path.is_relative_to(other) for other in skip):
                continue
            hashed.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return hashed.hexdigest()


def code_digest(folders: tuple[Path, ...] | None = None) -> str:
    """The code and rules a run applies: the package's version, the pinned dependencies and the source files of
    ``folders`` (default every package that builds the warehouse, without the specs and the tag catalogue, which
    are digested apart)."""
    try:
        version = metadata.version("housekey")
    except metadata.PackageNotFoundError:
        version = "unknown"
    if folders is None:
        folders = tuple(REPO_ROOT / name for name in CODE_PACKAGES)
    locked = files_digest((REPO_ROOT / "requirements.lock",))
    return digest(version, locked, files_digest(folders, skip=(TAG_CATALOGUE, SOURCES_FOLDER)))


def table_digest(con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: str | None = None) -> str:
    """sha256 of a table's rows (or of these ``columns``) in a stable order; the same for a missing table."""
    if not table_exists(con, schema, table):
        return digest(None)
    row = f"row({columns})" if columns else "t"
    rows = con.execute(  # the names are this module's constants, never a source's
        f"SELECT CAST({row} AS VARCHAR) AS r FROM {quote_name(schema)}.{quote_name(table)} t ORDER BY r"
    ).fetchall()
    return digest([r[0] for r in rows])


def layer_checksums(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = ("core", "tags", "marts")) -> dict:
    """Rows and an order-free content hash of every table of ``schemas``, by ``schema.table``: what a run that
    changes nothing leaves as it was (the no-op test and benchmark compare them)."""
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND list_contains(?, schema_name) ORDER BY ALL",
        [list(schemas)],
    ).fetchall()
    return {
        f"{schema}.{table}": con.execute(
            f"SELECT count(*), bit_xor(hash(t::VARCHAR)) FROM {quote_name(schema)}.{quote_name(table)} t"
        ).fetchone()
        for schema, table in tables
    }


def input_digests(
    con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec], city_ids: Path | None = None
) -> dict[str, str]:
    """Every input's digest as the warehouse and the code stand now; ``city_ids`` is the file of city person ids
    the subdistrict reads back (a new city link is news to it)."""
    register = register_source(registry)
    deliveries = con.execute(
        "SELECT source, delivery_id, file_name, file_hash, status FROM meta.deliveries ORDER BY ALL"
    ).fetchall()
    keys = sorted(configured_keys().items())  # the keys publishing reads, by number
    return {
        "deliveries": digest(
            [row for row in deliveries if row[0] != register],
            table_digest(con, "meta", "cursors", "source, cursor_value"),
        ),
        "register": digest([row for row in deliveries if row[0] == register]),
        "specs": digest({name: spec.model_dump(mode="json") for name, spec in sorted(registry.items())}),
        "decisions": digest([table_digest(con, "core", table) for table in DECISIONS]),
        "tag_catalogue": files_digest((TAG_CATALOGUE,)),
        "code": code_digest(),
        "as_of": run_day().isoformat(),
        # each key only as a MAC it makes, as a token is: no digest a guessed key could be checked against offline
        "token_keys": digest(
            [(number, hmac.new(value.encode(), b"housekey run inputs", "sha256").hexdigest()) for number, value in keys]
        ),
        "city_ids": hashlib.sha256(city_ids.read_bytes()).hexdigest() if city_ids and city_ids.is_file() else "none",
    }


def changed_inputs(before: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """The inputs whose digest differs, named as a run says them (``the run day 2026-11-01 → 2026-11-02``)."""
    changed = []
    for name, label in LABELS.items():
        if before.get(name) != now.get(name):
            changed.append(f"{label} {before.get(name)} → {now[name]}" if name == "as_of" else label)
    return changed


def last_run(con: duckdb.DuckDBPyConnection) -> LastRun | None:
    """The latest run recorded in ``meta.run_inputs`` (None before the first)."""
    if not table_exists(con, "meta", "run_inputs"):
        return None
    rows = con.execute(
        "SELECT run_number, run_id, outcome, inputs, succeeded FROM meta.run_inputs ORDER BY run_number DESC"
    ).fetchall()
    if not rows:
        return None
    follows = next((r[1] for r in rows if r[2] != "no-op"), rows[0][1])
    number, run_id, outcome, inputs, succeeded = rows[0]
    return LastRun(number, run_id, outcome, json.loads(inputs), succeeded, follows)


def record_run_inputs(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    subdistrict: str | None,
    outcome: str,
    inputs: Mapping[str, str],
    changed: str | None = None,
    succeeded: bool | None = None,
    seconds: float | None = None,
) -> None:
    """Add a run's row (a full run's ``running`` row is completed by ``finish_run_inputs``)."""
    con.execute(
        "INSERT INTO meta.run_inputs (run_number, run_id, subdistrict, as_of, outcome, inputs, changed, succeeded,"
        " seconds) SELECT coalesce(max(run_number), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ? FROM meta.run_inputs",
        [run_id, subdistrict, inputs.get("as_of"), outcome, json.dumps(dict(inputs)), changed, succeeded, seconds],
    )


def finish_run_inputs(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    subdistrict: str | None,
    inputs: Mapping[str, str],
    changed: str | None,
    succeeded: bool,
    seconds: float,
) -> None:
    """A full run finished: its ``running`` row (if the warehouse was there to hold one) becomes the latest row,
    ``full``, with the inputs as the run left them and its verdict."""
    con.execute("DELETE FROM meta.run_inputs WHERE run_id = ? AND outcome = 'running'", [run_id])
    record_run_inputs(con, run_id, subdistrict, "full", inputs, changed, succeeded, seconds)
