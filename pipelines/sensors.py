"""Sensors: a new delivery launches only its own source's assets and what depends on them, in its
own subdistrict's partition.

One sensor per source watches its folder in every subdistrict's landing zone; one sensor per
database source polls the greatest value of the table's cursor column. Each run request carries a run key made from the delivery
itself (file names, sizes and modification times; or the cursor value), so Dagster never launches
two runs for one delivery even if a sensor's cursor is lost. Sensors start stopped: switch them on
in the UI or with ``dagster sensor start``. Two more, running by default, write the summary of
every finished run to the warehouse's meta layer.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_status_sensor,
    sensor,
)

from connectors.landing import delivery_paths
from connectors.spec import SourceSpec

SETTLE_SECONDS = 5
"""A file modified more recently than this may still be being copied in: it waits for the next tick."""
INTERVAL_SECONDS = 15
LANDING_INTERVAL_SECONDS = 5
"""A folder listing is cheap: landing sensors tick as often as the daemon loops (5 s), so a delivery is in the
analyst copy within a minute (benchmarks/delivery_latency.py); database sensors query a server, every 15 s."""


def source_selection(spec: SourceSpec) -> AssetSelection:
    """The source's raw and staging assets and everything downstream of them (matching, publishing)."""
    return AssetSelection.assets(AssetKey(["raw", spec.name])).downstream()


def run_key(source: str, parts: list[str], subdistrict: str = "") -> str:
    """``<source>:<subdistrict>:<digest>``, the same for the same delivery whoever asks."""
    return f"{source}:{subdistrict}:{hashlib.sha256(json.dumps(sorted(parts)).encode()).hexdigest()[:16]}"


