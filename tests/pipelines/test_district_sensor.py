"""The sensor ``district_deliveries`` asks for one ``district_routing`` run per new or changed district file, never
while a routing run or a subdistrict's run is queued or going, nor before every subdistrict has run once; after the
routing, the subdistricts' landing sensors see the routed slices and ask for their runs. Real files, the district's
real registers (tests/warehouse/test_district_routing.py builds them), a real ephemeral Dagster instance."""

import os
from pathlib import Path

import duckdb
from dagster import DagsterInstance, DagsterRunStatus, build_sensor_context
from dagster._core.test_utils import create_run_for_test

from connectors.spec import load_registry
from pipelines.definitions import build_definitions
from pipelines.district import DISTRICT_JOB, DISTRICT_SENSOR, NO_DISTRICT, district_routing_job, district_sensor
from tests.warehouse import test_district_routing
from tests.warehouse.test_district_routing import (
    FOOD,
    SAMPLE,
    SECOND,
    _district_beside,
    _food_file,
    _houses,
)
from warehouse.routing import ledger_path

routed_district = test_district_routing.district  # its fixture: two subdistricts with their registers built


def _tick(sensor, instance, cursor=None, repository=None):
    return sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=cursor, repository_def=repository))


def _rested(*paths: Path) -> None:
    """Files written an hour before their time: settled, as a delivery copied in long ago is."""
    for path in paths:
        settled = path.stat().st_mtime - 3600
        os.utime(path, (settled, settled))


def _district(routed_district, root: Path, monkeypatch) -> Path:
    """A district of its own under ``root`` (copies of the two subdistricts' warehouses); its landing zone."""
    subdistricts, _, _ = routed_district
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(_district_beside(subdistricts, root)))
    monkeypatch.delenv("HOUSEKEY_POD_SIZES", raising=False)
    ours, theirs = _houses(subdistricts[SAMPLE].landing, 3), _houses(subdistricts[SECOND].landing, 3)
    _food_file(root / "district" / "landing", ours, theirs)
    return root / "district" / "landing"


def test_without_a_district_the_sensor_skips_saying_why(tmp_path, monkeypatch):
    (tmp_path / "subdistricts.yaml").write_text(
        f"subdistricts:\n  - {{code: '{SAMPLE}', name: 瑞金二路街道}}\n  - {{code: '{SECOND}', name: 淮海中路街道}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(tmp_path / "subdistricts.yaml"))
    result = _tick(district_sensor(load_registry()), DagsterInstance.ephemeral())
    assert result.run_requests == [] and result.skip_message == NO_DISTRICT


def test_a_district_file_is_routed_once_and_again_when_it_changes(routed_district, tmp_path, monkeypatch):
    landing = _district(routed_district, tmp_path, monkeypatch)
    repository = build_definitions().get_repository_def()  # the deployment's sensors, this district's partitions
    sensor, instance = repository.get_sensor_def(DISTRICT_SENSOR), DagsterInstance.ephemeral()
    food = landing / "food_licences" / FOOD
    just_written = _tick(sensor, instance)
    assert just_written.run_requests == []
    assert f"food_licences/{FOOD}: waiting" in just_written.skip_message  # maybe still being copied in
    _rested(food)
    first = _tick(sensor, instance, just_written.cursor)
    (request,) = first.run_requests
    assert request.run_key.startswith(f"{DISTRICT_JOB}:") and request.tags["housekey/files"] == f"food_licences/{FOOD}"
    assert sensor.job_name == DISTRICT_JOB
    assert [r.run_key for r in _tick(sensor, instance, first.cursor).run_requests] == [request.run_key]  # one key

    for job_name, tags, why in [
        (DISTRICT_JOB, {}, f"a {DISTRICT_JOB} run is queued or going"),
        ("subdistrict", {"dagster/partition": SECOND}, f"subdistricts {SECOND} have a run queued or going"),
    ]:
        run = create_run_for_test(instance, job_name, status=DagsterRunStatus.STARTED, tags=tags)
        busy = _tick(sensor, instance, first.cursor)
        assert busy.run_requests == [] and busy.skip_message.startswith(why)
        instance.delete_run(run.run_id)

    assert district_routing_job.execute_in_process(instance=instance).success  # the run the sensor asked for
    routed = _tick(sensor, instance, first.cursor)
    assert routed.run_requests == [] and routed.skip_message == "no new district deliveries"
    slices = [tmp_path / code / "landing" / "food_licences" / FOOD for code in (SAMPLE, SECOND)]
    _rested(*slices)  # the subdistricts' landing sensors see the routed slices and ask for their runs
    landed = _tick(repository.get_sensor_def("landing_food_licences"), instance, repository=repository)
    assert sorted(r.partition_key for r in landed.run_requests) == sorted([SAMPLE, SECOND])

    _rested(food)  # touched: the same bytes, a new time; the ledger is not opened again
    with duckdb.connect(str(ledger_path(landing))):  # `housekey district route` writing the ledger
        touched = _tick(sensor, instance, routed.cursor)
    assert touched.run_requests == [] and touched.skip_message == "no new district deliveries"

    food.write_text(food.read_text(encoding="utf-8").replace("JY0001", "JY9001"), encoding="utf-8")
    _rested(food)
    changed = _tick(sensor, instance, touched.cursor)
    (again,) = changed.run_requests  # the same name with new content: a new delivery, a new key
    assert again.run_key != request.run_key


def test_routing_waits_for_a_subdistrict_that_never_ran(routed_district, tmp_path, monkeypatch):
    landing = _district(routed_district, tmp_path, monkeypatch)
    _rested(landing / "food_licences" / FOOD)
    (tmp_path / SAMPLE / "warehouse" / "housekey.duckdb").unlink()  # its first run has not built its register
    sensor, instance = district_sensor(load_registry()), DagsterInstance.ephemeral()
    waiting = _tick(sensor, instance)
    assert waiting.run_requests == [] and waiting.skip_message.startswith(f"subdistricts {SAMPLE} never ran")
    assert not ledger_path(landing).exists()  # nothing routed, nothing called out of area too early


def test_a_file_the_router_could_not_route_is_not_asked_again_until_it_changes(routed_district, tmp_path, monkeypatch):
    landing = _district(routed_district, tmp_path, monkeypatch)
    _rested(landing / "food_licences" / FOOD)
    own = tmp_path / SAMPLE / "landing" / "food_licences" / FOOD  # the subdistrict's own file of the same name
    own.parent.mkdir(parents=True)
    own.write_text("许可证编号\n", encoding="utf-8")
    sensor, instance = district_sensor(load_registry()), DagsterInstance.ephemeral()
    first = _tick(sensor, instance)
    assert len(first.run_requests) == 1
    assert not district_routing_job.execute_in_process(instance=instance, raise_on_error=False).success
    after = _tick(sensor, instance, first.cursor)
    assert after.run_requests == []  # the ledger says why: the operator renames one, then routes by hand
    assert after.skip_message.startswith(f"no new district deliveries; food_licences/{FOOD}: not routed (")
    assert "rename one" in after.skip_message
