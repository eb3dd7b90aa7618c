"""The district step: the job ``district_routing``, one op not partitioned by subdistrict, that reads the district's
new deliveries once and routes every row into one subdistrict's landing zone (warehouse/routing.py). The subdistricts'
own runs (the ``subdistrict`` job, one partition each) then land their slices; the op never opens a warehouse for
writing. ``housekey district route`` does the same from the command line.

The sensor ``district_deliveries`` asks for a ``district_routing`` run when a new or changed file settles in the
district landing zone; the subdistricts' landing sensors (pipelines/sensors.py) then see the routed slices arrive in
their own zones and start the subdistrict runs. It reads file stats, hashes only a file whose stat changed, and
reads the routing ledger (read-only) only to learn whether such a file was routed; it never opens a warehouse.
"""

import json
from collections.abc import Mapping
from pathlib import Path

from dagster import (
    DagsterInstance,
    DefaultSensorStatus,
    Failure,
    JobDefinition,
    MetadataValue,
    OpExecutionContext,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    job,
    op,
    sensor,
)

from connectors.landing import content_hash, delivery_paths, file_stat
from connectors.spec import SourceSpec
from pipelines.sensors import ACTIVE_STATUSES, LANDING_INTERVAL_SECONDS, run_key, subdistricts_running, warehouse_stat

DISTRICT_JOB = "district_routing"
DISTRICT_SENSOR = "district_deliveries"
NO_DISTRICT = "no district configured ($HOUSEKEY_SUBDISTRICTS has no `district:`): nothing to route"


@op(
    description="Route the district landing zone's new files and the district-wide database sources' new rows to the "
    "subdistricts' landing zones: every row to one subdistrict, out of area or quarantine, counted in the ledger.",
)
def route_district_deliveries(context: OpExecutionContext) -> None:
    from warehouse.routing import route_district
    from warehouse.subdistricts import load_subdistricts

    report = route_district(load_subdistricts())
    if report is None:
        context.log.info(NO_DISTRICT)
        return
    for delivery in report.deliveries:
        (context.log.info if delivery.status == "routed" else context.log.error)(str(delivery))
    context.log.info(str(report))
    failed = [str(d) for d in report.deliveries if d.status != "routed"]
    if report.waiting or failed:
        raise Failure(
            description=report.waiting or f"{len(failed)} district deliveries not read",
            metadata={"not_routed": MetadataValue.md("\n".join(f"- {line}" for line in failed) or "-")},
        )


@job(name=DISTRICT_JOB, description="The district's own exports, read once and routed to its subdistricts.")
def district_routing_job() -> None:
    route_district_deliveries()


def district_jobs() -> list[JobDefinition]:
    """The district's jobs, for the definitions beside the ``subdistrict`` job."""
    return [district_routing_job]


