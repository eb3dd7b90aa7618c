"""The canonical model: record kinds and their columns, code lists (divisions)."""

from schemas.record_kinds import RECORD_KINDS, record_kind_columns, sql_type

__all__ = ["RECORD_KINDS", "record_kind_columns", "sql_type"]
