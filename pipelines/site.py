"""The report site's asset, ``publish/site``: static HTML next to the warehouse (``site/``), with the quality report
inside it, written after the marts on every run (warehouse/site/)."""

from collections.abc import Mapping
from pathlib import Path

from dagster import AssetKey, AssetsDefinition, MaterializeResult, MetadataValue

from connectors.spec import SourceSpec
from pipelines.resources import SubdistrictWarehouse, warehouse_asset
from schemas.clock import run_day

SITE = AssetKey(["publish", "site"])


def site_assets(marts: list[AssetsDefinition], registry: Mapping[str, SourceSpec]) -> list[AssetsDefinition]:
    """``publish/site`` after every mart it draws (none without the marts: no house register, no site)."""
    if not marts:
        return []

    @warehouse_asset(
        SITE,
        [key for a in marts for key in a.keys],
        "The report site (site/index.html next to the warehouse): the subdistrict overview, the three lists, "
        "hotspots and Heinrich's pyramid, the complaint Pareto per committee and grid, source freshness, the "
        "quality report and one page per house; works offline, owner-only.",
        priority=-1,  # after the analyst copy when both are ready: a delivery reaches analysts first
    )
    def site(warehouse: SubdistrictWarehouse) -> MaterializeResult:
        from quality.report import REPORT_FILE, render
        from warehouse.site import build_site, site_path

        with warehouse.get_connection() as con:
            quality = render(con, registry)
        # closed first, the run's hold too: the site's pages are read by processes of their own, which a writing
        # connection locks out
        warehouse.release()
        database = Path(warehouse.database)
        built = build_site(database, site_path(database), run_day(), {REPORT_FILE: quality})
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(built.path / "index.html")),
                "pages": built.pages,
                "houses": built.houses,
                "bytes": built.bytes,
            }
        )

    return [site]
