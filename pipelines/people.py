"""Identity resolution's asset for people: ``core/people``, every person record linked to a stable person_id."""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.address import RECORDS, has_houses
from pipelines.resources import warehouse_asset

PEOPLE = AssetKey(["core", "people"])


def people_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``core/people`` after the address matches and every staging asset (any staged table with a person's name
    column names people, and its quarantine says which ID numbers staging blanked); empty without houses."""
    if not has_houses(registry):
        return []

    @warehouse_asset(
        PEOPLE,
        [RECORDS],
        "People linked across sources (checked ID numbers, then a Splink model) with stable person_id; "
        "core.person_records says which record is which person and why; doubtful pairs in "
        "quality.person_review; merges and splits in core.person_id_history.",
    )
    def people(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.identity.people import resolve_people

        with warehouse.get_connection() as con:
            counts = resolve_people(con)
        context.log.info(
            f"{counts['person_records']} person records -> {counts['people']} people; "
            f"{counts['person_review']} wait for review"
        )
        return MaterializeResult(metadata=counts)

    return [people]
