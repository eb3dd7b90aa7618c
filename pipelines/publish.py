"""Publishing's asset, ``publish/analyst_copy``: the protected copy analysts read, swapped in after everything else."""

from collections.abc import Mapping
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.resources import warehouse_asset


def publish_asset(upstream: list[AssetsDefinition], registry: Mapping[str, SourceSpec]) -> AssetsDefinition:
    """``publish/analyst_copy`` after every ``upstream`` asset, since it copies all their tables (masking again
    only those changed since the last copy: ``tables_masked`` whole, ``tables_updated_by_rows`` big ones whose
    rows alone changed, only the rows of the keys that changed, in its metadata). A held
    delivery holds its own source only (none of its rows staged): the copy still refreshes, and
    ``meta.held_sources`` in it names every source held and why."""

    @warehouse_asset(
        AssetKey(["publish", "analyst_copy"]),
        [key for a in upstream for key in a.keys],
        "The analyst copy: ID numbers and phones masked everywhere, keyed tokens for joins.",
    )
    def analyst_copy(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.publish import masked_last, publish, updated_last

        with warehouse.get_connection() as con:
            held = record_held_sources(con, registry)
            path = publish(con, Path(warehouse.database))
        for _source, reason in held:
            context.log.warning(f"held, not refreshed: {reason}")
        held_count = len({source for source, _ in held})
        return MaterializeResult(
            metadata={
                "path": str(path),
                "held_sources": held_count,
                "tables_masked": masked_last(path),
                "tables_updated_by_rows": updated_last(path),
            }
        )

    return analyst_copy


def record_held_sources(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec]) -> list[tuple[str, str]]:
    """Rewrite ``meta.held_sources`` (source, reason): every source a delivery holds now, by the rule the run's
    summary and exit code use (quality/gate.py held_sources: the gate, or schema drift under contract: stop)."""
    from quality.gate import held_sources

    held = sorted(held_sources(con, registry).items())
    con.execute("DELETE FROM meta.held_sources")  # emptied, not re-created: its column comments stay
    if held:
        con.executemany("INSERT INTO meta.held_sources VALUES (?, ?)", held)
    return held
