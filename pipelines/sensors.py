"""Sensors: a new delivery launches only its own source's assets and what depends on them, in its
own subdistrict's partition.

One sensor per source watches its folder in every subdistrict's landing zone; one sensor per
database source polls the greatest value of the table's cursor column. Each run request carries a run key
made from the delivery itself (file names and content hashes; or the cursor values), so Dagster never
launches two runs for one delivery even if a sensor's cursor is lost. Sensors start stopped: switch them
on in the UI or with ``dagster sensor start``. Two more, running by default, ask a ``record_run_summary``
run to write the summary of every finished run to the warehouse's meta layer.

No sensor writes a warehouse, and none opens one a run may be writing: a database sensor leaves alone every
subdistrict with a run queued or going, and opens the others' warehouses read-only, only when the file
changed since it last read it (its size and time, kept in the sensor's cursor). Every run a sensor asks for
carries its subdistrict's tags (pipelines/run_tags.py: one run per subdistrict at a time, its pod's size).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    Failure,
    JobDefinition,
    RetryPolicy,
    RunRequest,
    RunsFilter,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    job,
    op,
    run_status_sensor,
    sensor,
)

from connectors.landing import content_hash, delivery_paths, file_stat
from connectors.spec import SourceSpec
from pipelines.resources import WAREHOUSE_POOL
from pipelines.run_tags import SUBDISTRICT_TAG, subdistrict_tags

SETTLE_SECONDS = 5
"""A file modified more recently than this may still be being copied in. The tick that sees such a file waits
until it would have rested that long and looks again (a file still changing waits for the next tick): a delivery is
taken 5 s after it lands, not 5 s and the rest of a daemon loop."""
INTERVAL_SECONDS = 15
LANDING_INTERVAL_SECONDS = 1
"""A folder listing is cheap: landing sensors tick as often as the daemon loops (every 5 s). The interval must be
below the loop's: at 5 s a tick that started a moment after the loop did is 4.9 s old at the next loop, so the
sensor ticked every other loop, every 10 s (benchmarks/delivery_latency.py). Database sensors query a server,
every 15 s."""


def source_selection(spec: SourceSpec) -> AssetSelection:
    """The source's raw and staging assets and everything downstream of them (matching, publishing)."""
    return AssetSelection.assets(AssetKey(["raw", spec.name])).downstream()


def run_key(source: str, parts: list[str], subdistrict: str = "") -> str:
    """``<source>:<subdistrict>:<digest>``, the same for the same delivery whoever asks."""
    return f"{source}:{subdistrict}:{hashlib.sha256(json.dumps(sorted(parts)).encode()).hexdigest()[:16]}"


def landing_sensor(spec: SourceSpec) -> SensorDefinition:
    """``landing_<source>``: a run of the source's assets in a subdistrict's partition when files with new
    content arrive in the source's folder of that subdistrict's landing zone.

    The cursor maps every subdistrict to the files seen there: their stat (``connectors.landing.file_stat``) and
    the sha256 of their content. A file whose stat changed is hashed; one whose content did not
    (``touch``, a copy of the same bytes) only updates the cursor and starts no run.
    """

    @sensor(
        name=f"landing_{spec.name}",
        target=source_selection(spec),
        minimum_interval_seconds=LANDING_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"New files in the landing folder of {spec.title} ({spec.name}), per subdistrict.",
    )
    def _watch(context: SensorEvaluationContext) -> SensorResult:
        from warehouse.subdistricts import load_subdistricts

        seen: dict[str, dict] = json.loads(context.cursor) if context.cursor else {}
        landing = {
            code: delivery_paths(spec, place.landing)
            for code, place in load_subdistricts().items()
            if place.delivers(spec.name)
        }
        now = _rested(path for paths in landing.values() for path in paths)
        requests, cursor = [], dict(seen)
        for code, paths in landing.items():
            known = seen.get(code) if isinstance(seen.get(code), dict) else {}
            files, new = _fingerprints(paths, known, now)
            if new:
                requests.append(
                    RunRequest(
                        run_key=run_key(spec.name, [f"{name}:{files[name]['sha256']}" for name in new], code),
                        partition_key=code,
                        tags={
                            **subdistrict_tags(code),
                            "housekey/source": spec.name,
                            "housekey/files": ", ".join(new)[:1000],
                        },
                    )
                )
            cursor[code] = {**known, **files}
        changed = cursor != seen
        return SensorResult(
            run_requests=requests,
            skip_reason=None if requests else f"no new files for {spec.name}",
            cursor=json.dumps(cursor, ensure_ascii=False) if changed else context.cursor,
        )

    return _watch


def _rested(paths: Iterable[Path]) -> float:
    """The clock to settle files against: now, or, when a file changed less than ``SETTLE_SECONDS`` ago, once the
    youngest would have rested that long (at most ``SETTLE_SECONDS`` from now)."""
    now = time.time()
    youngest = max((path.stat().st_mtime for path in paths), default=0.0)
    if now - youngest < SETTLE_SECONDS:
        time.sleep(min(SETTLE_SECONDS, SETTLE_SECONDS - (now - youngest)))
        now = time.time()
    return now


