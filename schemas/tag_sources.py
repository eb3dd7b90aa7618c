"""Which sources each tag of the catalogue (schemas/tags/*.yaml) reads, for the spec check.

warehouse/tags.py reads the catalogue whole to evaluate it; a source spec only needs the codes and
their ``sources``, and connectors may not import the warehouse.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from schemas.yaml_text import load_yaml

TAGS_DIR = Path(__file__).with_name("tags")


@cache
def tag_sources(directory: Path = TAGS_DIR) -> dict[str, frozenset[str]]:
    """{tag code: the sources its rule reads}, over every file of the catalogue folder."""
    found: dict[str, frozenset[str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        document = load_yaml(path.read_text(encoding="utf-8")) or {}
        for tag in document.get("tags") or []:
            if isinstance(tag, dict) and "code" in tag:
                found[str(tag["code"])] = frozenset(tag.get("sources") or ())
    return found
