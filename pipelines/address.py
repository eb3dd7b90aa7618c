"""Address resolution's assets: ``core/houses`` from the standard address register, then ``core/address_matches``,
every staged address resolved to a house. Without the register there are no houses, and no stage after it."""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.resources import WAREHOUSE_POOL
from pipelines.sources import staged

REGISTER_SOURCE = "address_register"
HOUSES = AssetKey(["core", "houses"])
ADDRESS_MATCHES = AssetKey(["core", "address_matches"])


def has_houses(registry: Mapping[str, SourceSpec]) -> bool:
    """Whether the registry delivers the house register, which every stage after address resolution keys on."""
    return REGISTER_SOURCE in registry


def address_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``core/houses`` then ``core/address_matches``; empty without the address register."""
    if not has_houses(registry):
        return []

    @asset(
        key=HOUSES,
        deps=[AssetKey(["staging", REGISTER_SOURCE])],
        group_name="core",
        pool=WAREHOUSE_POOL,
        description="The house register: canonical houses with stable house_id and their hierarchy.",
        kinds={"duckdb"},
    )
    def houses(warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.address.register import build_core_houses

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"houses": build_core_houses(con)})

    @asset(
        key=ADDRESS_MATCHES,
        deps=[HOUSES, *staged(registry)],
        group_name="core",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Every staged address matched to a house: house_id, match_level, score, margin, reason.",
    )
    def address_matches(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.address.register import Register
        from resolution.address.resolve import resolve_addresses

        with warehouse.get_connection() as con:
            levels = resolve_addresses(con, Register.from_warehouse(con))
            review = con.execute("SELECT count(*) FROM quality.address_review").fetchone()[0]
        context.log.info(f"match levels {levels}; {review} addresses wait for review")
        return MaterializeResult(metadata={**{f"records_{k}": v for k, v in levels.items()}, "review_queue": review})

    return [houses, address_matches]