def _fingerprints(paths: list[Path], known: dict, now: float) -> tuple[dict[str, dict], list[str]]:
    """The settled files' fingerprints ({"stat", "sha256"}) and the names whose content is new."""
    files, new = {}, []
    for path in paths:
        stat = path.stat()
        if now - stat.st_mtime < SETTLE_SECONDS:
            continue  # maybe still being copied in
        fingerprint = file_stat(stat)
        before = known.get(path.name) if isinstance(known.get(path.name), dict) else {}
        digest = before.get("sha256") if before.get("stat") == fingerprint else content_hash(path)
        files[path.name] = {"stat": fingerprint, "sha256": digest}
        if digest != before.get("sha256"):
            new.append(path.name)
    return files, sorted(new)


def database_sensor(spec: SourceSpec) -> SensorDefinition:
    """``database_<source>``: a run of the source's assets, in each subdistrict that has the source, when its
    table's cursor column holds a value past that subdistrict's warehouse cursor (``meta.cursors``, read-only).

    The warehouse's cursor decides, not the sensor's: rows a failed run missed are asked for again with the
    next change (the run key names the table's and the warehouse's cursors, so one situation asks once; the
    nightly run catches up too). A subdistrict with a run queued or going, or whose warehouse a process outside
    Dagster holds, is asked nothing this tick. A database that must be read (a configured URL, or
    ``HOUSEKEY_DATABASES=required``) and cannot be reached fails the tick; the laptop's local default is skipped."""
    assert spec.sql is not None and spec.sql.cursor is not None

    @sensor(
        name=f"database_{spec.name}",
        target=source_selection(spec),
        minimum_interval_seconds=INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"New or changed rows in {spec.format} table {spec.sql.table} ({spec.name}).",
    )
    def _poll(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        from connectors.readers.sql import SourceUnavailable, latest_cursor
        from warehouse.subdistricts import load_subdistricts

        try:
            latest = latest_cursor(spec)
        except SourceUnavailable as error:
            if error.required:  # a deployment's database out of reach: a failed tick, not a quiet one
                raise
            return SkipReason(str(error))
        if latest is None:
            return SkipReason("the table is empty")
        known: dict[str, dict] = json.loads(context.cursor).get("warehouses", {}) if _is_json(context.cursor) else {}
        running = subdistricts_running(context.instance)
        read, behind, waiting = dict(known), {}, []
        for code, place in load_subdistricts().items():
            if not place.delivers(spec.name) or spec.name in place.district_sources:  # the district pulls that one
                continue
            if code in running:
                waiting.append(f"subdistrict {code} has a run queued or going")
                continue
            try:
                read[code] = warehouse_cursor_since(spec.name, place.warehouse, known.get(code))
            except WarehouseBusy as busy:
                waiting.append(str(busy))
                continue
            if read[code]["pulled"] != latest:
                behind[code] = read[code]["pulled"]
        requests = [
            RunRequest(
                run_key=run_key(spec.name, [latest, pulled or ""], code),
                partition_key=code,
                tags={**subdistrict_tags(code), "housekey/source": spec.name, "housekey/cursor": latest},
            )
            for code, pulled in behind.items()
        ]
        if requests:
            skip_reason = None
        elif waiting:
            skip_reason = f"{'; '.join(waiting)}: its cursor is unknown until the next tick"
        else:
            skip_reason = f"no rows after {latest}"
        return SensorResult(
            run_requests=requests,
            skip_reason=skip_reason,
            cursor=json.dumps({"latest": latest, "warehouses": read}, ensure_ascii=False),
        )

    return _poll


def _is_json(cursor: str | None) -> bool:
    return bool(cursor) and cursor.startswith("{")  # a cursor of an older release was the latest value alone


ACTIVE_STATUSES = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def subdistricts_running(instance: DagsterInstance) -> set[str]:
    """The subdistricts with a run queued or going (its partition or ``housekey/subdistrict`` tag): one
    query to the instance, not one per subdistrict."""
    runs = instance.get_runs(RunsFilter(statuses=ACTIVE_STATUSES))
    return {code for run in runs for code in (run.tags.get(SUBDISTRICT_TAG), run.tags.get("dagster/partition")) if code}


class WarehouseBusy(Exception):
    """A warehouse that exists but cannot be opened read-only now (a run is writing it)."""


def warehouse_stat(warehouse: Path) -> str:
    """Size and time of the warehouse file and its write-ahead log: what changes whenever a run writes."""
    parts = []
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        try:
            stat = path.stat()
        except FileNotFoundError:
            parts.append("-")
        else:
            parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return "/".join(parts)


def warehouse_cursor_since(source: str, warehouse: Path, known: dict | None) -> dict:
    """``{"stat", "pulled"}``: the source's warehouse cursor, read again only when the file changed since
    ``known`` was read (a file stat otherwise, no open). Raises WarehouseBusy when it cannot be read now."""
    stat = warehouse_stat(warehouse)
    if isinstance(known, dict) and known.get("stat") == stat and "pulled" in known:
        return known
    return {"stat": stat, "pulled": warehouse_cursor(source, warehouse)}


def warehouse_cursor(source: str, warehouse: Path | None = None) -> str | None:
    """The source's cursor in ``meta.cursors`` of a warehouse (default ``warehouse_path()``), opened read-only;
    None when there is no warehouse or no cursor yet. Raises WarehouseBusy when it cannot be read now."""
    import duckdb

    from warehouse.database import connect

    try:
        with connect(warehouse, read_only=True) as con:
            row = con.execute("SELECT cursor_value FROM meta.cursors WHERE source = ?", [source]).fetchone()
    except FileNotFoundError:
        return None
    except duckdb.CatalogException:  # a warehouse made before any cursor
        return None
    except duckdb.Error as error:
        raise WarehouseBusy(
            f"warehouse {warehouse or 'default'} cannot be read: {str(error).splitlines()[0]}"
        ) from error
    return row[0] if row else None


def source_sensors(registry: Mapping[str, SourceSpec]) -> list[SensorDefinition]:
    """A landing sensor per file source and a database sensor per database source with a cursor column."""
    return [
        database_sensor(spec) if spec.is_database else landing_sensor(spec)
        for spec in registry.values()
        if not spec.is_database or (spec.sql is not None and spec.sql.cursor is not None)
    ]


RUN_SUMMARY_JOB, SUMMARY_OP = "record_run_summary", "write_run_summary"


def run_summary_job(registry: Mapping[str, SourceSpec]) -> JobDefinition:
    """``record_run_summary``: writes one finished run's summary (``run_id`` in its config) to its subdistrict's
    ``meta.runs`` and ``meta.run_sources``. A run of its own, in the ``warehouse`` pool, so no sensor writes a
    warehouse; a warehouse another run holds is tried again every 15 s for a while."""

    @op(
        name=SUMMARY_OP,
        pool=WAREHOUSE_POOL,
        config_schema={"run_id": str},
        retry_policy=RetryPolicy(max_retries=20, delay=15),
    )
    def record(context) -> None:  # unannotated: Dagster cannot read a postponed annotation
        from warehouse.database import connect
        from warehouse.runs import record_run, summarise_run, summary_lines
        from warehouse.subdistricts import subdistrict
        from warehouse.versions import WarehouseOutOfDate

        run_id = context.op_config["run_id"]
        code = context.instance.get_run_by_id(run_id).tags.get("dagster/partition")
        try:
            con = connect(subdistrict(code).warehouse if code else None)
        except WarehouseOutOfDate as error:  # waiting does not upgrade it: `housekey migrate` does
            raise Failure(str(error), allow_retries=False) from error
        with con:
            summary = summarise_run(context.instance, run_id, registry, con)
            record_run(con, summary)
        context.log.info("\n".join(summary_lines(summary)))

    @job(name=RUN_SUMMARY_JOB, description="Writes a finished run's summary to meta.runs and meta.run_sources.")
    def record_run_summary() -> None:
        record()

    return record_run_summary


def run_summary_sensors(registry: Mapping[str, SourceSpec]) -> list[SensorDefinition]:
    """``run_summary_success`` and ``run_summary_failure``: for every finished run, a ``record_run_summary`` run
    that writes its summary to ``meta.runs`` and ``meta.run_sources`` (the sensors themselves only read)."""
    summary_job = run_summary_job(registry)

    def summary_sensor(status: DagsterRunStatus) -> SensorDefinition:
        @run_status_sensor(
            run_status=status,
            name=f"run_summary_{status.value.lower()}",
            request_job=summary_job,
            default_status=DefaultSensorStatus.RUNNING,
            minimum_interval_seconds=INTERVAL_SECONDS,
            description="Asks record_run_summary to write the run's summary per source to meta.runs.",
        )
        def _summarise(context: RunStatusSensorContext) -> RunRequest | SkipReason:
            run = context.dagster_run
            if run.job_name == RUN_SUMMARY_JOB:
                return SkipReason("a summary's own run")
            code = run.tags.get("dagster/partition")  # its subdistrict's tags: never beside another of its runs
            return RunRequest(
                run_key=f"summary:{run.run_id}",
                run_config={"ops": {SUMMARY_OP: {"config": {"run_id": run.run_id}}}},
                tags={**(subdistrict_tags(code) if code else {}), "housekey/summarises": run.run_id},
            )

        return _summarise

    return [summary_sensor(DagsterRunStatus.SUCCESS), summary_sensor(DagsterRunStatus.FAILURE)]


def automation_sensors(registry: Mapping[str, SourceSpec]) -> list[SensorDefinition]:
    """Every sensor of the deployment: one per source, and the run summaries."""
    return [*source_sensors(registry), *run_summary_sensors(registry)]
