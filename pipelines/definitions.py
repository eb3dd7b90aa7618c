"""Dagster definitions, built from the source registry: a raw and a staging asset per source.

Onboarding a source (a new YAML file in connectors/sources/) adds its asset without Python.
``dagster dev -m pipelines.definitions`` loads ``defs``; ``housekey run`` materialises the same
assets in-process. Every asset is partitioned by subdistrict (warehouse/subdistricts.py): a
partition's steps read its landing zone and write its own DuckDB file, one step at a time (the
in-process executor; one queued run per partition, docs/decisions/0004). The ``warehouse`` pool
caps how many steps write a warehouse at once across runs, so how many subdistricts run side by side.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    Definitions,
    InitResourceContext,
    JobDefinition,
    MaterializeResult,
    StaticPartitionsDefinition,
    asset,
    asset_check,
    define_asset_job,
    in_process_executor,
    multiprocess_executor,
)
from dagster_duckdb import DuckDBResource

from connectors.spec import SourceSpec, load_registry
from pipelines.retries import land_with_retries, retry_delays
from resolution.identity.people_assets import people_assets
from warehouse.database import create_bookkeeping, keep_private, warehouse_path
from warehouse.intake import SourceLanding, land_source
from warehouse.pull import not_read
from warehouse.staging import stage
from warehouse.subdistricts import Subdistrict, load_subdistricts, subdistrict

WAREHOUSE_POOL = "warehouse"
OnLanded = Callable[[SourceLanding], None]
"""Called in the asset's process after a source has landed (the CLI's progress display)."""


def raw_asset(spec: SourceSpec, on_landed: OnLanded | None = None) -> AssetsDefinition:
    """The asset ``raw/<source>``: lands every pending delivery of the source into ``raw.<source>``."""

    @asset(
        key=["raw", spec.name],
        group_name="raw",
        description=f"{spec.title}（{spec.owner}）: every delivery as delivered, every value text.",
        metadata={"format": spec.format, "owner": spec.owner, "level": spec.level, "table": f"raw.{spec.name}"},
        kinds={"duckdb", spec.format},
        pool=WAREHOUSE_POOL,
    )
    def _land(context: AssetExecutionContext, warehouse: SubdistrictWarehouse) -> MaterializeResult:
        Path(warehouse.database).parent.mkdir(parents=True, exist_ok=True)

        def land_once() -> SourceLanding:
            with warehouse.get_connection() as con:  # closed while a retry waits
                create_bookkeeping(con)
                if warehouse.delivers(spec.name):
                    return land_source(con, spec, Path(warehouse.landing) if warehouse.landing else None)
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
        return MaterializeResult(metadata=landing_metadata(landing))

    return _land


def landing_metadata(landing: SourceLanding) -> dict[str, int | str]:
    """The figures a raw asset's materialisation reports."""
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
    """The asset ``staging/<source>``: canonical, typed columns; unreadable values to quarantine."""

    @asset(
        key=["staging", spec.name],
        deps=[AssetKey(["raw", spec.name])],
        group_name="staging",
        description=f"{spec.title}: mapped to the {spec.record_kind} record kind, typed and normalised.",
        metadata={"record_kind": spec.record_kind, "table": f"staging.{spec.name}"},
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
    )
    def _stage(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        with warehouse.get_connection() as con:
            create_bookkeeping(con)
            result = stage(con, spec)
        context.log.info(f"{result.rows_staged} rows staged, {result.rows_quarantined} quarantined")
        return MaterializeResult(
            metadata={
                "rows_raw": result.rows_raw,
                "rows_staged": result.rows_staged,
                "rows_quarantined": result.rows_quarantined,
            }
        )

    return _stage


def row_accounting_check(spec: SourceSpec) -> AssetChecksDefinition:
    """A blocking check on ``staging/<source>``: rows delivered = rows staged + rows quarantined."""

    @asset_check(
        asset=AssetKey(["staging", spec.name]),
        name="rows_add_up",
        blocking=True,
        description="Every delivered row is either staged or quarantined with a reason: none lost.",
    )
    def rows_add_up(warehouse: DuckDBResource) -> AssetCheckResult:
        from warehouse.accounting import row_accounts

        with warehouse.get_connection() as con:
            (account,) = row_accounts(con, [spec.name])
        # right after staging nothing may be pending
        return AssetCheckResult(
            passed=account.balanced and not account.pending,
            metadata={
                "delivered": account.delivered,
                "staged": account.staged,
                "quarantined": account.quarantined,
                "held": account.held,
                "pending": account.pending,
            },
        )

    return rows_add_up


REGISTER_SOURCE = "address_register"


def resolution_assets(registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``core/houses`` from the standard address register, then ``core/address_matches``: every staged
    address resolved to a house. Empty when the registry has no address register."""
    if REGISTER_SOURCE not in registry:
        return []

    @asset(
        key=["core", "houses"],
        deps=[AssetKey(["staging", REGISTER_SOURCE])],
        group_name="core",
        pool=WAREHOUSE_POOL,
        description="The house register: canonical houses with stable house_id and their hierarchy.",
        kinds={"duckdb"},
    )
    def houses(warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.address.register import build_core_houses

        with warehouse.get_connection() as con:
            return MaterializeResult(metadata={"houses": build_core_houses(con)})

    @asset(
        key=["core", "address_matches"],
        deps=[AssetKey(["core", "houses"]), *(AssetKey(["staging", name]) for name in registry)],
        group_name="core",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Every staged address matched to a house: house_id, match_level, score, margin, reason.",
    )
    def address_matches(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from resolution.address.register import Register
        from resolution.address.resolve import resolve_addresses

        with warehouse.get_connection() as con:
            levels = resolve_addresses(con, Register.from_warehouse(con))
            review = con.execute("SELECT count(*) FROM quality.address_review").fetchone()[0]
        context.log.info(f"match levels {levels}; {review} addresses wait for review")
        return MaterializeResult(metadata={**{f"records_{k}": v for k, v in levels.items()}, "review_queue": review})

    return [houses, address_matches]


def raw_assets(registry: Mapping[str, SourceSpec], on_landed: OnLanded | None = None) -> list[AssetsDefinition]:
    """One raw asset per source of the registry, in the registry's order."""
    return [raw_asset(spec, on_landed) for spec in registry.values()]


def source_assets(registry: Mapping[str, SourceSpec], on_landed: OnLanded | None = None) -> list[AssetsDefinition]:
    """Every asset of every source: raw, then staging."""
    return [*raw_assets(registry, on_landed), *(staging_asset(spec) for spec in registry.values())]


def publish_asset(upstream: list[AssetsDefinition], registry: Mapping[str, SourceSpec]) -> AssetsDefinition:
    """``publish/analyst_copy``: the protected copy analysts read, swapped in after everything else. A held
    delivery holds its own source only (none of its rows staged): the copy still refreshes, and
    ``meta.held_sources`` in it names every source held and why."""

    @asset(
        key=["publish", "analyst_copy"],
        deps=[key for a in upstream for key in a.keys],
        group_name="publish",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="The analyst copy: ID numbers and phones masked everywhere, keyed tokens for joins.",
    )
    def analyst_copy(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        from warehouse.publish import publish

        with warehouse.get_connection() as con:
            held = record_held_sources(con, registry)
            path = publish(con, Path(warehouse.database))
        for _source, reason in held:
            context.log.warning(f"held, not refreshed: {reason}")
        return MaterializeResult(metadata={"path": str(path), "held_sources": len({source for source, _ in held})})

    return analyst_copy


def record_held_sources(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec]) -> list[tuple[str, str]]:
    """Rewrite ``meta.held_sources`` (source, reason): every delivery the quality gate holds that still stops
    its source (quality/gate.py); returns its rows."""
    from quality.gate import stopped_deliveries

    held = [(name, reason) for name, spec in registry.items() for reason in stopped_deliveries(con, spec)]
    con.execute("CREATE OR REPLACE TABLE meta.held_sources (source VARCHAR NOT NULL, reason VARCHAR NOT NULL)")
    if held:
        con.executemany("INSERT INTO meta.held_sources VALUES (?, ?)", held)
    return held


def pipeline_assets(
    registry: Mapping[str, SourceSpec],
    on_landed: OnLanded | None = None,
    partitions: StaticPartitionsDefinition | None = None,
) -> list[AssetsDefinition]:
    """The whole pipeline: every source's assets, the house register and address resolution, then publishing;
    every asset partitioned by ``partitions`` when given (``subdistrict_partitions()``)."""
    from pipelines.mart_assets import mart_assets
    from pipelines.tag_assets import tag_assets  # it imports this module: late, to avoid a cycle
    from resolution.identity.business_assets import business_assets

    upstream = [
        *source_assets(registry, on_landed),
        *resolution_assets(registry),
        *people_assets(registry),
        *business_assets(registry),
        *tag_assets(registry),
        *mart_assets(registry),
    ]
    assets = [*upstream, publish_asset(upstream, registry)]
    return assets if partitions is None else [partitioned(a, partitions) for a in assets]


def subdistrict_partitions(subdistricts: Mapping[str, Subdistrict] | None = None) -> StaticPartitionsDefinition:
    """One partition per configured subdistrict code (default: ``load_subdistricts()``)."""
    return StaticPartitionsDefinition(list(subdistricts if subdistricts is not None else load_subdistricts()))


def partitioned(assets_def: AssetsDefinition, partitions: StaticPartitionsDefinition) -> AssetsDefinition:
    """The asset with every spec partitioned by subdistrict; its body is unchanged (the resource picks the files)."""
    return assets_def.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions))


