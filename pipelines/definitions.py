"""Dagster definitions, built from the source registry: a raw and a staging asset per source.

Onboarding a source (a new YAML file in connectors/sources/) adds its asset without Python.
``dagster dev -m pipelines.definitions`` loads ``defs``; ``housekey run`` materialises the same
assets in-process. Every asset writes the one warehouse file, so all of them share the
``warehouse`` pool: give it a limit of 1 in the instance's dagster.yaml (DuckDB has one writer).
"""
from collections.abc import Callable, Mapping
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, Definitions, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec, load_registry
from warehouse.database import create_bookkeeping, warehouse_path
from warehouse.intake import SourceLanding, land_source
from warehouse.staging import stage

WAREHOUSE_POOL = "warehouse"
OnLanded = Callable[[SourceLanding], None]
"""Called in the asset's process after a source has landed (the CLI's progress display)."""


def raw_asset(spec: SourceSpec, on_landed: OnLanded | None = None) -> AssetsDefinition:
    """The asset ``raw/<source>``: lands every pending delivery of the source into ``raw.<source>``."""

    @asset(
        key=["raw", spec.name],
        group_name="raw",
        description=f"{spec.title}（{spec.owner}）: every delivery as delivered, every value text.",
        metadata={"format": spec.format, "owner": spec.owner, "level": spec.level, "table": f"raw.{spec.name}"},
        kinds={"duckdb", spec.format},
        pool=WAREHOUSE_POOL,
    )
    def _land(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        Path(warehouse.database).parent.mkdir(parents=True, exist_ok=True)
        with warehouse.get_connection() as con:
            create_bookkeeping(con)
            landing = land_source(con, spec)
        for result in landing.deliveries:
            context.log.info(f"{result.file_name}: {result.status}, {result.rows_loaded} rows landed, "
                             f"{result.rows_quarantined} quarantined")
        if landing.note:
            context.log.info(landing.note)
        if on_landed is not None:
            on_landed(landing)
        return MaterializeResult(metadata=landing_metadata(landing))

    return _land


def landing_metadata(landing: SourceLanding) -> dict[str, int | str]:
    """The figures a raw asset's materialisation reports."""
    metadata: dict[str, int | str] = {
        "deliveries": landing.count("loaded"),
        "rows_delivered": landing.rows_delivered,
        "rows_landed": landing.rows_loaded,
        "rows_quarantined": landing.rows_quarantined,
        "duplicates_skipped": landing.count("duplicate"),
        "failed_deliveries": landing.count("failed"),
    }
    if landing.note:
        metadata["note"] = landing.note
    return metadata


def staging_asset(spec: SourceSpec) -> AssetsDefinition:
    """The asset ``staging/<source>``: canonical, typed columns; unreadable values to quarantine."""

    @asset(
        key=["staging", spec.name],
        deps=[AssetKey(["raw", spec.name])],
        group_name="staging",
        description=f"{spec.title}: mapped to the {spec.record_kind} record kind, typed and normalised.",
        metadata={"record_kind": spec.record_kind, "table": f"staging.{spec.name}"},
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
    )
    def _stage(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        with warehouse.get_connection() as con:
            create_bookkeeping(con)
            result = stage(con, spec)
        context.log.info(f"{result.rows_staged} rows staged, {result.rows_quarantined} quarantined")
        return MaterializeResult(metadata={"rows_raw": result.rows_raw, "rows_staged": result.rows_staged,
                                           "rows_quarantined": result.rows_quarantined})

    return _stage


def raw_assets(registry: Mapping[str, SourceSpec], on_landed: OnLanded | None = None) -> list[AssetsDefinition]:
    """One raw asset per source of the registry, in the registry's order."""
    return [raw_asset(spec, on_landed) for spec in registry.values()]


def source_assets(registry: Mapping[str, SourceSpec], on_landed: OnLanded | None = None) -> list[AssetsDefinition]:
    """Every asset of every source: raw, then staging."""
    return [*raw_assets(registry, on_landed), *(staging_asset(spec) for spec in registry.values())]


def warehouse_resources() -> dict[str, DuckDBResource]:
    """The resources the assets need: the warehouse file (``HOUSEKEY_WAREHOUSE``, read now)."""
    return {"warehouse": DuckDBResource(database=str(warehouse_path()))}


def build_definitions(
    registry: Mapping[str, SourceSpec] | None = None, on_landed: OnLanded | None = None
) -> Definitions:
    """Definitions for a registry (default: connectors/sources/)."""
    registry = load_registry() if registry is None else registry
    return Definitions(assets=source_assets(registry, on_landed), resources=warehouse_resources())


defs = build_definitions()
