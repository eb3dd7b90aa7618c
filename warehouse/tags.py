"""The tag catalogue (schemas/tags/*.yaml) and its evaluation into tags.house_tags, person_tags, business_tags.

Each tag is a SELECT over the warehouse returning the ids of its members. Every run evaluates every
tag in force and keeps history: a membership the run confirms keeps its row, a new one opens a row
(valid_from, opened_by_run), a lost one is closed (valid_to, closed_by_run). A rule that fails is
reported in tags.evaluations and its history is left as it was: unknown is not "no longer a member".

A tag whose rule, the tables it reads, the run day and this code are as at its last evaluation keeps its
memberships unevaluated (meta.tags_basis): the same query over the same rows gives the same members.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.clock import VOLATILE_SQL, run_day, wall_clock
from schemas.yaml_text import load_yaml
from warehouse.changed_rows import rows_digest
from warehouse.database import insert_rows, quote_literal, transaction
from warehouse.tag_inputs import ENTITY_KEYS, build_tag_inputs

CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "schemas" / "tags"
BASIS = "meta.tags_basis"  # meta: what each tag's memberships were last evaluated from
BASIS_SQL = f"CREATE SCHEMA IF NOT EXISTS meta; CREATE TABLE IF NOT EXISTS {BASIS} (tag_code VARCHAR PRIMARY KEY, inputs VARCHAR NOT NULL)"
# the code a rule's result depends on besides its tables: this module's macros and the identifier macros
CODE = hashlib.sha256(
    b"".join(path.read_bytes() for path in (Path(__file__), CATALOGUE_DIR.parent / "identifiers.py"))
).hexdigest()
Entity = Literal["house", "person", "business"]


class Validity(BaseModel):
    """When the tag is in force: outside it the tag is not evaluated and its open memberships close."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: date | None = Field(None, alias="from")
    """First day the tag applies (default: always)."""
    until: date | None = None
    """Last day the tag applies (default: open)."""

    def covers(self, day: date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day <= self.until)


class TagDefinition(BaseModel):
    """One catalogue entry."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Stable identifier, snake_case English."""
    name_zh: str
    """The name departments use (低保户, 独居老人, ...)."""
    name_en: str
    entity: Entity
    """What the tag is put on; the rule returns house_id, person_id or business_id accordingly."""
    rule: str
    """A SELECT returning the members' ids in a column named after the entity's key."""
    sources: list[str] = Field(min_length=1)
    """The source systems whose records the rule reads (names in connectors/sources/)."""
    validity: Validity = Validity()
    description: str = ""
    """What the tag means, in a line, where the name alone does not say."""
    department: str = ""
    """Owning department; set from the catalogue file."""

    @field_validator("rule")
    @classmethod
    def _is_a_query(cls, rule: str) -> str:
        if not rule.lstrip().upper().startswith(("SELECT", "WITH", "FROM")):
            raise ValueError("a rule is a SELECT (or WITH ... SELECT) returning the members' ids")
        return rule.strip().rstrip(";")

    @property
    def key(self) -> str:
        return ENTITY_KEYS[self.entity]


class CatalogueFile(BaseModel):
    """One file of the catalogue: the tags one department (or theme) owns."""

    model_config = ConfigDict(extra="forbid")
    department: str
    tags: list[TagDefinition]


class CatalogueError(ValueError):
    """A catalogue file that cannot be read, naming the file, the tag and what is wrong."""


