"""Load the canonical record kinds declared in record_kinds.yaml."""

from functools import cache
from pathlib import Path

from schemas.yaml_text import load_yaml

_FILE = Path(__file__).with_name("record_kinds.yaml")


COLUMN_TYPES = ("text", "date", "datetime", "integer", "number", "id_number", "credit_code", "phone", "address", "code")


def load_record_kinds(path: Path = _FILE) -> dict[str, dict]:
    """The record kinds of ``path``; a column with another key than type and description is refused, as an
    unquoted comma in a flow mapping (``{type: text, description: a, b}``) silently cuts its description."""
    kinds = load_yaml(path.read_text(encoding="utf-8"))
    for kind, declared in kinds.items():
        for name, column in declared["columns"].items():
            if set(column) != {"type", "description"} or column["type"] not in COLUMN_TYPES:
                raise ValueError(
                    f"{path.name}: {kind}.{name} must be {{type, description}} (quote a description "
                    f"holding a comma), got {column}"
                )
    return kinds


@cache
def _load() -> dict[str, dict]:
    return load_record_kinds()


RECORD_KINDS: tuple[str, ...] = tuple(_load())


def record_kind_columns(kind: str) -> dict[str, dict]:
    """Canonical columns of a record kind: name -> {type, description}."""
    return _load()[kind]["columns"]


_SQL_TYPES = {"date": "DATE", "datetime": "TIMESTAMP", "number": "DOUBLE", "integer": "BIGINT"}


def sql_type(column_type: str) -> str:
    """The DuckDB type a staged column of this canonical type has (codes, IDs and text stay VARCHAR)."""
    return _SQL_TYPES.get(column_type, "VARCHAR")
