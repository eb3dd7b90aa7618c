"""Dagster assets for businesses, event attribution and links: ``core/businesses``,
``core/event_attributions`` and ``core/links``, after address resolution (and people, when resolved)."""

from collections.abc import Mapping
from importlib.util import find_spec

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec

WAREHOUSE_POOL = "warehouse"
REGISTER_SOURCE = "address_register"


def _people() -> list[AssetKey]:
    """``core/people`` when this build resolves people (its assets module is present)."""
    return [AssetKey(["core", "people"])] if find_spec("resolution.identity.people_assets") else []


def business_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """The three assets; empty when the registry has no address register (no houses to link to)."""
    if REGISTER_SOURCE not in registry:
        return []
    event_specs = [spec for spec in registry.values() if spec.record_kind == "event"]

    @asset(
        key=["core", "businesses"],
        deps=[AssetKey(["core", "address_matches"])],
        group_name="core",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Businesses linked across sources (credit code, names, house, phone) with stable business_id; "
        "core.business_records says which record is which business and why; doubtful pairs in "
        "quality.business_review.",
    )
    def businesses(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.identity.businesses import resolve_businesses

        with warehouse.get_connection() as con:
            counts = resolve_businesses(con)
        context.log.info(
            f"{counts['records']} business records -> {counts['businesses']} businesses; "
            f"{counts['review']} pairs wait for review"
        )
        return MaterializeResult(metadata=counts)

    @asset(
        key=["core", "event_attributions"],
        deps=[AssetKey(["core", "businesses"])],
        group_name="core",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Every event (12345 work orders, patrols, cases, ...) attributed to its house and, where one "
        "is meant, its business; core.attributed_sources groups them.",
    )
    def event_attributions(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.identity.attribution import attribute_events

        with warehouse.get_connection() as con:
            rules = attribute_events(con, event_specs)
        context.log.info(f"business attribution by rule: {rules}")
        return MaterializeResult(metadata={f"events_{rule}": n for rule, n in rules.items()})

    @asset(
        key=["core", "links"],
        deps=[AssetKey(["core", "event_attributions"]), *_people()],
        group_name="core",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Links with time: person, business and event <-> house, event <-> business, with validity "
        "dates, sources and record counts; core.business_history: businesses' attributes over time.",
    )
    def links(warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.identity.business_history import build_business_history
        from resolution.identity.links import build_links

        with warehouse.get_connection() as con:
            kinds = build_links(con)
            history = build_business_history(con)
        return MaterializeResult(
            metadata={**{f"links_{kind}": n for kind, n in kinds.items()}, "business_history": history}
        )

    return [businesses, event_attributions, links]
