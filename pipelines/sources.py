"""Every source's assets, built from its spec: ``raw/<source>`` lands its deliveries, ``staging/<source>`` types
them, with two checks run in its step: rows add up, and the quality gate holds no delivery. Both assets are owned
by the spec's department and grouped by its record kind (``sources_person``…), so 29 sources stay readable.

Onboarding a source (a new YAML file in connectors/sources/) adds its assets without Python.
"""

from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    asset,
)
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec
from pipelines.resources import WAREHOUSE_POOL, SubdistrictWarehouse
from pipelines.retries import land_with_retries, retry_delays
from pipelines.tables import column_descriptions, table_metadata
from quality.gate import stopped_deliveries
from quality.validate import warm_up
from warehouse.accounting import row_accounts
from warehouse.database import create_bookkeeping
from warehouse.intake import land_source
from warehouse.pull import not_read
from warehouse.raw import SourceLanding
from warehouse.routed_files import routed_spec
from warehouse.staging import stage

OnLanded = Callable[[SourceLanding], None]
"""Called in the asset's process after a source has landed (the CLI's progress display)."""


def raw_asset(spec: SourceSpec, on_landed: OnLanded | None = None) -> AssetsDefinition:
    """The asset ``raw/<source>``: lands every pending delivery of the source into ``raw.<source>``."""
    raw_table = f"raw.{spec.name}"

    @asset(
        key=["raw", spec.name],
        group_name=source_group(spec),
        owners=owners(spec),
        description=f"{spec.title}（{spec.owner}）: every delivery as delivered, every value text.",
        metadata={"format": spec.format, "owner": spec.owner, "level": spec.level, "dagster/table_name": raw_table},
        kinds={"duckdb", spec.format},
        pool=WAREHOUSE_POOL,
    )
    def _land(context: AssetExecutionContext, warehouse: SubdistrictWarehouse) -> MaterializeResult:
        warm_up()  # staging, next in this process as a run goes, validates with GX: its import runs beside the landing
        Path(warehouse.database).parent.mkdir(parents=True, exist_ok=True)

        def land_once() -> SourceLanding:
            with warehouse.get_connection() as con:  # closed while a retry waits
                create_bookkeeping(con)
                if warehouse.delivers(spec.name):
                    root = Path(warehouse.landing) if warehouse.landing else None
                    routed = spec.name in (warehouse.district_sources or ())  # pulled by the district, routed here
                    return land_source(con, routed_spec(spec) if routed else spec, root)
                return SourceLanding(spec.name, note=f"not a source of subdistrict {warehouse.subdistrict}")

        delays = retry_delays(context.run.run_config) if spec.is_database else ()
        landing = land_with_retries(land_once, delays, log=context.log.warning)
        for result in landing.deliveries:
            context.log.info(
                f"{result.file_name}: {result.status}, {result.rows_loaded} rows landed, "
                f"{result.rows_quarantined} quarantined"
            )
        if landing.note:
            failed = (not_read(landing) or ("",))[0] == "failed"
            (context.log.error if failed else context.log.info)(landing.note)
        if on_landed is not None:
            on_landed(landing)
        with warehouse.get_connection() as con:
            table = table_metadata(con, raw_table, raw_column_descriptions(spec))
        return MaterializeResult(metadata={**table, **landing_metadata(landing)})

    return _land


def owners(spec: SourceSpec) -> list[str]:
    """The department that delivers the source, as a Dagster owner."""
    return [f"team:{spec.owner}"]


def source_group(spec: SourceSpec) -> str:
    """The group of a source's assets: its record kind's (``sources_person``)."""
    return f"sources_{spec.record_kind}"


def raw_column_descriptions(spec: SourceSpec) -> dict[str, str]:
    """A raw table's columns described: a delivered header by the canonical column staging maps it to."""
    canonical = column_descriptions(f"staging.{spec.name}", spec.record_kind)
    mapped = {header: f"→ {m.to}: {canonical.get(m.to, '')}".rstrip(": ") for header, m in spec.columns.items()}
    return {**column_descriptions(f"raw.{spec.name}"), **mapped}


def landing_metadata(landing: SourceLanding) -> dict[str, int | str]:
    """The figures a raw asset's materialisation reports besides its table's: what this run delivered, landed,
    quarantined and skipped."""
    metadata: dict[str, int | str] = {
        "deliveries": landing.count("loaded"),
        "rows_delivered": landing.rows_delivered,
        "rows_landed": landing.rows_loaded,
        "rows_quarantined": landing.rows_quarantined,
        "duplicates_skipped": landing.count("duplicate"),
        "failed_deliveries": landing.count("failed"),
    }
    if landing.note:
        metadata["note"] = landing.note
    if unread := not_read(landing):  # the run summary reads these (warehouse/runs.py)
        metadata["outcome"], metadata["reason"] = unread
    return metadata