def landing_sensor(spec: SourceSpec) -> SensorDefinition:
    """``landing_<source>``: a run of the source's assets in a subdistrict's partition when files arrive or
    change in the source's folder of that subdistrict's landing zone.

    The cursor maps every subdistrict to the files seen there and their size and modification time;
    a tick that finds nothing new requests nothing.
    """

    @sensor(name=f"landing_{spec.name}", target=source_selection(spec),
            minimum_interval_seconds=LANDING_INTERVAL_SECONDS, default_status=DefaultSensorStatus.STOPPED,
            description=f"New files in the landing folder of {spec.title} ({spec.name}), per subdistrict.")
    def _watch(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        from warehouse.subdistricts import load_subdistricts

        seen: dict[str, dict[str, str]] = json.loads(context.cursor) if context.cursor else {}
        now = time.time()
        requests, cursor = [], dict(seen)
        for code, place in load_subdistricts().items():
            if not place.delivers(spec.name):
                continue
            known = seen.get(code) if isinstance(seen.get(code), dict) else {}
            settled = {}
            for path in delivery_paths(spec, place.landing):
                stat = path.stat()
                if now - stat.st_mtime >= SETTLE_SECONDS:
                    settled[path.name] = f"{stat.st_size}:{stat.st_mtime_ns}"
            new = sorted(name for name, fingerprint in settled.items() if known.get(name) != fingerprint)
            if new:
                requests.append(RunRequest(
                    run_key=run_key(spec.name, [f"{name}:{settled[name]}" for name in new], code), partition_key=code,
                    tags={"housekey/source": spec.name, "housekey/files": ", ".join(new)[:1000]}))
                cursor[code] = {**known, **settled}
        if not requests:
            return SkipReason(f"no new files for {spec.name}")
        return SensorResult(run_requests=requests, cursor=json.dumps(cursor, ensure_ascii=False))

    return _watch


def database_sensor(spec: SourceSpec) -> SensorDefinition:
    """``database_<source>``: a run of the source's assets, in each subdistrict that has the source, when its
    table's cursor column holds a value past both that subdistrict's warehouse cursor (``meta.cursors``)
    and the last value this sensor asked runs for.

    A run that failed is not asked for again until new rows arrive: the nightly run catches up."""
    assert spec.sql is not None and spec.sql.cursor is not None

    @sensor(name=f"database_{spec.name}", target=source_selection(spec), minimum_interval_seconds=INTERVAL_SECONDS,
            default_status=DefaultSensorStatus.STOPPED,
            description=f"New or changed rows in {spec.format} table {spec.sql.table} ({spec.name}).")
    def _poll(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        from connectors.readers.sql import SourceUnavailable
        from warehouse.subdistricts import load_subdistricts

        try:
            latest = latest_cursor(spec)
        except SourceUnavailable as error:
            return SkipReason(str(error))
        if latest is None:
            return SkipReason("the table is empty")
        if latest == context.cursor:
            return SkipReason(f"no rows after {latest}")
        requests = [RunRequest(run_key=run_key(spec.name, [latest], code), partition_key=code,
                               tags={"housekey/source": spec.name, "housekey/cursor": latest})
                    for code, place in load_subdistricts().items()
                    if place.delivers(spec.name) and warehouse_cursor(spec.name, place.warehouse) != latest]
        if not requests:
            return SkipReason(f"no rows after {latest}")
        return SensorResult(run_requests=requests, cursor=latest)

    return _poll


def latest_cursor(spec: SourceSpec) -> str | None:
    """The greatest value of the table's cursor column as text, written as the pull writes it
    (so it compares with ``meta.cursors``); None for an empty table."""
    from connectors.readers.sql import CONNECT_TIMEOUT_S, DEFAULT_URLS, SourceUnavailable

    assert spec.sql is not None and spec.sql.cursor is not None
    url = os.environ.get(spec.sql.url_env) or DEFAULT_URLS[spec.format]
    where = f"{spec.format} at {urlsplit(url).hostname}:{urlsplit(url).port or ''}"
    if spec.format == "postgres":
        import psycopg
        from psycopg import sql

        query = sql.SQL("SELECT max({}) FROM {}").format(sql.Identifier(spec.sql.cursor),
                                                         sql.Identifier(*spec.sql.table.split(".")))
        try:
            with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S) as connection:
                (value,) = connection.execute(query).fetchone()
        except psycopg.OperationalError as error:
            raise SourceUnavailable(f"source {spec.name}: cannot reach {where}") from error
    else:
        import pymysql

        parts = urlsplit(url)
        table = ".".join(f"`{part}`" for part in spec.sql.table.split("."))
        try:
            connection = pymysql.connect(
                host=parts.hostname or "127.0.0.1", port=parts.port or 3306, user=unquote(parts.username or "root"),
                password=unquote(parts.password or ""), database=unquote(parts.path.lstrip("/")) or None,
                connect_timeout=CONNECT_TIMEOUT_S)
        except pymysql.MySQLError as error:
            raise SourceUnavailable(f"source {spec.name}: cannot reach {where}") from error
        with connection, connection.cursor() as cursor:
            cursor.execute(f"SELECT max(`{spec.sql.cursor}`) FROM {table}")
            (value,) = cursor.fetchone()
    return None if value is None else str(value)


def warehouse_cursor(source: str, warehouse: Path | None = None) -> str | None:
    """The source's cursor in ``meta.cursors`` of a warehouse (default ``warehouse_path()``); None when unknown
    or while a run holds the warehouse."""
    import duckdb

    from warehouse.database import connect

    try:
        with connect(warehouse, read_only=True) as con:
            row = con.execute("SELECT cursor_value FROM meta.cursors WHERE source = ?", [source]).fetchone()
    except (FileNotFoundError, duckdb.Error):
        return None
    return row[0] if row else None


def source_sensors(registry: Mapping[str, SourceSpec]) -> list[SensorDefinition]:
    """A landing sensor per file source and a database sensor per database source with a cursor column."""
    return [
        database_sensor(spec) if spec.is_database else landing_sensor(spec)
        for spec in registry.values()
        if not spec.is_database or (spec.sql is not None and spec.sql.cursor is not None)
    ]


def run_summary_sensors(registry: Mapping[str, SourceSpec]) -> list[SensorDefinition]:
    """``run_summary_success`` and ``run_summary_failure``: every finished run's summary in
    ``meta.runs`` and ``meta.run_sources``, and in the sensor's log. A tick that finds the warehouse
    held by a run fails and is tried again at the next tick."""

    def summary_sensor(status: DagsterRunStatus) -> SensorDefinition:
        @run_status_sensor(run_status=status, name=f"run_summary_{status.value.lower()}",
                           default_status=DefaultSensorStatus.RUNNING, minimum_interval_seconds=INTERVAL_SECONDS,
                           description="Writes the run's summary per source to meta.runs and meta.run_sources.")
        def _summarise(context: RunStatusSensorContext) -> None:
            from warehouse.database import connect
            from warehouse.runs import record_run, summarise_run, summary_lines
            from warehouse.subdistricts import subdistrict

            code = context.dagster_run.tags.get("dagster/partition")
            with connect(subdistrict(code).warehouse if code else None) as con:
                summary = summarise_run(context.instance, context.dagster_run.run_id, registry, con)
                record_run(con, summary)
            context.log.info("\n".join(summary_lines(summary)))

        return _summarise

    return [summary_sensor(DagsterRunStatus.SUCCESS), summary_sensor(DagsterRunStatus.FAILURE)]


def automation_sensors(registry: Mapping[str, SourceSpec]) -> list[SensorDefinition]:
    """Every sensor of the deployment: one per source, and the run summaries."""
    return [*source_sensors(registry), *run_summary_sensors(registry)]
