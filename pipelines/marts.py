"""The analyst marts as Dagster assets (``marts/<table>``, one per table), and the data dictionary set on them
(``meta/dictionary``).

Each mart declares every asset whose tables it reads. ``marts/events`` grades every event; hotspots, the
complaint Pareto and the area statistics read it. Their charts are on the report site (pipelines/site.py).
"""

import functools
from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.address import ADDRESS_MATCHES, HOUSES, has_houses
from pipelines.businesses import BUSINESSES, EVENT_ATTRIBUTIONS, LINKS
from pipelines.city import CITY_PERSON_IDS
from pipelines.people import PEOPLE
from pipelines.resources import warehouse_asset
from pipelines.sources import staged
from pipelines.tables import table_assets
from pipelines.tags import TAGS
from schemas.clock import run_day

EVENTS = AssetKey(["marts", "events"])


def _mart(tables: list[str], description: str, deps: list[AssetKey]):
    """A mart's assets, one per table ``marts.<name>`` it builds: ``build`` makes them and returns its figures
    that are not row counts, then each table says the run day it describes (``as_of``)."""

    def decorate(build):
        @table_assets([AssetKey(["marts", name]) for name in tables], deps, description, "marts")
        @functools.wraps(build)
        def mart(warehouse: DuckDBResource) -> dict[str, str] | None:
            from warehouse.marts import stamp_run_day

            figures = build(warehouse)
            with warehouse.get_connection() as con:
                stamp_run_day(con, run_day())
            return figures

        return mart

    return decorate


def mart_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """Every mart of warehouse/marts/, then the dictionary; empty without the address register (no houses)."""
    if not has_houses(registry):
        return []
    from warehouse.marts.committees import AREAS
    from warehouse.marts.lists import load_lists

    @_mart(
        ["house_profiles"],
        "一房一档: one row per house with its register facts, tags now and over "
        "time, records per source, and the people, businesses and events linked.",
        [TAGS, HOUSES, ADDRESS_MATCHES, PEOPLE, LINKS],
    )
    def house_profiles(warehouse: DuckDBResource) -> None:
        from warehouse.marts.house_profile import build_house_profiles

        with warehouse.get_connection() as con:
            build_house_profiles(con)

    @_mart(
        ["events", "event_versions"],
        "Every event graded minor or serious (schemas/event_severity.yaml), with its house, business, "
        "committee and grid.",
        [TAGS, EVENT_ATTRIBUTIONS, HOUSES],
    )
    def events(warehouse: DuckDBResource) -> None:
        from warehouse.marts.events import build_events

        with warehouse.get_connection() as con:
            build_events(con)

    @_mart(
        ["hotspots"],
        "Hotspot attribution: minor and serious events per attributed business or house over time "
        "windows, with Heinrich's early warning.",
        [EVENTS, BUSINESSES, HOUSES],
    )
    def hotspots(warehouse: DuckDBResource) -> None:
        from warehouse.marts.hotspots import build_hotspots

        with warehouse.get_connection() as con:
            build_hotspots(con, run_day())

    @_mart(
        ["complaint_pareto"],
        "Pareto of complaint causes for the subdistrict, each committee and each grid (charted on the report "
        "site's pareto.html).",
        [EVENTS],
    )
    def complaint_pareto(warehouse: DuckDBResource) -> None:
        from warehouse.marts.pareto import build_complaint_pareto

        with warehouse.get_connection() as con:
            build_complaint_pareto(con)

    @_mart(
        list(AREAS),
        "Per-committee and per-grid statistics: houses, residents, groups, businesses, events.",
        [EVENTS, hotspots.key, TAGS, BUSINESSES, HOUSES],
    )
    def area_stats(warehouse: DuckDBResource) -> None:
        from warehouse.marts.committees import build_area_stats

        with warehouse.get_connection() as con:
            build_area_stats(con)

    @_mart(
        [f"{name}_list" for name in load_lists()],
        "The problem, need and service lists (schemas/community_lists.yaml).",
        [TAGS, HOUSES],
    )
    def community_lists(warehouse: DuckDBResource) -> None:
        from warehouse.marts.lists import build_lists

        with warehouse.get_connection() as con:
            build_lists(con)

    @_mart(
        ["source_freshness"],
        "Freshness and coverage per source: last delivery against the spec's freshness_days, "
        "rows staged and quarantined, records matched to a house.",
        [ADDRESS_MATCHES, *staged(registry)],
    )
    def source_freshness(warehouse: DuckDBResource) -> None:
        from warehouse.marts.freshness import build_source_freshness

        with warehouse.get_connection() as con:
            build_source_freshness(con, registry)

    @_mart(
        ["person_profiles"],
        "一人一档: one row per person with their home, registration, houses owned and rented, "
        "tags, sources and events.",
        [TAGS, PEOPLE, CITY_PERSON_IDS, LINKS, HOUSES],
    )
    def person_profiles(warehouse: DuckDBResource) -> None:
        from warehouse.marts.person_profile import build_person_profiles

        with warehouse.get_connection() as con:
            build_person_profiles(con, run_day())

    @_mart(
        ["business_profiles"],
        "一企一档: one row per business with its names, premises, licences, tags and the "
        "complaints, findings and cases attributed to it.",
        [EVENTS, TAGS, BUSINESSES, HOUSES],
    )
    def business_profiles(warehouse: DuckDBResource) -> None:
        from warehouse.marts.business_profile import build_business_profiles

        with warehouse.get_connection() as con:
            build_business_profiles(con, run_day())

    marts = [
        house_profiles,
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
        HOUSES,
        ADDRESS_MATCHES,
        PEOPLE,
        BUSINESSES,
        EVENT_ATTRIBUTIONS,
        LINKS,
        *(key for mart in marts for key in mart.keys),
    ]

    @warehouse_asset(
        AssetKey(["meta", "dictionary"]),
        described,
        "The data dictionary as COMMENTs on every core and marts table and column "
        "(schemas/warehouse_dictionary.yaml); rebuilt tables lose them, so every run sets those that differ.",
        group="marts",
    )
    def dictionary(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.dictionary import apply_comments, catalogue, undescribed

        with warehouse.get_connection() as con:
            entries = catalogue(con)
            comments, missing = apply_comments(con, entries), undescribed(con, entries)
        if missing:
            context.log.warning(f"no description in schemas/warehouse_dictionary.yaml: {', '.join(missing)}")
        return MaterializeResult(metadata={"comments": comments, "undescribed": len(missing)})

    return [*marts, dictionary]
