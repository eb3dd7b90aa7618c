"""The tag catalogue (schemas/tags/*.yaml) and its evaluation into tags.house_tags, person_tags, business_tags.

Each tag is a SELECT over the warehouse returning the ids of its members. Every run evaluates every
tag in force and keeps history: a membership the run confirms keeps its row, a new one opens a row
(valid_from, opened_by_run), a lost one is closed (valid_to, closed_by_run). A rule that fails is
reported in tags.evaluations and its history is left as it was: unknown is not "no longer a member".
"""

from __future__ import annotations

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

from schemas.clock import run_day, wall_clock
from schemas.yaml_text import load_yaml
from warehouse.database import insert_rows, quote_literal
from warehouse.tag_inputs import ENTITY_KEYS, build_tag_inputs

CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "schemas" / "tags"
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
    errors, seconds = {}, {}
    for tag in catalogue:
        started = time.perf_counter()
        if tag.validity.covers(as_of):  # out of force: no members, its open memberships close
            errors[tag.code] = _members(con, tag)
        seconds[tag.code] = time.perf_counter() - started
    counts = {}  # history is brought in line with the members of every tag evaluated at once, per entity
    for entity in ENTITY_KEYS:
        held = [t.code for t in catalogue if t.entity == entity and errors.get(t.code) is None]
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
    return results


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
