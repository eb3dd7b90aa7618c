"""The source spec: one declarative YAML file per departmental system, in connectors/sources/.

A spec says who owns the system, how its exports are read, how they are delivered, and how their
columns map onto a canonical record kind (schemas/record_kinds.yaml). No source needs Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas import RECORD_KINDS, record_kind_columns
from schemas.tag_sources import tag_sources
from schemas.yaml_text import load_yaml

SOURCES_DIR = Path(__file__).with_name("sources")

Format = Literal["csv", "excel", "json", "jsonl", "fixed_width", "postgres", "mariadb"]
Transform = Literal["text", "date", "datetime", "integer", "number", "id_number", "credit_code", "phone"]
Reason = Annotated[str, Field(min_length=1)]


class SpecError(ValueError):
    """A source spec that cannot be used, with the file and field that are wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvOptions(_Strict):
    delimiter: str = ","
    """Field separator; a tab for UTF-16 'Unicode text' exports."""
    quotechar: str = '"'


class ExcelOptions(_Strict):
    sheets: list[str] | Literal["all"] = "all"
    """Sheet names to read, or all visible sheets."""
    header_rows: int = Field(1, ge=1, le=3)
    """Rows the header spans; merged multi-row headers are flattened into one name per column."""
    header_row: int | None = Field(None, ge=1)
    """1-based row of the (first) header row; None finds it by looking for the spec's columns."""


class FixedWidthField(_Strict):
    name: str
    """Column name as the owning system documents it."""
    width: int = Field(gt=0)
    """Width in characters (not bytes)."""


class FixedWidthOptions(_Strict):
    fields: list[FixedWidthField]
    """The record layout, left to right."""


class JsonOptions(_Strict):
    records_path: str | None = None
    """Dotted path to the list of records inside a JSON document (None: the document is the list)."""
    explode: str | None = None
    """Key of a list of objects inside each record (a household's members) whose items are read as rows of
    their own, each after its record's row; None keeps such a list as JSON text in one column."""
    carry: list[str] = []
    """Keys of the record that each exploded item's row carries over (the household number, the address);
    the record's other values stay on the record's row, so no item takes its record's person."""


class SqlOptions(_Strict):
    table: str
    """Table (or view) to read."""
    cursor: str | None = None
    """Column that only grows when a row changes (updated_at); pulls are incremental on it."""
    url_env: str
    """Environment variable holding the connection URL; credentials never live in the spec."""


class ReadLimits(_Strict):
    """Bounds a delivery must stay within to be read; past one, the file (or row) fails naming where."""

    max_columns: int = Field(1000, gt=0)
    """Columns of a table (a header wider than this is a stray cell or a broken export)."""
    max_cell_chars: int = Field(4 * 2**20, gt=0)
    """Characters of one value (a hotline complaint can run to a megabyte)."""
    max_line_chars: int = Field(16 * 2**20, gt=0)
    """Characters of one line of a CSV, JSON lines or fixed-width file."""
    max_cells: int = Field(60_000_000, gt=0)
    """Cells of a worksheet's grid, last row times last column (a million rows of 60 columns)."""


class DeliveryEvidence(_Strict):
    """What a delivery must show before it is staged (quality/gate.py); one that does not is held, named."""

    min_share_of_current: float = Field(0.5, ge=0, le=1)
    """A snapshot keeping fewer rows than this share of the current snapshot's is held (0: never)."""
    held_above: float | None = Field(None, ge=0, le=1)
    """A delivery with more than this share of failing rows is held; None: the suite's ``held_above``."""
    released: list[str] = []
    """Delivery ids (``source:hash``, in meta.validations) an operator accepts despite a hold (docs/operations.md)."""


class SourceRoles(_Strict):
    """What the marts and identity resolution read a source as; a source plays none, one or a few roles."""

    events: Literal["complaints", "patrols", "repairs", "care_visits", "urban_cases"] | None = None
    """The class of its events, counted in the marts' column of that name (complaints also in the Pareto)."""
    no_finding: str | None = None
    """The category a patrol records when it found nothing (无异常): not counted as a finding."""
    house_register: bool = False
    """The standard address register: its houses are core.houses, its codes the house ids (one source only)."""
    business: Literal["registration", "food_licence", "outdoor_seating_permit"] | None = None
    """Its records describe the business itself (core.business_history): the market register or a licence."""
    person_house: Literal["registered", "living", "owner", "tenant"] | None = None
    """A record ties its person to the house at its address as this link (core.links)."""
    tie_dates: bool = False
    """The record's valid_from / valid_to are the dates of that tie (登记日期, a lease), not of something else."""
    residents: bool = False
    """The list of who lives where now (实有人口): the latest delivery is tags.residents, people's homes."""

    @model_validator(mode="after")
    def _consistent(self) -> SourceRoles:
        if self.no_finding is not None and self.events != "patrols":
            raise ValueError("no_finding is the category of a patrol (events: patrols)")
        if self.tie_dates and self.person_house is None:
            raise ValueError("tie_dates needs person_house")
        return self


