"""The subdistricts (街道) this installation runs: each has its own landing zone and warehouse file.

Every asset is partitioned by subdistrict code, and a partition reads and writes only its own
folder and DuckDB file, so one district's subdistricts run side by side and a city can run them on
many machines. The list is ``$HOUSEKEY_SUBDISTRICTS`` (a YAML file, see docs/operations.md); without
it there is one subdistrict, the sample's 瑞金二路街道, whose landing zone and warehouse are
``$HOUSEKEY_LANDING`` and ``$HOUSEKEY_WAREHOUSE`` as before.

District and municipal systems export the whole district (the housing bureau's rental register, 12345,
market entities). Such a file is dropped once in the district landing zone (``district: {landing: …}``
in the file), and a district-wide database source is named under ``district: {sources: […]}``; the district
router (warehouse/routing.py, ``housekey district route``) reads each once and writes every subdistrict's
rows into that subdistrict's landing zone, so a subdistrict lands only its own slice.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from connectors.landing import landing_root
from schemas.yaml_text import load_yaml
from warehouse.database import LAYER_SCHEMAS, warehouse_path

SUBDISTRICTS_ENV = "HOUSEKEY_SUBDISTRICTS"
DEFAULT_CODE, DEFAULT_NAME = "310101023", "瑞金二路街道"  # the committed sample world
_CODE = re.compile(r"^\d{9}$")  # a township-level division code: 310101023
_KEYS = {"code", "name", "landing", "warehouse", "sources"}


class SubdistrictsError(ValueError):
    """The subdistricts file is unreadable or wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class Subdistrict:
    code: str
    name: str
    landing: Path
    """The landing root: one folder per source below it."""
    warehouse: Path
    sources: frozenset[str] | None = None
    """The sources delivered in this subdistrict; None for every source of the registry."""
    district_landing: Path | None = None
    """The district's landing root: its files are routed to the subdistricts (warehouse/routing.py)."""
    district_sources: frozenset[str] = frozenset()
    """Database sources pulled once for the whole district and routed; the subdistrict lands its routed slices."""

    def delivers(self, source: str) -> bool:
        return self.sources is None or source in self.sources


def load_subdistricts() -> dict[str, Subdistrict]:
    """The configured subdistricts by code, in the file's order (read now from the environment)."""
    if path := os.environ.get(SUBDISTRICTS_ENV):
        return read_subdistricts(Path(path))
    return {DEFAULT_CODE: Subdistrict(DEFAULT_CODE, DEFAULT_NAME, landing_root(), warehouse_path())}


def read_subdistricts(path: Path) -> dict[str, Subdistrict]:
    """Read a subdistricts file; relative paths are relative to the file's folder.

    A subdistrict's landing defaults to ``<folder>/<code>/landing`` and its warehouse to
    ``<folder>/<code>/warehouse/housekey.duckdb``.
    """
    try:
        document = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SubdistrictsError(f"{path}: cannot read the subdistricts file: {error}") from error
    entries = document.get("subdistricts") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SubdistrictsError(f"{path}: expected a list under `subdistricts:` with at least one subdistrict")
    folder = path.resolve().parent
    district = document.get("district") or {}
    if not isinstance(district, dict) or set(district) - {"landing", "sources"}:
        raise SubdistrictsError(
            f"{path}: `district:` takes landing (the district's landing folder) and sources (database sources "
            "pulled once for the district)"
        )
    district_landing = folder / str(district["landing"]) if district.get("landing") else None
    pulled = district.get("sources") or []
    if not isinstance(pulled, list) or not all(isinstance(s, str) for s in pulled):
        raise SubdistrictsError(f"{path}: district sources must be a list of database source names")
    if pulled and district_landing is None:
        raise SubdistrictsError(
            f"{path}: district sources need the district's landing folder (its ledger is beside it)"
        )
    subdistricts: dict[str, Subdistrict] = {}
    for number, entry in enumerate(entries, 1):
        where = f"{path}, subdistrict {number}"
        if not isinstance(entry, dict):
            raise SubdistrictsError(f"{where}: expected a mapping with code and name")
        if unknown := sorted(set(entry) - _KEYS):
            raise SubdistrictsError(f"{where}: unknown key {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}")
        code = str(entry.get("code", ""))
        if not _CODE.match(code):
            raise SubdistrictsError(f"{where}: code {code!r} is not a 9-digit subdistrict code such as 310101023")
        if code in subdistricts:
            raise SubdistrictsError(f"{where}: code {code} appears twice")
        if not entry.get("name"):
            raise SubdistrictsError(f"{where} ({code}): a name is required")
        sources = entry.get("sources")
        if sources is not None and (not isinstance(sources, list) or not all(isinstance(s, str) for s in sources)):
            raise SubdistrictsError(f"{where} ({code}): sources must be a list of source names")
        warehouse = folder / str(entry.get("warehouse") or f"{code}/warehouse/housekey.duckdb")
        if warehouse.stem in LAYER_SCHEMAS:
            raise SubdistrictsError(f"{where} ({code}): warehouse {warehouse} must not be named like a schema")
        subdistricts[code] = Subdistrict(
            code,
            str(entry["name"]),
            folder / str(entry.get("landing") or f"{code}/landing"),
            warehouse,
            None if sources is None else frozenset(sources),
            district_landing,
            frozenset(pulled),
        )
    if len({s.warehouse.resolve() for s in subdistricts.values()}) < len(subdistricts):
        raise SubdistrictsError(f"{path}: two subdistricts share a warehouse file; each needs its own")
    return subdistricts


def subdistrict(code: str) -> Subdistrict:
    """The configured subdistrict with this code, or an error naming the configured ones."""
    configured = load_subdistricts()
    if code not in configured:
        raise SubdistrictsError(f"unknown subdistrict {code}; configured: {', '.join(configured)}")
    return configured[code]