def district_sensor(registry: Mapping[str, SourceSpec]) -> SensorDefinition:
    """``district_deliveries``: a ``district_routing`` run when a file of a file source of ``registry`` is new or
    changed in the district landing zone and the routing ledger has not routed its content.

    It waits (skips, saying why) while a ``district_routing`` run is queued or going; while a file may still be
    being written (the spec's ``settle_seconds``, its ``ready_marker``); while a subdistrict has never run (no
    warehouse, so no house register: its landing sensor or the nightly run builds it first); and while a
    subdistrict has a run queued or going (the router reads every register). The run key names the files' contents
    and the warehouses' stats: one situation asks once, and a routing that waited is asked again when a warehouse
    changes. A file the ledger records as failed is asked again only when its content changes.
    """
    specs = [spec for spec in registry.values() if not spec.is_database]

    @sensor(
        name=DISTRICT_SENSOR,
        job=district_routing_job,
        minimum_interval_seconds=LANDING_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.STOPPED,
        description="New or changed files in the district landing zone: a district_routing run.",
    )
    def _watch(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        from schemas.clock import wall_clock
        from warehouse.routing_ledger import district_landing, ledger_path
        from warehouse.subdistricts import load_subdistricts

        subdistricts = load_subdistricts()
        landing = district_landing(subdistricts.values())
        if landing is None:
            return SkipReason(NO_DISTRICT)
        if routing_runs(context.instance):
            return SkipReason(f"a {DISTRICT_JOB} run is queued or going: the next tick looks again")
        before = json.loads(context.cursor) if context.cursor else {}
        files, waiting = _district_files(specs, landing, before.get("files", {}), wall_clock().timestamp())
        ledger = ledger_path(landing)
        cursor = {"files": files, "ledger": warehouse_stat(ledger)}
        if any(f["ledger"] is None for f in files.values()) or (
            cursor["ledger"] != before.get("ledger") and any(f["ledger"] != "routed" for f in files.values())
        ):
            try:
                _look_up(ledger, files)
            except LedgerBusy as busy:
                return SkipReason(str(busy))
        pending = sorted(key for key, f in files.items() if f["ledger"] is None)
        notes = waiting + [
            f"{key}: not routed ({f['note']}): deliver it again or run `housekey district route`"
            for key, f in files.items()
            if f["note"]
        ]
        if not pending:
            reason = "; ".join(["no new district deliveries", *notes])
        elif missing := [code for code, place in subdistricts.items() if not place.warehouse.exists()]:
            reason = f"subdistricts {', '.join(missing)} never ran (no house register yet): routing waits for them"
        elif running := sorted(subdistricts_running(context.instance) & set(subdistricts)):
            reason = (
                f"subdistricts {', '.join(running)} have a run queued or going: routing reads their registers after"
            )
        else:
            stats = [f"{code}={warehouse_stat(place.warehouse)}" for code, place in subdistricts.items()]
            request = RunRequest(
                run_key=run_key(DISTRICT_JOB, [f"{key}:{files[key]['sha256']}" for key in pending] + stats),
                tags={"housekey/files": ", ".join(pending)[:1000]},
            )
            return SensorResult(run_requests=[request], cursor=json.dumps(cursor, ensure_ascii=False))
        return SensorResult(skip_reason=reason, cursor=json.dumps(cursor, ensure_ascii=False))

    return _watch


def routing_runs(instance: DagsterInstance) -> list[str]:
    """The ids of the ``district_routing`` runs queued or going."""
    return instance.get_run_ids(RunsFilter(job_name=DISTRICT_JOB, statuses=ACTIVE_STATUSES))


def _district_files(specs, landing: Path, known: dict, now: float) -> tuple[dict[str, dict], list[str]]:
    """``<source>/<file name>`` -> {"stat", "sha256", "ledger", "note"} of every settled file of the district landing
    zone (hashed only when its stat changed; what the ledger said of it kept until then), and the files waiting."""
    files, waiting = {}, []
    for spec in specs:
        for path in delivery_paths(spec, landing):
            key, stat = f"{spec.name}/{path.name}", path.stat()
            marker = (spec.ready_marker or "").replace("{name}", path.name)
            if now - stat.st_mtime < spec.settle_seconds or (marker and not (path.parent / marker).is_file()):
                waiting.append(f"{key}: waiting (maybe still being written)")
                continue
            fingerprint, seen = file_stat(stat), known.get(key) or {}
            if seen.get("stat") == fingerprint:
                files[key] = seen
            else:
                files[key] = {"stat": fingerprint, "sha256": content_hash(path), "ledger": None, "note": None}
                if files[key]["sha256"] == seen.get("sha256"):  # touched, same bytes: the ledger's answer holds
                    files[key].update(ledger=seen.get("ledger"), note=seen.get("note"))
    return files, waiting


class LedgerBusy(Exception):
    """The routing ledger cannot be read now (``housekey district route`` is writing it)."""


def _look_up(ledger: Path, files: dict[str, dict]) -> None:
    """Mark each file ``routed`` (its source's ledger holds its content as routed, under any name) or ``failed``
    with the ledger's note (that name and content could not be routed), else None, from the ledger, read-only."""
    import duckdb

    routed, failed = set(), {}
    if ledger.exists():
        try:
            with duckdb.connect(str(ledger), read_only=True) as con:
                rows = con.execute("SELECT source, file_name, file_hash, status, note FROM deliveries").fetchall()
        except duckdb.CatalogException:  # a ledger made before its tables
            rows = []
        except duckdb.Error as error:
            raise LedgerBusy(f"the routing ledger {ledger} cannot be read now: {str(error).splitlines()[0]}") from error
        for source, file_name, file_hash, status, note in rows:
            if status == "routed":
                routed.add((source, file_hash))
            else:
                failed[f"{source}/{file_name}", file_hash] = note or status
    for key, entry in files.items():
        source = key.split("/", 1)[0]
        note = failed.get((key, entry["sha256"]))
        state = "routed" if (source, entry["sha256"]) in routed else "failed" if note else None
        entry.update(ledger=state, note=note if state == "failed" else None)
