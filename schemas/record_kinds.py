"""Load the canonical record kinds declared in record_kinds.yaml."""

from functools import cache
from pathlib import Path

import yaml

_FILE = Path(__file__).with_name("record_kinds.yaml")


@cache
def _load() -> dict[str, dict]:
    return yaml.safe_load(_FILE.read_text(encoding="utf-8"))


RECORD_KINDS: tuple[str, ...] = tuple(_load())


def record_kind_columns(kind: str) -> dict[str, dict]:
    """Canonical columns of a record kind: name -> {type, description}."""
    return _load()[kind]["columns"]


_SQL_TYPES = {"date": "DATE", "datetime": "TIMESTAMP", "number": "DOUBLE", "integer": "BIGINT"}


def sql_type(column_type: str) -> str:
    """The DuckDB type a staged column of this canonical type has (codes, IDs and text stay VARCHAR)."""
    return _SQL_TYPES.get(column_type, "VARCHAR")
