"""A new delivery through the sensor path, end to end: the landing sensor sees the file, its run request is
executed as the daemon would (the sensor's own job, partition, tags and run config), and the analyst copy
then holds every row of the delivery. Timing belongs to benchmarks/delivery_latency.py, not here."""

import os
import shutil
import time

import duckdb
import pytest
from dagster import DagsterInstance, build_sensor_context, instance_for_test

from benchmarks.delivery_latency import RUN_DAY, SENSOR, SOURCE, visible_records, write_patrol_delivery
from data_samples.generator.generate import SAMPLES
from pipelines.definitions import build_definitions

RECORDS = 40


@pytest.fixture
def district(tmp_path, monkeypatch, full_warehouse):
    """The sample subdistrict after a full run (the shared warehouse, copied), its landing zone in a temporary
    folder, and an instance: as after weeks of running."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing", landing)
    for path in landing.rglob("*.*"):  # delivered long ago: settled
        os.utime(path, (time.time() - 3600,) * 2)
    warehouse = tmp_path / "warehouse" / "housekey.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(full_warehouse, warehouse)
    monkeypatch.setenv("HOUSEKEY_LANDING", str(landing))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("HOUSEKEY_AS_OF", RUN_DAY)  # the delivery week is after the sample world's day
    monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
    with instance_for_test() as instance:
        yield build_definitions().get_repository_def(), instance, landing, warehouse.with_name("analyst.duckdb")


def tick(repository, instance: DagsterInstance, cursor: str | None):
    context = build_sensor_context(instance=instance, cursor=cursor, repository_def=repository)
    return repository.get_sensor_def(SENSOR).evaluate_tick(context)


def execute(repository, instance: DagsterInstance, request):
    """Run a sensor's run request the way the daemon launches it: the sensor's job with the request's
    partition, tags and run config."""
    job = repository.get_job(repository.get_sensor_def(SENSOR).job_name)
    return job.execute_in_process(
        instance=instance,
        partition_key=request.partition_key,
        run_config=request.run_config,
        tags={**request.tags, "dagster/sensor_name": SENSOR},
    )


def test_a_new_delivery_reaches_the_analyst_copy_through_its_landing_sensor(district, tmp_path):
    repository, instance, landing, analyst = district
    settled = tick(repository, instance, None)  # the files of the first run: the cursor to start from
    assert tick(repository, instance, settled.cursor).run_requests == []

    delivery = write_patrol_delivery(tmp_path, RECORDS)
    os.replace(delivery, landing / SOURCE / delivery.name)
    os.utime(landing / SOURCE / delivery.name, (time.time() - 60,) * 2)
    assert visible_records(analyst, delivery.name) == 0

    result = tick(repository, instance, settled.cursor)
    (request,) = result.run_requests
    assert request.tags["housekey/files"] == delivery.name
    run = execute(repository, instance, request)
    assert run.success

    assert visible_records(analyst, delivery.name) == RECORDS
    with duckdb.connect(str(analyst), read_only=True) as con:
        rows = con.execute(f"SELECT _row_number FROM staging.{SOURCE} WHERE _file_name = ?", [delivery.name]).fetchall()
        matched = con.execute(
            "SELECT count(*) FROM core.address_matches WHERE source = ? AND _file_name = ? AND house_id IS NOT NULL",
            [SOURCE, delivery.name],
        ).fetchone()[0]
    assert sorted(row for (row,) in rows) == list(range(1, RECORDS + 1))  # every line of the file, once
    assert matched >= RECORDS * 0.9  # the generator's addresses are the register's houses, with noise
    steps = {event.step_key.split("__")[0] for event in run.get_step_success_events()}
    assert {"raw", "staging", "publish"} <= steps
    assert not any("address_register" in event.step_key for event in run.get_step_success_events())

    assert tick(repository, instance, result.cursor).run_requests == []  # seen: no second run
