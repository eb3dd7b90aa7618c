"""Dagster definitions: the pipeline assembled from its stages, each in a module of its own, in the order a
record travels them: sources (raw and staging per source, with their checks), address, people, businesses,
tags, marts, publish.

``dagster dev -m pipelines.definitions`` loads ``defs`` (``housekey ui`` starts it on ``housekey run``'s instance);
``housekey run`` runs the same assets in-process as the ``subdistrict`` job ``defs`` holds, so the UI files its
runs under that job. Every asset is partitioned by subdistrict (pipelines/partitions.py) and writes through the
warehouse resource (pipelines/resources.py), one step at a time per subdistrict (docs/decisions/0004).
"""

import functools
from collections.abc import Collection, Mapping
from pathlib import Path

from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    Definitions,
    ExecuteInProcessResult,
    JobDefinition,
    StaticPartitionsDefinition,
    define_asset_job,
    in_process_executor,
    multiprocess_executor,
)

from connectors.spec import SourceSpec, load_registry
from pipelines.address import address_assets
from pipelines.businesses import business_assets
from pipelines.city import city_assets
from pipelines.district import district_jobs, district_sensor
from pipelines.marts import mart_assets
from pipelines.partitions import partitioned, subdistrict_partitions
from pipelines.people import people_assets
from pipelines.publish import publish_asset
from pipelines.resources import warehouse_resources
from pipelines.schedules import schedules
from pipelines.sensors import automation_sensors
from pipelines.site import site_assets
from pipelines.sources import OnLanded, source_assets
from pipelines.tags import tag_assets
from warehouse.runs import SOURCE_LAYERS

SUBDISTRICT_JOB = "subdistrict"
# forkserver: each step's process starts from one that has imported the pipeline, what its steps import lazily (Great
# Expectations alone is 2.4 CPU s, paid by every staging step otherwise) and what Dagster imports in every step process
# to open its instance (0.45 CPU s a step)
STEP_PRELOAD = (
    "pipelines.definitions",
    "great_expectations",
    "quality.custom_expectations",
    "splink",
    "pypinyin",
    "dagster._core.storage.base_storage",
    "dagster._core.storage.runs.sqlite",
    "dagster._core.storage.event_log.sqlite",
    "dagster._core.storage.schedules.sqlite",
    "dagster._core.storage.root",
    "dagster._core.storage.migration.utils",
    "dagster._core.instance.factory",
    "dagster._core.secrets.env_file",
    "dagster._core.workspace.autodiscovery",
    "dagster._utils.test.definitions",
    "upath.core",
    "upath.implementations.local",
    "watchdog.observers.polling",
)


def pipeline_assets(
    registry: Mapping[str, SourceSpec],
    on_landed: OnLanded | None = None,
    partitions: StaticPartitionsDefinition | None = None,
) -> list[AssetsDefinition]:
    """The whole pipeline: every source's assets, address resolution, identity, tags and marts, then publishing
    and the report site;
    every asset partitioned by ``partitions`` when given (``subdistrict_partitions()``)."""
    marts, people = mart_assets(registry), people_assets(registry)
    upstream = [
        *source_assets(registry, on_landed),
        *address_assets(registry),
        *people,
        *city_assets(people),
        *business_assets(registry),
        *tag_assets(registry),
        *marts,
    ]
    assets = [*upstream, publish_asset(upstream, registry), *site_assets(marts, registry)]
    return assets if partitions is None else [partitioned(a, partitions) for a in assets]


def run_selection(assets: list[AssetsDefinition], sources: Collection[str], downstream: bool = True) -> list[AssetKey]:
    """What a run of some ``sources`` materialises: their raw and staging assets and, with ``downstream``, every
    stage after them (address matching, identity, tags, marts, publish), which reads every source's staging
    table as the warehouse holds it, so the named sources' new rows reach the marts and the analyst copy."""
    keys = [key for definition in assets for key in definition.keys]
    return [key for key in keys if (key.path[-1] in sources if key.path[0] in SOURCE_LAYERS else downstream)]


def build_definitions(
    registry: Mapping[str, SourceSpec] | None = None, on_landed: OnLanded | None = None
) -> Definitions:
    """Definitions for a registry (default: connectors/sources/), with the ``subdistrict`` job and the district's
    routing job."""
    registry = load_registry() if registry is None else registry
    # a subdistrict's steps share one DuckDB file: one at a time, in the run's process
    return Definitions(
        assets=pipeline_assets(registry, on_landed, subdistrict_partitions()),
        resources=warehouse_resources(),
        jobs=[subdistrict_asset_job(), *district_jobs()],
        schedules=schedules,
        sensors=[*automation_sensors(registry), district_sensor(registry)],
        executor=in_process_executor,
    )


def subdistrict_asset_job() -> JobDefinition:
    """``subdistrict``: the whole pipeline for one subdistrict partition with every step in a process of its own,
    one step at a time (the partition's steps share its DuckDB file); runs of different subdistricts go side by
    side."""
    executor = multiprocess_executor.configured(
        {"max_concurrent": 1, "start_method": {"forkserver": {"preload_modules": list(STEP_PRELOAD)}}}
    )
    return define_asset_job(SUBDISTRICT_JOB, selection=AssetSelection.all(), executor_def=executor)


@functools.cache  # a step's process builds its job twice (to plan and to run the step): 0.25 s each
def subdistrict_job(sources: str | None = None) -> JobDefinition:
    """The ``subdistrict`` job for ``execute_job`` (``build_reconstructable_job("pipelines.definitions",
    "subdistrict_job")``); ``sources`` is a registry folder (default connectors/sources/)."""
    registry = load_registry(Path(sources)) if sources else load_registry()
    return Definitions(
        assets=pipeline_assets(registry, partitions=subdistrict_partitions()),
        resources=warehouse_resources(),
        jobs=[subdistrict_asset_job()],
    ).resolve_job_def(SUBDISTRICT_JOB)


def run_in_process(
    assets: list[AssetsDefinition], selection: list[AssetKey] | None = None, **execute
) -> ExecuteInProcessResult:
    """Run ``assets`` (or the ``selection`` of them) in this process as ``materialize`` does,
    but as the ``subdistrict`` job (``execute`` as ``execute_in_process`` takes it): the UI lists the run under
    the job ``defs`` holds, not as an ad-hoc materialisation."""
    definitions = Definitions(
        assets=assets,
        resources=warehouse_resources(),
        jobs=[define_asset_job(SUBDISTRICT_JOB, selection=selection)],
    )
    return definitions.resolve_job_def(SUBDISTRICT_JOB).execute_in_process(**execute)


defs = build_definitions()
