"""The tag catalogue's asset (``tags/catalogue``) and the house profile mart (``marts/house_profiles``).

Tags read staging, the address matches and identity resolution (people, businesses, event attribution);
they are evaluated on every run with history, for the run day (``schemas.clock.run_day``): rules with windows ("in the
last 90 days") count back from it.
"""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.definitions import REGISTER_SOURCE, WAREHOUSE_POOL
from schemas.clock import run_day, wall_clock


def tag_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``tags/catalogue`` then ``marts/house_profiles``; empty without the address register (no houses)."""
    if REGISTER_SOURCE not in registry:
        return []

    # tag inputs key people and businesses by identity resolution's ids
    identity = [AssetKey(["core", name]) for name in ("people", "businesses", "event_attributions")]

    @asset(
        key=["tags", "catalogue"],
        deps=[AssetKey(["core", "address_matches"]), *identity, *(AssetKey(["staging", name]) for name in registry)],
        group_name="tags",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Every tag of schemas/tags/ evaluated into tags.house_tags, person_tags and business_tags, "
        "with history (valid_from, valid_to, the run).",
    )
    def catalogue(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from connectors.spec import load_registry
        from warehouse.tags import evaluate_tags, load_catalogue

        # a run of some sources still evaluates every tag: rules over sources not staged yet fail alone
        tags = load_catalogue(known_sources=set(load_registry()) | set(registry))
        with warehouse.get_connection() as con:
            results = evaluate_tags(
                con, tags, registry, as_of=run_day(), run_id=context.run.run_id, evaluated_at=wall_clock()
            )
        failed = [r for r in results if r.error]
        for result in failed:
            context.log.error(f"tag {result.code}: {result.error}")
        return MaterializeResult(
            metadata={
                "tags": len(results),
                "failed": len(failed),
                "memberships": sum(r.members for r in results),
                "added": sum(r.added for r in results),
                "removed": sum(r.removed for r in results),
            }
        )

    @asset(
        key=["marts", "house_profiles"],
        deps=[catalogue.key],
        group_name="marts",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="一房一档: one row per house with its register facts, tags now and over "
        "time, records per source, and the people, businesses and events linked.",
    )
    def house_profiles(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.house_profile import build_house_profiles

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"houses": build_house_profiles(con)})

    return [catalogue, house_profiles]
