"""What the Dagster UI shows of a table an asset builds: its name, its rows and its columns, described from the
data dictionary (schemas/warehouse_dictionary.yaml, and schemas/record_kinds.yaml for canonical columns); and
the decorator of a stage's step that builds tables, one asset per table, each keyed as its table
(``marts/committee_stats`` builds ``marts.committee_stats``).
"""

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    TableColumn,
    TableSchema,
    multi_asset,
)

from pipelines.resources import WAREHOUSE_POOL
from schemas import record_kind_columns
from warehouse.catalogue import column_types, is_view
from warehouse.database import quote_name


def table_name(key: AssetKey) -> str:
    """The table an asset keyed as a table builds: ``core/people`` -> ``core.people``."""
    return ".".join(key.path)


@functools.cache
def _dictionary() -> dict:
    from warehouse.dictionary import load_dictionary

    return load_dictionary()


def table_description(table: str) -> str | None:
    """The table's description in the data dictionary, if it has one."""
    return (_dictionary()["tables"].get(table) or {}).get("description")


def column_descriptions(table: str, kind: str | None = None) -> dict[str, str]:
    """Column -> description: the table's own entry in the dictionary wins, then the columns that mean the same
    everywhere, then the canonical columns of the record ``kind`` (a staging table, a core.<kind>_rows table)."""
    declared = _dictionary()
    schema, _, name = table.partition(".")
    if kind is None and schema == "core" and name.endswith("_rows"):
        kind = name.removesuffix("_rows")
    canonical = {column: entry["description"] for column, entry in record_kind_columns(kind).items()} if kind else {}
    own = (declared["tables"].get(table) or {}).get("columns") or {}
    return {**canonical, **declared.get("common", {}), **own}


def table_metadata(
    con: duckdb.DuckDBPyConnection, table: str, descriptions: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``dagster/table_name``, ``dagster/row_count`` (of a table, not of a view) and ``dagster/column_schema`` of
    ``schema.table`` as the warehouse holds it now; columns described by ``descriptions`` (default:
    ``column_descriptions(table)``)."""
    schema, name = table.split(".", 1)
    columns = column_types(con, schema, name)
    if not columns:  # not built in this warehouse (a stage with nothing to read)
        return {"dagster/table_name": table}
    described = column_descriptions(table) if descriptions is None else descriptions
    metadata: dict[str, Any] = {"dagster/table_name": table}
    if not is_view(con, schema, name):  # a view's rows are counted by running it: 0.8 s at 200,000 people
        (metadata["dagster/row_count"],) = con.execute(
            f"SELECT count(*) FROM {quote_name(schema)}.{quote_name(name)}"
        ).fetchone()
    metadata["dagster/column_schema"] = TableSchema(
        columns=[TableColumn(column, data_type, description=described.get(column)) for column, data_type in columns]
    )
    return metadata


def table_assets(tables: Sequence[AssetKey], deps: Sequence[AssetKey], description: str, group: str):
    """The decorator of a step that builds ``tables`` in the warehouse: one asset per table, keyed as it, in
    ``group`` and the warehouse pool; the first described by ``description``, the others by the dictionary. The
    step returns its figures that are not row counts (a dict, or None); each table's materialisation carries its
    name, rows and columns, the first selected table's also the figures. A selection of some of the tables runs
    the step, which builds them all, and materialises the selected ones."""

    def decorate(build):
        @multi_asset(
            name="__".join(tables[0].path),
            specs=[
                AssetSpec(
                    key,
                    deps=deps,
                    description=(index and table_description(table_name(key))) or description,
                    group_name=group,
                    kinds={"duckdb"},
                    metadata={"dagster/table_name": table_name(key)},
                )
                for index, key in enumerate(tables)
            ],
            pool=WAREHOUSE_POOL,
            can_subset=True,
        )
        @functools.wraps(build)
        def step(*args, **resources):
            selected = AssetExecutionContext.get().selected_asset_keys
            figures = build(*args, **resources) or {}
            with resources["warehouse"].get_connection() as con:
                for key in (key for key in tables if key in selected):
                    yield MaterializeResult(asset_key=key, metadata={**table_metadata(con, table_name(key)), **figures})
                    figures = {}  # once, on the first table

        return step

    return decorate
