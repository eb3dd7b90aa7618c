"""The warehouse resource every asset writes through, and the pool that caps how many steps write at once.

A partition's steps read its landing zone and write its own DuckDB file, one step at a time
(docs/decisions/0004). The ``warehouse`` pool caps how many steps write a warehouse at once across
runs, so how many subdistricts run side by side.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import AssetKey, InitResourceContext, asset
from dagster_duckdb import DuckDBResource

from warehouse.database import create_bookkeeping, keep_private, warehouse_path
from warehouse.subdistricts import subdistrict

WAREHOUSE_POOL = "warehouse"
# The warehouse each run in this process holds open from its first connection on (None until then), by file: a
# step's connection joins the open database instead of loading its catalogue again and checkpointing when it closes
# (some 35 ms a connection, a few hundred connections a run)
_held: dict[str, duckdb.DuckDBPyConnection | None] = {}


def warehouse_asset(
    key: AssetKey, deps: Sequence[AssetKey], description: str, group: str | None = None, priority: int = 0
):
    """The decorator of an asset that a stage builds inside the warehouse: a DuckDB step in the warehouse pool,
    in the group of its layer (the key's first part) unless ``group`` says otherwise. Of the steps ready at
    once, a run takes the one of highest ``priority`` first (its steps go one at a time)."""
    return asset(
        key=key,
        deps=deps,
        group_name=group or key.path[0],
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description=description,
        op_tags={"dagster/priority": str(priority)} if priority else None,
    )


class SubdistrictWarehouse(DuckDBResource):
    """The warehouse a step writes: in a run of a subdistrict partition that subdistrict's file and landing
    zone (looked up in ``load_subdistricts()`` from the run's ``dagster/partition`` tag), else ``database``."""

    landing: str = ""
    """The landing root; empty for ``$HOUSEKEY_LANDING``."""
    district_sources: list[str] | None = None
    """Database sources the district pulls and routes: this subdistrict lands its routed slices of them."""
    subdistrict: str = ""
    sources: list[str] | None = None
    """The sources delivered in this subdistrict; None for all."""

    def delivers(self, source: str) -> bool:
        return self.sources is None or source in self.sources

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator["SubdistrictWarehouse"]:
        chosen = self.create_resource(context)
        _held.setdefault(chosen.database, None)
        try:
            yield chosen
        finally:
            chosen.release()  # the run's end, failed or not

    def release(self) -> None:
        """Close the warehouse the run holds open: before processes of their own read the file, and when the run
        ends."""
        if (held := _held.pop(self.database, None)) is not None:
            held.close()

    def _config(self) -> dict:
        return {"custom_user_agent": "dagster", **self.connection_config}  # as DuckDBResource connects

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # DuckDBResource leaves the connection open when the step fails, and a later connect() in this
        # process (the run's summary) is then refused for a different configuration
        keep_private(Path(self.database))  # owner-only files (WAL too) whichever step opens the warehouse first
        if self.database in _held and _held[self.database] is None:  # in a run: held until it ends
            opened = duckdb.connect(self.database, config=self._config())
            try:  # checked once a run, when opened: its version cannot change while the run holds it
                create_bookkeeping(opened)
            except BaseException:
                opened.close()
                raise
            _held[self.database] = opened
        with super().get_connection() as connection:
            try:
                if self.database not in _held:  # outside a run, every connection is checked
                    create_bookkeeping(connection)  # a new warehouse made at the latest version, an older one refused
                yield connection
            finally:
                connection.close()

    def create_resource(self, context: InitResourceContext) -> "SubdistrictWarehouse":
        code = context.run.tags.get("dagster/partition") if context.run else None
        if not code:
            return self
        chosen = subdistrict(code)
        return SubdistrictWarehouse(
            database=str(chosen.warehouse),
            landing=str(chosen.landing),
            district_sources=sorted(chosen.district_sources),
            subdistrict=code,
            sources=None if chosen.sources is None else sorted(chosen.sources),
            connection_config=self.connection_config,
        )


def warehouse_resources() -> dict[str, DuckDBResource]:
    """The resources the assets need: the warehouse of the run's subdistrict partition, or for an unpartitioned
    run the file ``$HOUSEKEY_WAREHOUSE`` (read now)."""
    return {"warehouse": SubdistrictWarehouse(database=str(warehouse_path()))}
