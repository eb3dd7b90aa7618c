"""Dagster asset ``core/people``: every person record linked to a stable person_id, after address resolution."""

from collections.abc import Mapping

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec

WAREHOUSE_POOL = "warehouse"
REGISTER_SOURCE = "address_register"
PERSON_KINDS = ("person", "link", "event")  # the record kinds whose rows can name a person


def people_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``core/people`` after ``core/address_matches`` and the staging assets of person-naming sources;
    empty when the registry has no address register (no address matches to read)."""
    if REGISTER_SOURCE not in registry:
        return []
    staged = [AssetKey(["staging", name]) for name, spec in registry.items() if spec.record_kind in PERSON_KINDS]

    @asset(
        key=["core", "people"],
        deps=[AssetKey(["core", "address_matches"]), *staged],
        group_name="core",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="People linked across sources (checked ID numbers, then a Splink model) with stable person_id; "
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
