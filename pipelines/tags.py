"""The tag catalogue's assets (group ``tags``): ``tags/catalogue``, what each tag of schemas/tags/ means, and
``tags/house_tags``, ``tags/person_tags``, ``tags/business_tags``: every tag evaluated, with history.

Tags read staging, the address matches and identity resolution (people, businesses, event attribution);
they are evaluated on every run for the run day (``schemas.clock.run_day``): rules with windows ("in the
last 90 days") count back from it.
"""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.address import RECORDS, has_houses
from pipelines.businesses import BUSINESSES, EVENT_ATTRIBUTIONS
from pipelines.people import PEOPLE
from pipelines.tables import table_assets
from schemas.clock import run_day, wall_clock

TAGS = AssetKey(["tags", "catalogue"])
TAG_TABLES = [TAGS, *(AssetKey(["tags", f"{entity}_tags"]) for entity in ("house", "person", "business"))]


def tag_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``tags/catalogue`` and the tags held; empty without houses. Tag inputs key people and businesses by
    identity's ids."""
    if not has_houses(registry):
        return []

    @table_assets(
        TAG_TABLES,
        [*RECORDS, PEOPLE, BUSINESSES, EVENT_ATTRIBUTIONS],
        "Every tag of schemas/tags/ evaluated into tags.house_tags, person_tags and business_tags, "
        "with history (valid_from, valid_to, the run).",
        "tags",
    )
    def catalogue(context: AssetExecutionContext, warehouse: DuckDBResource) -> dict[str, int]:
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
        return {
            "failed": len(failed),
            "memberships": sum(r.members for r in results),
            "added": sum(r.added for r in results),
            "removed": sum(r.removed for r in results),
        }

    return [catalogue]
