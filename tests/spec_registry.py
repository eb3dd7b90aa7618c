"""A registry of sources made for one test: its specs, landing folder, warehouse and Dagster home under
``tmp_path``, and the environment (``connectors.spec.SOURCES_DIR``, ``HOUSEKEY_*``, ``DAGSTER_HOME``) pointed
at them, so ``housekey`` commands, ``load_registry()`` and ``connect()`` see that world and nothing else. Tests
take it as the ``spec_registry`` fixture (tests/conftest.py)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.spec import SourceSpec, load_spec


@dataclass(frozen=True)
class SpecRegistry:
    sources: Path
    """The folder of the specs (``<source>.yaml``)."""
    landing: Path
    warehouse: Path
    dagster_home: Path

    def write_spec(self, name: str, text: str) -> SourceSpec:
        """Write the spec ``<name>.yaml`` (``text`` dedented) and return it as loaded."""
        path = self.sources / f"{name}.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_spec(path)

    def deliver(self, source: str, file_name: str, text: str) -> Path:
        """Put a delivery of ``source`` in its landing folder."""
        folder = self.landing / source
        folder.mkdir(parents=True, exist_ok=True)
        (path := folder / file_name).write_text(text, encoding="utf-8")
        return path


def make_spec_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SpecRegistry:
    """An empty registry under ``tmp_path``, the environment pointed at it (no subdistricts configured)."""
    registry = SpecRegistry(
        tmp_path / "sources", tmp_path / "landing", tmp_path / "warehouse" / "housekey.duckdb", tmp_path / "dagster"
    )
    registry.sources.mkdir()
    registry.landing.mkdir()
    monkeypatch.setattr("connectors.spec.SOURCES_DIR", registry.sources)
    monkeypatch.setenv("HOUSEKEY_LANDING", str(registry.landing))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(registry.warehouse))
    monkeypatch.setenv("DAGSTER_HOME", str(registry.dagster_home))
    monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
    return registry
