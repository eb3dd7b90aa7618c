"""Address resolution's assets (group ``address``): ``core/houses`` from the standard address register, then
``core/address_matches``, every staged address resolved to a house (with ``quality/address_review``), then the
record backbone ``core/<kind>_rows``. Without the register there are no houses, and no stage after it."""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec, register_source
from pipelines.sources import staged
from pipelines.tables import table_assets
from resolution.address.records import KINDS

GROUP = "address"
HOUSES = AssetKey(["core", "houses"])
ADDRESS_MATCHES = AssetKey(["core", "address_matches"])
ADDRESS_REVIEW = AssetKey(["quality", "address_review"])
RECORDS = [AssetKey(["core", f"{kind}_rows"]) for kind in KINDS]
"""The record backbone, a table per record kind (resolution/address/records.py)."""


def has_houses(registry: Mapping[str, SourceSpec]) -> bool:
    """Whether the registry delivers the house register, which every stage after address resolution keys on."""
    return register_source(registry) is not None


def address_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``core/houses``, ``core/address_matches``, then the record backbone; empty without the address register."""
    if not has_houses(registry):
        return []

    @table_assets(
        [HOUSES],
        [AssetKey(["staging", register_source(registry)])],
        "The house register: canonical houses with stable house_id and their hierarchy.",
        GROUP,
    )
    def houses(warehouse: DuckDBResource) -> None:
        from resolution.address.register import build_core_houses

        with warehouse.get_connection() as con:
            build_core_houses(con)

    @table_assets(
        [ADDRESS_MATCHES, ADDRESS_REVIEW],
        [HOUSES, *staged(registry)],
        "Every staged address matched to a house: house_id, match_level, score, margin, reason.",
        GROUP,
    )
    def address_matches(context: AssetExecutionContext, warehouse: DuckDBResource) -> dict[str, int]:
        from resolution.address.register import Register
        from resolution.address.resolve import resolve_addresses

        with warehouse.get_connection() as con:
            levels = resolve_addresses(con, Register.from_warehouse(con))
            review = con.execute("SELECT count(*) FROM quality.address_review").fetchone()[0]
            reused, matched, why = con.execute(
                "SELECT addresses_reused, addresses_matched, rematched_because FROM core.address_match_basis"
            ).fetchone()
        context.log.info(
            f"match levels {levels}; {review} addresses wait for review; {matched} addresses matched, {reused} reused"
            + (f" (every address matched: {why})" if why else "")
        )
        figures = {"review_queue": review, "addresses_matched": matched, "addresses_reused": reused}
        return {**{f"records_{k}": v for k, v in levels.items()}, **figures}

    @table_assets(
        RECORDS,
        [ADDRESS_MATCHES, *staged(registry)],
        "The record backbone: one table per record kind (core.<kind>_rows), every staged row with its record_id "
        "and house, which identity, attribution, tags and marts read.",
        GROUP,
    )
    def records(warehouse: DuckDBResource) -> None:
        from resolution.address.records import build_records

        with warehouse.get_connection() as con:
            build_records(con, registry)

    return [houses, address_matches, records]