class SubdistrictWarehouse(DuckDBResource):
    """The warehouse a step writes: in a run of a subdistrict partition that subdistrict's file and landing
    zone (looked up in ``load_subdistricts()`` from the run's ``dagster/partition`` tag), else ``database``."""

    landing: str = ""
    """The landing root; empty for ``$HOUSEKEY_LANDING``."""
    subdistrict: str = ""
    sources: list[str] | None = None
    """The sources delivered in this subdistrict; None for all."""

    def delivers(self, source: str) -> bool:
        return self.sources is None or source in self.sources

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # DuckDBResource leaves the connection open when the step fails, and a later connect() in this
        # process (the run's summary) is then refused for a different configuration
        keep_private(Path(self.database))  # owner-only files (WAL too) whichever step opens the warehouse first
        with super().get_connection() as connection:
            try:
                yield connection
            finally:
                connection.close()

    def create_resource(self, context: InitResourceContext) -> "SubdistrictWarehouse":
        code = context.run.tags.get("dagster/partition") if context.run else None
        if not code:
            return self
        chosen = subdistrict(code)
        return SubdistrictWarehouse(
            database=str(chosen.warehouse),
            landing=str(chosen.landing),
            subdistrict=code,
            sources=None if chosen.sources is None else sorted(chosen.sources),
            connection_config=self.connection_config,
        )


