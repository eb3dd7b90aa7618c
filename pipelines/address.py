"""Address resolution's assets: ``core/houses`` from the standard address register, then ``core/address_matches``,
every staged address resolved to a house. Without the register there are no houses, and no stage after it."""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec, register_source
from pipelines.resources import warehouse_asset
from pipelines.sources import staged

HOUSES = AssetKey(["core", "houses"])
ADDRESS_MATCHES = AssetKey(["core", "address_matches"])
RECORDS = AssetKey(["core", "records"])


def has_houses(registry: Mapping[str, SourceSpec]) -> bool:
    """Whether the registry delivers the house register, which every stage after address resolution keys on."""
    return register_source(registry) is not None


def address_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``core/houses``, ``core/address_matches``, then ``core/records``; empty without the address register."""
    if not has_houses(registry):
        return []

    @warehouse_asset(
        HOUSES,
        [AssetKey(["staging", register_source(registry)])],
        "The house register: canonical houses with stable house_id and their hierarchy.",
    )
    def houses(warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.address.register import build_core_houses

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"houses": build_core_houses(con)})

    @warehouse_asset(
        ADDRESS_MATCHES,
        [HOUSES, *staged(registry)],
        "Every staged address matched to a house: house_id, match_level, score, margin, reason.",
    )
    def address_matches(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.address.register import Register
        from resolution.address.resolve import resolve_addresses

        with warehouse.get_connection() as con:
            levels = resolve_addresses(con, Register.from_warehouse(con))
            review = con.execute("SELECT count(*) FROM quality.address_review").fetchone()[0]
        context.log.info(f"match levels {levels}; {review} addresses wait for review")
        return MaterializeResult(metadata={**{f"records_{k}": v for k, v in levels.items()}, "review_queue": review})

    @warehouse_asset(
        RECORDS,
        [ADDRESS_MATCHES, *staged(registry)],
        "The record backbone: one table per record kind (core.<kind>_rows), every staged row with its record_id "
        "and house, which identity, attribution, tags and marts read.",
    )
    def records(warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.address.records import build_records

        with warehouse.get_connection() as con:
            return MaterializeResult(
                metadata={f"{kind}_rows": rows for kind, rows in build_records(con, registry).items()}
            )

    return [houses, address_matches, records]
