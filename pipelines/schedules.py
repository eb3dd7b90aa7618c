"""Schedules: the whole pipeline every night, one run per subdistrict, and old runs pruned every week
(run retention).

Times are Shanghai time. Schedules start stopped: switch them on in the UI or with
``dagster schedule start nightly`` once the instance runs its daemon.
"""

import datetime as dt
import os

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    OpExecutionContext,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    job,
    op,
    schedule,
)

from pipelines.run_tags import subdistrict_tags

TIMEZONE = "Asia/Shanghai"
RETENTION_ENV = "HOUSEKEY_RUN_RETENTION_DAYS"
RETENTION_DAYS = 90
_FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]


@schedule(
    name="nightly",
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    target=AssetSelection.all(),
    default_status=DefaultScheduleStatus.STOPPED,
    description="Every source, matching and publishing, at 02:00 when no department is exporting: "
    "one run per subdistrict, which the run queue may start side by side.",
)
def nightly(context: ScheduleEvaluationContext) -> list[RunRequest]:
    from warehouse.subdistricts import load_subdistricts

    night = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else "now"
    return [
        RunRequest(run_key=f"nightly:{code}:{night}", partition_key=code, tags=subdistrict_tags(code))
        for code in load_subdistricts()
    ]


def retention_days() -> int:
    """How many days finished runs are kept: ``$HOUSEKEY_RUN_RETENTION_DAYS`` or 90."""
    return int(os.environ.get(RETENTION_ENV) or RETENTION_DAYS)


def prune_runs(instance, keep_days: int, now: dt.datetime | None = None) -> list[str]:
    """Delete finished runs created more than ``keep_days`` ago, with their event logs; their ids."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=keep_days)
    old = instance.get_run_ids(RunsFilter(statuses=_FINISHED, created_before=cutoff))
    for run_id in old:
        instance.delete_run(run_id)
    return old


@op(description="Delete finished runs older than the retention period (HOUSEKEY_RUN_RETENTION_DAYS, default 90).")
def prune_old_runs(context: OpExecutionContext) -> None:
    pruned = prune_runs(context.instance, retention_days())
    context.log.info(f"{len(pruned)} runs older than {retention_days()} days deleted")


@job(description="Run retention: the run history keeps the last few months, not every run ever.")
def run_retention():
    prune_old_runs()


weekly_run_retention = ScheduleDefinition(
    name="weekly_run_retention",
    cron_schedule="30 3 * * 0",
    execution_timezone=TIMEZONE,
    job=run_retention,
    default_status=DefaultScheduleStatus.STOPPED,
)

schedules = [nightly, weekly_run_retention]
