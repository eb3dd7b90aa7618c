"""Identity resolution's assets for people (group ``identity``): ``core/people``, every person record linked to a
stable person_id (``core/person_records``, ``core/person_counterparts``), and the pairs left for review
(``quality/person_review``)."""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.address import RECORDS, has_houses
from pipelines.tables import table_assets

IDENTITY = "identity"
PEOPLE = AssetKey(["core", "people"])
PEOPLE_TABLES = [
    PEOPLE,
    AssetKey(["core", "person_records"]),
    AssetKey(["core", "person_counterparts"]),
    AssetKey(["quality", "person_review"]),
]


def people_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``core/people`` after the address matches and every staging asset (any staged table with a person's name
    column names people, and its quarantine says which ID numbers staging blanked); empty without houses."""
    if not has_houses(registry):
        return []

    @table_assets(
        PEOPLE_TABLES,
        RECORDS,
        "People linked across sources (checked ID numbers, then a Splink model) with stable person_id; "
        "core.person_records says which record is which person and why; doubtful pairs in "
        "quality.person_review; merges and splits in core.person_id_history.",
        IDENTITY,
    )
    def people(context: AssetExecutionContext, warehouse: DuckDBResource) -> dict[str, int]:
        from resolution.identity.people import resolve_people

        with warehouse.get_connection() as con:
            counts = resolve_people(con, getattr(warehouse, "subdistrict", "") or None)  # its partition
        kept = "" if counts["linked_again"] else " (kept: nothing new for people since the latest linking)"
        context.log.info(
            f"{counts['person_records']} person records -> {counts['people']} people{kept}; "
            f"{counts['person_review']} wait for review"
        )
        tables = {key.path[-1] for key in PEOPLE_TABLES}  # their rows are each table's dagster/row_count
        return {figure: n for figure, n in counts.items() if figure not in tables}

    return [people]
