"""Identity resolution's assets for businesses and events: ``core/businesses``, ``core/event_attributions`` and
``core/links`` (people, businesses and events at houses over time, and businesses' history)."""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.address import HOUSES, RECORDS, has_houses
from pipelines.people import PEOPLE
from pipelines.resources import warehouse_asset

BUSINESSES = AssetKey(["core", "businesses"])
EVENT_ATTRIBUTIONS = AssetKey(["core", "event_attributions"])
LINKS = AssetKey(["core", "links"])


def business_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """The three assets; empty without houses to link to. Each reads the staged tables that carry its columns."""
    if not has_houses(registry):
        return []
    event_sources = {name: spec for name, spec in registry.items() if spec.record_kind == "event"}

    @warehouse_asset(
        BUSINESSES,
        [RECORDS],
        "Businesses linked across sources (credit code, names, house, phone) with stable business_id; "
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

    @warehouse_asset(
        EVENT_ATTRIBUTIONS,
        [BUSINESSES, HOUSES, RECORDS],
        "Every event (12345 work orders, patrols, cases, ...) attributed to its house and, where one "
        "is meant, its business; core.attributed_sources groups them.",
    )
    def event_attributions(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.identity.attribution import attribute_events

        with warehouse.get_connection() as con:
            rules = attribute_events(con, list(event_sources.values()))
        context.log.info(f"business attribution by rule: {rules}")
        return MaterializeResult(metadata={f"events_{rule}": n for rule, n in rules.items()})

    @warehouse_asset(
        LINKS,
        [EVENT_ATTRIBUTIONS, PEOPLE, BUSINESSES, RECORDS],
        "Links with time: person, business and event <-> house, event <-> business, with validity "
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