def warehouse_resources() -> dict[str, DuckDBResource]:
    """The resources the assets need: the warehouse of the run's subdistrict partition, or for an unpartitioned
    run the file ``$HOUSEKEY_WAREHOUSE`` (read now)."""
    return {"warehouse": SubdistrictWarehouse(database=str(warehouse_path()))}


def build_definitions(
    registry: Mapping[str, SourceSpec] | None = None, on_landed: OnLanded | None = None
) -> Definitions:
    """Definitions for a registry (default: connectors/sources/)."""
    registry = load_registry() if registry is None else registry
    from pipelines.schedules import schedules
    from pipelines.sensors import automation_sensors

    # a subdistrict's steps share one DuckDB file: one at a time, in the run's process
    return Definitions(
        assets=pipeline_assets(registry, on_landed, subdistrict_partitions()),
        asset_checks=source_checks(registry),
        resources=warehouse_resources(),
        schedules=schedules,
        sensors=automation_sensors(registry),
        executor=in_process_executor,
    )


SUBDISTRICT_JOB = "subdistrict"


def subdistrict_job(sources: str | None = None) -> JobDefinition:
    """``subdistrict``: the whole pipeline for one subdistrict partition with every step in a process of its own,
    one step at a time (the partition's steps share its DuckDB file); runs of different subdistricts go side by
    side. For ``execute_job`` (``build_reconstructable_job("pipelines.definitions", "subdistrict_job")``);
    ``sources`` is a registry folder (default connectors/sources/)."""
    registry = load_registry(Path(sources)) if sources else load_registry()
    partitions = subdistrict_partitions()
    # forkserver: each step's process starts from one that has imported the pipeline already
    executor = multiprocess_executor.configured(
        {"max_concurrent": 1, "start_method": {"forkserver": {"preload_modules": ["pipelines.definitions"]}}}
    )
    job = define_asset_job(
        SUBDISTRICT_JOB, selection=AssetSelection.all(), partitions_def=partitions, executor_def=executor
    )
    return Definitions(
        assets=pipeline_assets(registry, partitions=partitions),
        asset_checks=source_checks(registry),
        resources=warehouse_resources(),
        jobs=[job],
    ).resolve_job_def(SUBDISTRICT_JOB)


def quality_gate_check(spec: SourceSpec) -> AssetChecksDefinition:
    """A check on ``staging/<source>``: no delivery of the source is held by its expectation suite
    (quality/expectations/). Rows that broke a rule are quarantined and do not fail it; a held delivery
    does. It does not block: a held delivery's rows are not staged, so it holds its own source and the
    rest of the pipeline (and the analyst copy, which lists it in meta.held_sources) goes on."""

    @asset_check(
        asset=AssetKey(["staging", spec.name]),
        name="passes_quality_gate",
        blocking=False,
        description="No delivery held by the expectation suite; failing rows per rule in the metadata.",
    )
    def passes_quality_gate(warehouse: DuckDBResource) -> AssetCheckResult:
        from quality.gate import stopped_deliveries

        with warehouse.get_connection() as con:
            stopped = stopped_deliveries(con, spec)
            failing = con.execute(
                "SELECT rule, sum(unexpected_count) FROM meta.validations WHERE source = ? GROUP BY rule ORDER BY rule",
                [spec.name],
            ).fetchall()
        return AssetCheckResult(
            passed=not stopped,
            description="; ".join(stopped) or None,
            metadata={"held_deliveries": len(stopped), **{f"failing_{r}": int(n) for r, n in failing}},
        )

    return passes_quality_gate


def source_checks(registry: Mapping[str, SourceSpec]) -> list[AssetChecksDefinition]:
    """The checks every source's staging asset must pass: rows add up, and the quality gate."""
    return [check for spec in registry.values() for check in (row_accounting_check(spec), quality_gate_check(spec))]


defs = build_definitions()