# the record kinds a role is about: an event class only for events, a house register only for houses ...
ROLE_KINDS = {
    "events": {"event"},
    "house_register": {"house"},
    "business": {"business"},
    "person_house": {"person", "link"},
    "residents": {"person"},
}


class ColumnMap(_Strict):
    to: str
    """Canonical column of the record kind this source column fills."""
    transform: Transform | None = None
    """How to read the value; defaults to the canonical column's type."""
    aliases: list[str] = []
    """Other headers the same column has had in earlier or later deliveries."""
    values: dict[str, str] = {}
    """Code list translation, e.g. {男: M, 女: F}."""


class SourceSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Stable identifier: the landing folder, the raw table and the asset are named after it."""
    title: str
    """The system's Chinese name."""
    owner: str
    """Owning department."""
    level: Literal["N", "M", "D", "S"]
    """National, municipal, district, or subdistrict/committee."""
    format: Format
    encoding: str = "detect"
    """Text encoding, or detect (BOM, strict UTF-8, GB18030, UTF-16)."""
    files: str = "*"
    """Glob of delivery files in the source's landing folder (for excel, any workbook extension:
    a glob of *.xlsx also takes *.xlsm, *.xls and *.ods)."""
    settle_seconds: int = Field(60, ge=0)
    """A file modified less than this long ago may still be being written: it waits for a later run."""
    ready_marker: str | None = None
    """Name of the file the sender writes when a delivery is complete, e.g. "{name}.ok" (the delivery's
    file name in place of {name}); a delivery without its marker waits. None: no marker expected."""
    limits: ReadLimits = ReadLimits()
    delivery: Literal["snapshot", "changes", "cursor"] = "snapshot"
    """Each delivery is a full snapshot, only the changes, or a database pull on a cursor column."""
    business_date_column: str | None = None
    """A delivered date column whose latest value is the day a delivery describes (its ``observed_on``);
    None: the date in the file name (实有人口_202610.csv: 2026-10-01), else the day it was loaded."""
    evidence: DeliveryEvidence = DeliveryEvidence()
    contract: Literal["evolve", "stop"] = "evolve"
    """On schema drift: evolve keeps loading (unknown columns spill into staging's _extra column);
    stop holds back this source's delivery until the spec is updated. Drift is always reported."""
    freshness_days: int = Field(30, gt=0)
    """A delivery is expected at least this often."""
    record_kind: str
    record_key: list[str] = []
    """Source columns that identify a record within the source."""
    columns: dict[str, ColumnMap]
    """Source column (as written, in Chinese) -> canonical column."""
    ignore: dict[str, Reason] = {}
    """Delivered columns known and left unmapped, each with why (序号: a row counter): kept in raw, not
    staged (nor in staging's _extra), never schema drift."""
    drop: dict[str, Reason] = {}
    """Delivered columns never stored, each with why (银行卡号: not needed, sensitive): not in raw nor
    anywhere in the warehouse (only the file's hash covers them), never schema drift. A column deliveries
    landed before the spec dropped it leaves raw.<source> at the next landing (a note says so)."""
    tags: list[str] = []
    """Codes of catalogue tags (schemas/tags/) that read this source (their ``sources`` name it); checked by load_spec."""
    roles: SourceRoles = SourceRoles()
    """What the marts and identity resolution read it as (docs/onboarding.md); none by default."""
    csv: CsvOptions | None = None
    excel: ExcelOptions | None = None
    fixed_width: FixedWidthOptions | None = None
    json_options: JsonOptions | None = Field(None, alias="json")
    sql: SqlOptions | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("record_kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in RECORD_KINDS:
            raise ValueError(f"unknown record kind {kind!r}; expected one of {', '.join(RECORD_KINDS)}")
        return kind

    @model_validator(mode="after")
    def _consistent(self) -> SourceSpec:
        canonical = record_kind_columns(self.record_kind)
        for source_column, mapped in self.columns.items():
            if mapped.to not in canonical:
                raise ValueError(
                    f"column {source_column!r} maps to {mapped.to!r}, "
                    f"which is not a column of record kind {self.record_kind!r}"
                )
        mapped = set(self.columns) | {a for m in self.columns.values() for a in m.aliases}
        for key in self.record_key:
            if key not in mapped:
                raise ValueError(f"record_key column {key!r} is not among the mapped columns")
        for label, unmapped in (("ignore", self.ignore), ("drop", self.drop)):
            if both := sorted(mapped & set(unmapped)):
                raise ValueError(f"column {', '.join(both)} is both mapped and in {label}: say which it is")
        if both := sorted(set(self.ignore) & set(self.drop)):
            raise ValueError(f"column {', '.join(both)} is both in ignore and in drop: say which it is")
        if self.business_date_column in self.drop:
            raise ValueError(f"business_date_column {self.business_date_column!r} is dropped: it must reach raw")
        if self.format == "fixed_width" and self.fixed_width is None:
            raise ValueError("format fixed_width needs a fixed_width layout")
        if self.format in ("postgres", "mariadb") and self.sql is None:
            raise ValueError(f"format {self.format} needs sql options (table, url_env)")
        if self.delivery == "cursor" and (self.sql is None or self.sql.cursor is None):
            raise ValueError("delivery cursor needs sql.cursor")
        for role, kinds in ROLE_KINDS.items():
            if getattr(self.roles, role) and self.record_kind not in kinds:
                raise ValueError(
                    f"roles.{role} is for record kind {' or '.join(sorted(kinds))}, not {self.record_kind}"
                )
        return self

    @property
    def is_database(self) -> bool:
        return self.format in ("postgres", "mariadb")

    def canonical_name(self, header: str) -> str | None:
        """The canonical column a delivered header maps to, through the name or its aliases."""
        for source_column, mapped in self.columns.items():
            if header == source_column or header in mapped.aliases:
                return mapped.to
        return None

    def is_known(self, header: str) -> bool:
        """Whether the spec knows a delivered header: mapped (by name or alias), ignored or dropped."""
        return header in self.known_headers

    @property
    def known_headers(self) -> frozenset[str]:
        """Every header the spec knows: mapped columns and their aliases, ignored and dropped columns."""
        mapped = {name for column, m in self.columns.items() for name in (column, *m.aliases)}
        return frozenset(mapped | set(self.ignore) | set(self.drop))


def load_spec(path: Path) -> SourceSpec:
    """Read and validate one spec file; errors name the file and the field."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a source spec must be a mapping of fields")
    try:
        spec = SourceSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(spec)'}: {err['msg']}" for err in exc.errors()
        )
        raise SpecError(f"{path}: {problems}") from exc
    if spec.name != path.stem:
        raise SpecError(f"{path}: name {spec.name!r} must equal the file name {path.stem!r}")
    if problems := _tag_problems(spec):
        raise SpecError(f"{path}: tags: {'; '.join(problems)}")
    return spec


def _tag_problems(spec: SourceSpec) -> list[str]:
    """Why each of the spec's tags is wrong: no tag of the catalogue, or a tag that does not read this source."""
    catalogue = tag_sources()
    reading = sorted(code for code, sources in catalogue.items() if spec.name in sources)
    offer = f"tags that read {spec.name}: {', '.join(reading)}" if reading else f"no tag reads {spec.name} yet"
    problems = []
    for code in spec.tags:
        if code not in catalogue:
            problems.append(f"{code} is no tag of the catalogue (schemas/tags/); {offer}")
        elif spec.name not in catalogue[code]:
            problems.append(
                f"tag {code} reads {', '.join(sorted(catalogue[code]))}, not {spec.name}: "
                f"add {spec.name} to its sources in schemas/tags/ or take it off; {offer}"
            )
    return problems


def load_registry(directory: Path | None = None) -> dict[str, SourceSpec]:
    """Every source spec in the registry folder (default ``SOURCES_DIR``, looked up at each call), by name."""
    return _load_registry(directory or SOURCES_DIR)


@cache
def _load_registry(directory: Path) -> dict[str, SourceSpec]:
    registry = {path.stem: load_spec(path) for path in sorted(directory.glob("*.yaml"))}
    if len(registers := [name for name, spec in registry.items() if spec.roles.house_register]) > 1:
        raise SpecError(f"{directory}: only one source can be the house register, not {', '.join(registers)}")
    return registry


def sources_with(registry: Mapping[str, SourceSpec] | None = None, **roles) -> list[str]:
    """Names of the sources whose roles have these values, e.g. ``sources_with(events="complaints")``
    (default registry: ``load_registry()``)."""
    registry = load_registry() if registry is None else registry
    return [name for name, spec in registry.items() if all(getattr(spec.roles, r) == v for r, v in roles.items())]


def register_source(registry: Mapping[str, SourceSpec] | None = None) -> str | None:
    """The source with the house register role (the standard address register), or None without one."""
    return next(iter(sources_with(registry, house_register=True)), None)
