"""Identity resolution's assets for businesses and events (group ``identity``): ``core/businesses`` (with
``core/business_records`` and ``quality/business_review``), ``core/event_attributions`` (with the view
``core/attributed_sources``) and ``core/links`` (people, businesses and events at houses over time; and
``core/business_history``)."""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.address import HOUSES, RECORDS, has_houses
from pipelines.people import IDENTITY, PEOPLE
from pipelines.tables import table_assets

BUSINESSES = AssetKey(["core", "businesses"])
EVENT_ATTRIBUTIONS = AssetKey(["core", "event_attributions"])
LINKS = AssetKey(["core", "links"])


def business_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """The three assets; empty without houses to link to. Each reads the staged tables that carry its columns."""
    if not has_houses(registry):
        return []
    event_sources = {name: spec for name, spec in registry.items() if spec.record_kind == "event"}

    @table_assets(
        [BUSINESSES, AssetKey(["core", "business_records"]), AssetKey(["quality", "business_review"])],
        RECORDS,
        "Businesses linked across sources (credit code, names, house, phone) with stable business_id; "
        "core.business_records says which record is which business and why; doubtful pairs in "
        "quality.business_review.",
        IDENTITY,
    )
    def businesses(context: AssetExecutionContext, warehouse: DuckDBResource) -> None:
        from resolution.identity.businesses import resolve_businesses

        with warehouse.get_connection() as con:
            counts = resolve_businesses(con, getattr(warehouse, "subdistrict", "") or None)  # its partition
        context.log.info(
            f"{counts['records']} business records -> {counts['businesses']} businesses; "
            f"{counts['review']} pairs wait for review; {counts['signatures_linked']} signatures linked"
        )

    @table_assets(
        [EVENT_ATTRIBUTIONS, AssetKey(["core", "attributed_sources"])],
        [BUSINESSES, HOUSES, *RECORDS],
        "Every event (12345 work orders, patrols, cases, ...) attributed to its house and, where one "
        "is meant, its business; core.attributed_sources groups them.",
        IDENTITY,
    )
    def event_attributions(context: AssetExecutionContext, warehouse: DuckDBResource) -> dict[str, int]:
        from resolution.identity.attribution import attribute_events

        with warehouse.get_connection() as con:
            rules = attribute_events(con, list(event_sources.values()))
        context.log.info(f"business attribution by rule: {rules}")
        return {f"events_{rule}": n for rule, n in rules.items()}

    @table_assets(
        [LINKS, AssetKey(["core", "business_history"])],
        [EVENT_ATTRIBUTIONS, PEOPLE, BUSINESSES, *RECORDS],
        "Links with time: person, business and event <-> house, event <-> business, with validity "
        "dates, sources and record counts; core.business_history: businesses' attributes over time.",
        IDENTITY,
    )
    def links(warehouse: DuckDBResource) -> dict[str, int]:
        from resolution.identity.business_history import build_business_history
        from resolution.identity.links import build_links

        with warehouse.get_connection() as con:
            kinds = build_links(con)
            build_business_history(con)
        return {f"links_{kind}": n for kind, n in kinds.items()}

    return [businesses, event_attributions, links]
