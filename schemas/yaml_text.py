"""YAML as every spec, catalogue and settings file is read: safe, and with libyaml's C parser when PyYAML has it
(ten times the pure-Python parser; a pipeline run reads the tag catalogue and the suites many times)."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, parsed in C: the same documents, the same errors (``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_LOADER)