def staging_asset(spec: SourceSpec) -> AssetsDefinition:
    """The asset ``staging/<source>``: canonical, typed columns; unreadable values to quarantine. Only the rows of
    deliveries new since the last staging are typed and validated when nothing else changed. Its two checks (rows
    add up, the quality gate) run in its own step: a step is a process, or a pod, of its own (decision 4)."""
    staging_table = f"staging.{spec.name}"
    key = AssetKey(["staging", spec.name])

    @asset(
        key=key,
        deps=[AssetKey(["raw", spec.name])],
        group_name=source_group(spec),
        owners=owners(spec),
        description=f"{spec.title}: mapped to the {spec.record_kind} record kind, typed and normalised.",
        metadata={"record_kind": spec.record_kind, "dagster/table_name": staging_table},
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        check_specs=[
            AssetCheckSpec(
                ROWS_ADD_UP,
                asset=key,
                blocking=True,
                description="Every delivered row is either staged or quarantined with a reason: none lost.",
            ),
            AssetCheckSpec(
                PASSES_QUALITY_GATE,
                asset=key,
                blocking=False,
                description="No delivery held by the expectation suite; failing rows per rule in the metadata.",
            ),
        ],
    )
    def _stage(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        with warehouse.get_connection() as con:
            create_bookkeeping(con)
            result = stage(con, spec)
            table = table_metadata(con, staging_table, column_descriptions(staging_table, spec.record_kind))
            checks = [rows_add_up(con, spec), passes_quality_gate(con, spec)]
        how = "the new deliveries' rows added" if result.incremental else "every delivery restaged"
        context.log.info(f"{result.rows_staged} rows staged, {result.rows_quarantined} quarantined ({how})")
        return MaterializeResult(
            metadata={**table, "rows_raw": result.rows_raw, "rows_quarantined": result.rows_quarantined},
            check_results=checks,
        )

    return _stage


ROWS_ADD_UP, PASSES_QUALITY_GATE = "rows_add_up", "passes_quality_gate"


def rows_add_up(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> AssetCheckResult:
    """A blocking check on ``staging/<source>``: rows delivered = rows staged + rows quarantined. A failure fails
    the staging step after its table is written, so nothing downstream runs on rows that do not add up."""
    (account,) = row_accounts(con, [spec.name])
    # right after staging nothing may be pending
    return AssetCheckResult(
        check_name=ROWS_ADD_UP,
        passed=account.balanced and not account.pending,
        metadata={
            "delivered": account.delivered,
            "staged": account.staged,
            "quarantined": account.quarantined,
            "held": account.held,
            "pending": account.pending,
        },
    )


def passes_quality_gate(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> AssetCheckResult:
    """A check on ``staging/<source>``: no delivery of the source is held by its expectation suite
    (quality/expectations/). Rows that broke a rule are quarantined and do not fail it; a held delivery
    does. It does not block: a held delivery's rows are not staged, so it holds its own source and the
    rest of the pipeline (and the analyst copy, which lists it in meta.held_sources) goes on."""
    stopped = stopped_deliveries(con, spec)
    failing = con.execute(
        "SELECT rule, sum(unexpected_count) FROM meta.validations WHERE source = ? GROUP BY rule ORDER BY rule",
        [spec.name],
    ).fetchall()
    return AssetCheckResult(
        check_name=PASSES_QUALITY_GATE,
        passed=not stopped,
        description="; ".join(stopped) or None,
        metadata={"held_deliveries": len(stopped), **{f"failing_{r}": int(n) for r, n in failing}},
    )


def staged(registry: Mapping[str, SourceSpec]) -> list[AssetKey]:
    """The staging assets of the registry's sources: what a stage reading ``staging.*`` depends on."""
    return [AssetKey(["staging", name]) for name in registry]


def raw_assets(registry: Mapping[str, SourceSpec], on_landed: OnLanded | None = None) -> list[AssetsDefinition]:
    """One raw asset per source of the registry, in the registry's order."""
    return [raw_asset(spec, on_landed) for spec in registry.values()]


def source_assets(registry: Mapping[str, SourceSpec], on_landed: OnLanded | None = None) -> list[AssetsDefinition]:
    """Every asset of every source: raw, then staging."""
    return [*raw_assets(registry, on_landed), *(staging_asset(spec) for spec in registry.values())]