def load_catalogue(directory: Path = CATALOGUE_DIR, known_sources: set[str] | None = None) -> list[TagDefinition]:
    """Every tag of every file in the catalogue folder; codes are unique across files."""
    tags: dict[str, TagDefinition] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            document = CatalogueFile.model_validate(load_yaml(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError) as error:
            raise CatalogueError(f"{path.name}: {_explain(error, path)}") from None
        for tag in document.tags:
            if tag.code in tags:
                raise CatalogueError(f"{path.name}: tag {tag.code} is already defined by {tags[tag.code].department}")
            unknown = set(tag.sources) - known_sources if known_sources is not None else set()
            if unknown:
                raise CatalogueError(f"{path.name}: tag {tag.code} reads unknown sources {sorted(unknown)}")
            tags[tag.code] = tag.model_copy(update={"department": document.department})
    return list(tags.values())


def _explain(error: Exception, path: Path) -> str:
    if not isinstance(error, ValidationError):
        return str(error)
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    lines = []
    for problem in error.errors():
        where = problem["loc"]
        if len(where) >= 2 and where[0] == "tags" and isinstance(where[1], int):
            entry = (raw.get("tags") or [])[where[1]]
            code = entry.get("code", f"#{where[1] + 1}") if isinstance(entry, dict) else f"#{where[1] + 1}"
            where = (f"tag {code}", *where[2:])
        lines.append(f"{'.'.join(map(str, where))}: {problem['msg']}")
    return "; ".join(lines)


HISTORY_SQL = """
CREATE SCHEMA IF NOT EXISTS tags;
CREATE TABLE IF NOT EXISTS tags.evaluations (
    run_id VARCHAR, evaluated_at TIMESTAMP, as_of DATE, tag_code VARCHAR, entity VARCHAR,
    members BIGINT, added BIGINT, removed BIGINT, seconds DOUBLE, error VARCHAR
);
"""


def _history_table(entity: str) -> str:
    key = ENTITY_KEYS[entity]
    return (
        f"CREATE TABLE IF NOT EXISTS tags.{entity}_tags (tag_code VARCHAR NOT NULL, {key} VARCHAR NOT NULL, "
        "valid_from TIMESTAMP NOT NULL, valid_to TIMESTAMP, opened_by_run VARCHAR, closed_by_run VARCHAR)"
    )


@dataclass(frozen=True)
class TagResult:
    code: str
    members: int
    added: int
    removed: int
    error: str | None = None


def evaluate_tags(
    con: duckdb.DuckDBPyConnection,
    catalogue: list[TagDefinition],
    registry: Mapping,
    as_of: date | None = None,
    run_id: str | None = None,
    evaluated_at: datetime | None = None,
    build_inputs=build_tag_inputs,
) -> list[TagResult]:
    """Bring the tag inputs up to date, evaluate every tag in force on as_of (default the run day) and update history.

    History is kept in business time: a membership opens and closes on ``as_of`` (its midnight), with the
    run that saw it; ``evaluated_at`` (default the wall clock) only says when, in tags.evaluations.
    ``build_inputs(con, registry, as_of)`` writes the tags.*_records tables; the tests' truth oracle passes its own."""
    as_of = as_of or run_day()
    run_id = run_id or uuid.uuid4().hex
    evaluated_at = evaluated_at or wall_clock()
    business_at = datetime.combine(as_of, datetime.min.time())
    con.execute(HISTORY_SQL)
    for entity in ENTITY_KEYS:
        con.execute(_history_table(entity))
    build_inputs(con, registry, as_of)
    con.execute("SET VARIABLE as_of = ?", [as_of])
    con.execute("CREATE OR REPLACE TEMP MACRO as_of() AS getvariable('as_of')")  # rules say as_of()
    con.execute(
        "CREATE OR REPLACE TEMP MACRO years_old(birth) AS date_part('year', age(as_of()::TIMESTAMP, birth::TIMESTAMP))"
    )
    write_catalogue(con, catalogue)
    con.execute("CREATE OR REPLACE TEMP TABLE _members (tag_code VARCHAR, member VARCHAR)")
    con.execute(BASIS_SQL)
    bases = _bases(con, catalogue, as_of)
    earlier = dict(con.execute(f"SELECT tag_code, inputs FROM {BASIS}").fetchall())
    kept = {code for code, basis in bases.items() if basis is not None and earlier.get(code) == basis}
    # until the history stands on the new inputs, only the kept tags' basis holds
    con.execute(f"DELETE FROM {BASIS} WHERE tag_code NOT IN (SELECT unnest(?::VARCHAR[]))", [sorted(kept)])
    errors, seconds = {}, {}
    for tag in catalogue:
        started = time.perf_counter()
        if tag.validity.covers(as_of) and tag.code not in kept:  # out of force: no members, they close
            errors[tag.code] = _members(con, tag)
        seconds[tag.code] = time.perf_counter() - started
    counts = _open_counts(con, catalogue, kept)
    for entity in ENTITY_KEYS:  # history is brought in line with the members of every tag evaluated, per entity
        held = [t.code for t in catalogue if t.entity == entity and errors.get(t.code) is None and t.code not in kept]
        counts |= _update_history(con, entity, held, run_id, business_at)
    results = [TagResult(tag.code, *counts.get(tag.code, (0, 0, 0)), errors.get(tag.code)) for tag in catalogue]
    insert_rows(
        con,
        "tags.evaluations",
        [
            [run_id, evaluated_at, as_of, t.code, t.entity, r.members, r.added, r.removed, seconds[t.code], r.error]
            for t, r in zip(catalogue, results, strict=True)
        ],
    )
    _close_removed(con, {tag.code for tag in catalogue}, run_id, business_at)
    held = [[code, basis] for code, basis in bases.items() if basis is not None and errors.get(code) is None]
    with transaction(con):
        con.execute(f"DELETE FROM {BASIS}")
        insert_rows(con, BASIS, held)
    return results


def _bases(con, catalogue: list[TagDefinition], as_of: date) -> dict[str, str | None]:
    """Per tag, a digest of its definition, the run day, this code and every row of the tables its rule reads;
    None when the rule reads what cannot be digested (a table function, a volatile function, a rule that
    does not parse): such a tag is evaluated every run."""
    reads = {tag.code: _reads(con, tag.rule) for tag in catalogue}
    tables = sorted({table for read in reads.values() if read for table in read})
    digests = {table: rows_digest(con, table) for table in tables}
    bases = {}
    for tag in catalogue:
        read = reads[tag.code]
        if read is None or any(digests[table] is None for table in read):
            bases[tag.code] = None
            continue
        inputs = [CODE, as_of.isoformat(), tag.model_dump_json(), *(f"{t}={digests[t]}" for t in sorted(read))]
        bases[tag.code] = hashlib.sha256("\n".join(inputs).encode()).hexdigest()
    return bases


def _reads(con, rule: str) -> set[str] | None:
    """The tables (schema.table) the rule reads, from DuckDB's parse of it; None if it reads anything else."""
    (tree,) = con.execute("SELECT json_serialize_sql(?)", [rule]).fetchone()
    tree = json.loads(tree)
    if tree.get("error"):
        return None
    tables, ctes, unknown = set(), set(), []

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            called = [
                node.get("function_name", ""),
                *(node.get("column_names") or [])[-1:],
            ]  # a function named without parentheses parses as a column
            if node.get("type") == "TABLE_FUNCTION" or any(str(name).lower() in VOLATILE_SQL for name in called):
                unknown.append(node)
            if node.get("type") == "BASE_TABLE":
                if node.get("catalog_name") or not node.get("schema_name"):
                    unknown.append(node["table_name"])
                else:
                    tables.add(f"{node['schema_name']}.{node['table_name']}")
            for entry in (node.get("cte_map") or {}).get("map", []):
                ctes.add(entry["key"])
            for value in node.values():
                walk(value)

    walk(tree["statements"])
    if any(not isinstance(name, str) or name not in ctes for name in unknown):
        return None
    return tables


def _open_counts(con, catalogue: list[TagDefinition], kept: set[str]) -> dict[str, tuple[int, int, int]]:
    """(members, 0, 0) of the kept tags: their open memberships, as they were."""
    counts = {}
    for entity in ENTITY_KEYS:
        codes = sorted(t.code for t in catalogue if t.entity == entity and t.code in kept)
        if codes:
            counts |= {
                code: (n, 0, 0)
                for code, n in con.execute(
                    f"SELECT tag_code, count(*) FROM tags.{entity}_tags WHERE valid_to IS NULL "
                    "AND tag_code IN (SELECT unnest(?::VARCHAR[])) GROUP BY tag_code",
                    [codes],
                ).fetchall()
            }
    return counts


def _members(con, tag: TagDefinition) -> str | None:
    """Add the tag's members to _members; the rule's error, if it fails (then nothing is added)."""
    try:
        con.execute(
            f"INSERT INTO _members SELECT DISTINCT {quote_literal(tag.code)}, CAST({tag.key} AS VARCHAR) "
            f"FROM ({tag.rule}) WHERE {tag.key} IS NOT NULL"
        )
    except duckdb.Error as error:
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return None


def _update_history(con, entity: str, codes: list[str], run_id: str, at: datetime) -> dict[str, tuple[int, int, int]]:
    """Bring the open history rows of the tags ``codes`` in line with their members: (members, added, removed)
    per tag. A membership opened on the same business day it is lost held on no day: its row is removed, not
    closed (an earlier run of the day saw a batch of deliveries that a later one completed), so runs on one day
    leave the history one run over all of it leaves."""
    table, key = f"tags.{entity}_tags", ENTITY_KEYS[entity]
    con.execute("CREATE OR REPLACE TEMP TABLE _evaluated AS SELECT unnest(?::VARCHAR[]) AS tag_code", [codes])
    # the history is read once: the open memberships the members lost and the members no open one holds
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _open AS SELECT h.tag_code, h.{key} AS member
        FROM {table} h SEMI JOIN _evaluated USING (tag_code) WHERE h.valid_to IS NULL""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _lost AS
        SELECT * FROM _open o WHERE NOT EXISTS (SELECT 1 FROM _members m WHERE m.tag_code = o.tag_code AND m.member = o.member)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _new AS SELECT m.* FROM _members m SEMI JOIN _evaluated USING (tag_code)
        WHERE NOT EXISTS (SELECT 1 FROM _open o WHERE o.tag_code = m.tag_code AND o.member = m.member)""")
    counts = {code: [0, 0, 0] for code in codes}
    for code, column, n in con.execute(
        """SELECT tag_code, 0, count(*) FROM _members SEMI JOIN _evaluated USING (tag_code) GROUP BY tag_code
        UNION ALL SELECT tag_code, 1, count(*) FROM _new GROUP BY tag_code
        UNION ALL SELECT tag_code, 2, count(*) FROM _lost GROUP BY tag_code"""
    ).fetchall():
        counts[code][column] = n
    if any(n[2] for n in counts.values()):
        lost = f"h.valid_to IS NULL AND EXISTS (SELECT 1 FROM _lost l WHERE l.tag_code = h.tag_code AND l.member = h.{key})"
        con.execute(f"DELETE FROM {table} h WHERE {lost} AND h.valid_from = ?", [at])
        con.execute(f"UPDATE {table} h SET valid_to = ?, closed_by_run = ? WHERE {lost}", [at, run_id])
    if any(n[1] for n in counts.values()):
        con.execute(
            f"INSERT INTO {table} SELECT tag_code, member, ?, NULL, ?, NULL FROM _new ORDER BY ALL", [at, run_id]
        )
    con.execute("DROP TABLE _open; DROP TABLE _lost; DROP TABLE _new")
    return {code: tuple(n) for code, n in counts.items()}


def _close_removed(con, codes: set[str], run_id: str, at: datetime) -> None:
    """A tag taken out of the catalogue no longer holds for anyone."""
    for entity in ENTITY_KEYS:
        con.execute(
            f"UPDATE tags.{entity}_tags SET valid_to = ?, closed_by_run = ? WHERE valid_to IS NULL "
            "AND tag_code NOT IN (SELECT unnest(?::VARCHAR[]))",
            [at, run_id, sorted(codes)],
        )


def write_catalogue(con: duckdb.DuckDBPyConnection, catalogue: list[TagDefinition]) -> None:
    """tags.catalogue: the definitions as loaded, so analysts can read what each tag means."""
    con.execute("CREATE SCHEMA IF NOT EXISTS tags")
    con.execute("""CREATE OR REPLACE TABLE tags.catalogue (
        tag_code VARCHAR PRIMARY KEY, name_zh VARCHAR, name_en VARCHAR, entity VARCHAR, department VARCHAR,
        sources VARCHAR[], valid_from DATE, valid_until DATE, description VARCHAR, rule VARCHAR)""")
    insert_rows(
        con,
        "tags.catalogue",
        [
            [
                t.code,
                t.name_zh,
                t.name_en,
                t.entity,
                t.department,
                t.sources,
                t.validity.from_,
                t.validity.until,
                t.description,
                t.rule,
            ]
            for t in catalogue
        ],
    )
