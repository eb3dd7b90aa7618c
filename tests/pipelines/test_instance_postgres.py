"""The Dagster instances: SQLite by default, and the production configuration in deploy/postgres/
loaded against the real PostgreSQL server, with a run written and read back."""

import shutil
import uuid
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, asset, materialize

REPO = Path(__file__).resolve().parents[2]
PG_ENV = {
    "HOUSEKEY_DAGSTER_PG_HOST": "127.0.0.1",
    "HOUSEKEY_DAGSTER_PG_PORT": "5432",
    "HOUSEKEY_DAGSTER_PG_DB": "test",
    "HOUSEKEY_DAGSTER_PG_USER": "postgres",
    "HOUSEKEY_DAGSTER_PG_PASSWORD": "",
}


def instance_at(home: Path, config: Path) -> DagsterInstance:
    """The instance an operator gets by copying ``config`` to ``$DAGSTER_HOME/dagster.yaml``."""
    home.mkdir(exist_ok=True)
    shutil.copyfile(config, home / "dagster.yaml")
    return DagsterInstance.from_config(str(home))


def test_the_default_instance_keeps_everything_in_sqlite(tmp_path):
    with instance_at(tmp_path / "home", REPO / "dagster.yaml") as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        # two subdistricts write their own files side by side; one run per subdistrict (decision 4)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 2
        assert {
            "key": "dagster/partition",
            "value": {"applyLimitPerUniqueValue": True},
            "limit": 1,
        } in instance.get_concurrency_config().run_queue_config.tag_concurrency_limits


@pytest.fixture
def production(tmp_path, monkeypatch):
    for name, value in PG_ENV.items():
        monkeypatch.setenv(name, value)
    return lambda: instance_at(tmp_path / "home", REPO / "deploy" / "postgres" / "dagster.yaml")


@pytest.mark.system
def test_the_production_instance_queues_runs_within_limits(production):
    from dagster._core.run_coordinator import QueuedRunCoordinator

    with production() as instance:
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        concurrency = instance.get_concurrency_config()
        queue = concurrency.run_queue_config
        assert queue.max_concurrent_runs == 4
        # one run per subdistrict: its DuckDB file has one writer (decision 4)
        assert {
            "key": "dagster/partition",
            "value": {"applyLimitPerUniqueValue": True},
            "limit": 1,
        } in queue.tag_concurrency_limits
        assert concurrency.pool_config.default_pool_limit == 4  # warehouse writers at once, one per subdistrict
        assert instance.get_settings("telemetry") == {"enabled": False}
        assert instance.get_settings("retention")["sensor"]["purge_after_days"]["skipped"] == 7


@pytest.mark.system
def test_the_production_instance_keeps_runs_events_and_schedules_in_postgres(production):
    marker = uuid.uuid4().hex

    @asset
    def heartbeat() -> int:
        return 1

    with production() as instance:
        assert {
            type(storage).__name__
            for storage in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
        } == {"PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"}
        run_id = materialize([heartbeat], instance=instance, tags={"housekey/test": marker}).run_id
    try:
        with production() as again:  # a second process (webserver, daemon) sees the same history
            run = again.get_run_by_id(run_id)
            assert run.status == DagsterRunStatus.SUCCESS and run.tags["housekey/test"] == marker
            events = {entry.dagster_event.event_type for entry in again.all_logs(run_id) if entry.dagster_event}
            assert DagsterEventType.ASSET_MATERIALIZATION in events
            assert again.get_latest_materialization_event(heartbeat.key).run_id == run_id
            assert again.all_instigator_state() is not None  # schedule storage answers
    finally:
        with production() as cleanup:
            cleanup.delete_run(run_id)
