"""The analyst marts as Dagster assets (``marts/<name>``), after the tags and identity resolution.

``marts/events`` grades every event; hotspots, the complaint Pareto and the area statistics read it.
The Pareto chart is written next to the warehouse file (``complaint_pareto.html``).
"""

from collections.abc import Mapping
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec

# identity resolution's tables, read when present (the marts fall back to the tags' records without them)
UPSTREAM = [AssetKey(["tags", "catalogue"]), AssetKey(["core", "businesses"]), AssetKey(["core", "event_attributions"])]
PARETO_CHART = "complaint_pareto.html"


def mart_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """Every mart of warehouse/marts/ but the house profile; empty without the address register (no houses)."""
    from pipelines.definitions import REGISTER_SOURCE, WAREHOUSE_POOL  # it imports this module: late, to avoid a cycle
    from schemas.clock import run_day

    if REGISTER_SOURCE not in registry:
        return []

    def _mart(name: str, description: str, deps: list[AssetKey]):
        return asset(
            key=["marts", name],
            deps=deps,
            group_name="marts",
            pool=WAREHOUSE_POOL,
            kinds={"duckdb"},
            description=description,
        )

    events_key = AssetKey(["marts", "events"])

    @_mart(
        "events",
        "Every event graded minor or serious (schemas/event_severity.yaml), with its house, business, "
        "committee and grid.",
        UPSTREAM,
    )
    def events(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.events import build_events

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"events": build_events(con)})

    @_mart(
        "hotspots",
        "Hotspot attribution: minor and serious events per attributed business or house over time "
        "windows, with Heinrich's early warning.",
        [events_key],
    )
    def hotspots(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.hotspots import build_hotspots

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"targets": build_hotspots(con, run_day())})

    @_mart(
        "complaint_pareto",
        "Pareto of complaint causes for the subdistrict, each committee and each grid, and its chart.",
        [events_key],
    )
    def complaint_pareto(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.pareto import build_complaint_pareto, write_pareto_chart

        with warehouse.get_connection() as con:
            rows = build_complaint_pareto(con)
            chart = write_pareto_chart(con, Path(warehouse.database).parent / PARETO_CHART)
        return MaterializeResult(metadata={"rows": rows, "chart": str(chart)})

    @_mart(
        "area_stats",
        "Per-committee and per-grid statistics: houses, residents, groups, businesses, events.",
        [events_key, hotspots.key],
    )
    def area_stats(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.committees import build_area_stats

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata=build_area_stats(con))

    @_mart("community_lists", "The problem, need and service lists (schemas/community_lists.yaml).", UPSTREAM[:1])
    def community_lists(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.lists import build_lists

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata=build_lists(con))

    @_mart(
        "source_freshness",
        "Freshness and coverage per source: last delivery against the spec's freshness_days, "
        "rows staged and quarantined, records matched to a house.",
        [AssetKey(["core", "address_matches"])],
    )
    def source_freshness(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.freshness import build_source_freshness

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"sources": build_source_freshness(con, registry)})

    @_mart(
        "person_profiles",
        "一人一档: one row per person with their home, registration, houses owned and rented, "
        "tags, sources and events.",
        [UPSTREAM[0], AssetKey(["core", "people"]), AssetKey(["core", "links"])],
    )
    def person_profiles(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.person_profile import build_person_profiles

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"people": build_person_profiles(con, run_day())})

    @_mart(
        "business_profiles",
        "一企一档: one row per business with its names, premises, licences, tags and the "
        "complaints, findings and cases attributed to it.",
        [events_key, *UPSTREAM[:2]],
    )
    def business_profiles(warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.marts.business_profile import build_business_profiles

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"businesses": build_business_profiles(con, run_day())})

    marts = [
        events,
        hotspots,
        complaint_pareto,
        area_stats,
        community_lists,
        source_freshness,
        person_profiles,
        business_profiles,
    ]
    described = [
        AssetKey(["marts", "house_profiles"]),
        *UPSTREAM[1:],
        AssetKey(["core", "people"]),
        AssetKey(["core", "links"]),
        *(key for mart in marts for key in mart.keys),
    ]

    @asset(
        key=["meta", "dictionary"],
        deps=described,
        group_name="marts",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="The data dictionary as COMMENTs on every core and marts table and column "
        "(schemas/warehouse_dictionary.yaml); rebuilt tables lose them, so every run sets them again.",
    )
    def dictionary(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.dictionary import apply_comments, undescribed

        with warehouse.get_connection() as con:
            comments, missing = apply_comments(con), undescribed(con)
        if missing:
            context.log.warning(f"no description in schemas/warehouse_dictionary.yaml: {', '.join(missing)}")
        return MaterializeResult(metadata={"comments": comments, "undescribed": len(missing)})

    return [*marts, dictionary]
