"""The city's code location on Kubernetes: the project's definitions plus ``city/parquet`` (each
subdistrict's analyst copy exported for the city view, warehouse/city.py), ``nightly_k8s``, every asset
of one subdistrict's partition with each step in its own pod (Dagster's Kubernetes executor, configured
by executor.yaml beside this file), and ``nightly_city``, which asks for one such run per subdistrict.

    dagster code-server start -f deploy/k8s/definitions.py      # in the code-location image

Runs started by the landing sensors keep the project's in-process executor inside their run pod, so a
delivery reaches the analyst copy within a minute; docs/scale-out.md explains both.
"""

import os
from pathlib import Path

import yaml
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    MaterializeResult,
    RunRequest,
    ScheduleEvaluationContext,
    asset,
    define_asset_job,
    schedule,
)
from dagster_duckdb import DuckDBResource
from dagster_k8s import k8s_job_executor

from pipelines import definitions as district  # the module, not its defs: one Definitions at module scope
from pipelines.partitions import subdistrict_partitions
from pipelines.run_tags import subdistrict_tags
from pipelines.schedules import TIMEZONE
from warehouse.city import CITY_PARQUET_ENV, export_analyst_copy
from warehouse.publish import analyst_path

EXECUTOR = Path(__file__).with_name("executor.yaml")


@asset(
    key=["city", "parquet"],
    deps=[AssetKey(["publish", "analyst_copy"])],
    group_name="city",
    kinds={"parquet"},
    partitions_def=subdistrict_partitions(),
    description="The subdistrict's analyst copy as Parquet under $HOUSEKEY_CITY_PARQUET: its part of the city view.",
)
def city_parquet(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    if not os.environ.get(CITY_PARQUET_ENV):
        raise Failure(f"set {CITY_PARQUET_ENV} to the shared folder of the city's Parquet files (/city/parquet)")
    root = Path(os.environ[CITY_PARQUET_ENV])
    files = export_analyst_copy(analyst_path(Path(warehouse.database)), context.partition_key, root)
    return MaterializeResult(metadata={"tables": len(files), "folder": str(root)})


def nightly_job(executor_config: dict):
    """``nightly_k8s`` with this Kubernetes executor config (Dagster validates it against the executor's schema)."""
    return define_asset_job(
        "nightly_k8s",
        selection=AssetSelection.all(),  # partitioned like the assets: one subdistrict per run
        executor_def=k8s_job_executor.configured(executor_config, name="k8s"),
        description="Every asset of one subdistrict, each step in its own pod, one at a time (one writer).",
    )


nightly_k8s = nightly_job(yaml.safe_load(EXECUTOR.read_text(encoding="utf-8")))


@schedule(
    name="nightly_city",
    job=nightly_k8s,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description="At 02:00, one nightly_k8s run per subdistrict; the run queue starts them side by side.",
)
def nightly_city(context: ScheduleEvaluationContext) -> list[RunRequest]:
    from warehouse.subdistricts import load_subdistricts

    night = context.scheduled_execution_time.isoformat()
    return [
        RunRequest(run_key=f"nightly_city:{code}:{night}", partition_key=code, tags=subdistrict_tags(code))
        for code in load_subdistricts()
    ]


defs = Definitions.merge(
    district.defs, Definitions(assets=[city_parquet], jobs=[nightly_k8s], schedules=[nightly_city])
)
