"""The Kubernetes deployment of deploy/k8s/, validated by Dagster itself: ``nightly_k8s`` over the project's
partitioned assets with the executor config of executor.yaml (checked against the Kubernetes executor's
schema), and dagster.yaml against the instance and K8sRunLauncher schemas. No cluster is needed; a
broken file fails."""

import datetime as dt
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import (
    DagsterInstance,
    DagsterInvalidConfigError,
    Definitions,
    build_schedule_context,
    instance_for_test,
    materialize,
    validate_run_config,
)
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_k8s import K8sRunLauncher

from pipelines.definitions import warehouse_resources
from warehouse.city import CITY_PARQUET_ENV, city_views
from warehouse.subdistricts import load_subdistricts

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def _load_city():
    """deploy/k8s/definitions.py loaded as the code server would load it."""
    spec = importlib.util.spec_from_file_location("housekey_k8s_definitions", K8S / "definitions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def module():
    return _load_city()


@pytest.fixture(scope="module")
def city(module):
    return module.defs.get_repository_def()


@pytest.mark.system
def test_dagster_loads_the_code_location(tmp_path):
    """As ``dagster code-server start -f deploy/k8s/definitions.py`` would: one Definitions object."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "definitions", "validate", "-f", str(K8S / "definitions.py")],
        capture_output=True,
        text=True,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_k8s_job_runs_every_asset_per_subdistrict_on_the_kubernetes_executor(city):
    job = city.get_job("nightly_k8s")
    assert job.executor_def.name == "k8s"
    assert set(job.asset_layer.selected_asset_keys) == set(city.asset_graph.get_all_asset_keys())
    assert job.partitions_def is not None, "the assets are partitioned by subdistrict"
    assert set(job.partitions_def.get_partition_keys()) == set(load_subdistricts())
    assert city.has_sensor_def("landing_grid_patrols") and city.has_schedule_def("nightly")  # still there


def test_dagster_accepts_the_executor_config_one_step_at_a_time(city):
    job = city.get_job("nightly_k8s")
    resolved = validate_run_config(job, {})["execution"]["k8s"]  # what every run of the job gets
    assert resolved["max_concurrent"] == 1  # a subdistrict's DuckDB file has one writer
    assert resolved["step_k8s_config"]["container_config"]["resources"]["limits"]["memory"] == "4Gi"
    steps = {node.name for node in job.graph.node_defs}
    assert resolved["per_step_k8s_config"] and set(resolved["per_step_k8s_config"]) <= steps, (
        "per-step settings name steps of the job"
    )


def test_the_city_schedule_asks_for_one_run_per_subdistrict(city):
    schedule = city.get_schedule_def("nightly_city")
    assert schedule.job_name == "nightly_k8s"
    with instance_for_test() as instance:
        night = dt.datetime(2026, 3, 5, 2, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        requests = schedule.evaluate_tick(
            build_schedule_context(instance, scheduled_execution_time=night, repository_def=city)
        ).run_requests
    assert sorted(r.partition_key for r in requests) == sorted(load_subdistricts())


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c.update(max_concurent=1),  # misspelt
        lambda c: c.update(max_concurrent="one"),
        lambda c: c["step_k8s_config"].update(container=[]),
        lambda c: c["per_step_k8s_config"].update(core__people=[]),
    ],
)
def test_a_broken_executor_config_is_refused(module, breakage):
    broken = yaml.safe_load((K8S / "executor.yaml").read_text(encoding="utf-8"))
    breakage(broken)
    repository = Definitions.merge(
        module.district.defs, Definitions(jobs=[module.nightly_job(broken)])
    ).get_repository_def()
    with pytest.raises(DagsterInvalidConfigError):
        validate_run_config(repository.get_job("nightly_k8s"), {})


def test_the_instance_launches_each_run_in_its_own_pod(monkeypatch):
    config, custom_class = dagster_instance_config(str(K8S))  # the instance schema: raises on a broken file
    assert custom_class is None
    launcher = config["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    monkeypatch.setenv("HOUSEKEY_IMAGE", "registry.local/housekey:0.1.0")
    checked = process_config(K8sRunLauncher.config_type(), launcher["config"])
    assert checked.success, checked.errors
    assert {"name": "city", "mount_path": "/city"} in checked.value["volume_mounts"]
    assert process_config(QueuedRunCoordinator.config_type(), config["run_coordinator"]["config"]).success
    per_subdistrict = {"value": {"applyLimitPerUniqueValue": True}, "limit": 1}
    assert config["concurrency"]["runs"]["tag_concurrency_limits"] == [
        {"key": "dagster/partition", **per_subdistrict},  # any run of a partition, one launched by hand included
        {"key": "housekey/subdistrict", **per_subdistrict},  # sensors' and schedules' runs, run summaries included
    ]

    broken = {**launcher["config"], "volume_mount": []}
    assert not process_config(K8sRunLauncher.config_type(), broken).success


def test_the_city_parquet_asset_exports_its_subdistricts_analyst_copy(module, warehouse_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(warehouse_copy))
    monkeypatch.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
    monkeypatch.delenv(CITY_PARQUET_ENV, raising=False)
    (code,) = load_subdistricts()

    def export():
        return materialize(
            [module.city_parquet],
            partition_key=code,
            resources=warehouse_resources(),
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
        )

    failed = export()
    assert not failed.success and CITY_PARQUET_ENV in str(failed.get_step_failure_events()[0].step_failure_data.error)
    monkeypatch.setenv(CITY_PARQUET_ENV, str(tmp_path / "parquet"))
    assert export().success
    with duckdb.connect() as city:
        city_views(city, tmp_path / "parquet")
        assert city.execute("SELECT DISTINCT _subdistrict FROM marts.house_profiles").fetchall() == [(code,)]
