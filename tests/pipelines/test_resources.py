"""A run holds its warehouse open: every step's connection joins the one open database (its catalogue is not read
again, nothing is checkpointed per step), and the run lets it go when it ends, failed or not, so that the file is
free for readers."""

import duckdb
import pytest
from dagster import DagsterInstance, asset, materialize

from pipelines.resources import SubdistrictWarehouse
from warehouse.database import connect
from warehouse.versions import latest_version


@pytest.mark.parametrize("fails", [False, True], ids=["succeeded", "failed"])
def test_the_steps_of_a_run_share_the_open_warehouse_and_the_run_releases_it(tmp_path, fails):
    path = tmp_path / "housekey.duckdb"

    @asset
    def first(warehouse: SubdistrictWarehouse) -> None:
        with warehouse.get_connection() as con:
            con.execute("CREATE TABLE meta.probe AS SELECT 'first' AS step")

    @asset(deps=[first])
    def second(warehouse: SubdistrictWarehouse) -> None:
        # between steps the database stayed open for writing: a reader with other settings is refused in-process
        with pytest.raises(duckdb.ConnectionException, match="different configuration"):
            duckdb.connect(str(path), read_only=True)
        with warehouse.get_connection() as con:
            assert con.execute("SELECT step FROM meta.probe").fetchall() == [("first",)]
        if fails:
            raise RuntimeError("a step that fails")

    result = materialize(
        [first, second],
        resources={"warehouse": SubdistrictWarehouse(database=str(path))},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success is not fails
    assert not [e for e in result.all_events if e.is_step_failure and e.step_key == "first"]
    with duckdb.connect(str(path), read_only=True) as con:  # let go when the run ended
        assert con.execute("SELECT step FROM meta.probe").fetchall() == [("first",)]


def test_a_connection_outside_a_run_holds_nothing(tmp_path):
    path = tmp_path / "housekey.duckdb"
    with SubdistrictWarehouse(database=str(path)).get_connection() as con:
        con.execute("CREATE TABLE meta.probe AS SELECT 'alone' AS step")
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT step FROM meta.probe").fetchall() == [("alone",)]


def test_a_run_checks_the_warehouses_version_once_and_every_step_is_refused_an_out_of_date_one(tmp_path):
    path = tmp_path / "housekey.duckdb"
    with connect(path) as con:  # a warehouse a release after this one made
        con.execute(
            "INSERT INTO meta.schema_migrations VALUES (?, 'later', TIMESTAMP '2027-06-01')", [latest_version() + 1]
        )
    opened = []

    @asset
    def first(warehouse: SubdistrictWarehouse) -> None:
        with warehouse.get_connection():
            opened.append("first")

    @asset
    def second(warehouse: SubdistrictWarehouse) -> None:  # independent of first: it runs though first failed
        with warehouse.get_connection():
            opened.append("second")

    result = materialize(
        [first, second],
        resources={"warehouse": SubdistrictWarehouse(database=str(path))},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    failures = [e for e in result.all_events if e.is_step_failure]
    assert opened == [] and sorted(e.step_key for e in failures) == ["first", "second"]
    assert all("newer than this housekey" in str(e.event_specific_data.error) for e in failures), failures
