"""The report site: static HTML next to the warehouse, written by every run, read offline in any browser.

``site/`` holds the subdistrict overview (index.html), the three lists, the complaint Pareto per committee and
grid, source freshness, the quality report and one page per house; charts are Vega-Lite (altair) drawn by the
Vega bundle in ``site/vega/``, so nothing reaches the network. The site holds names (masked, docs/privacy.md)
and addresses: it is owner-only as the warehouse is.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

SITE_FOLDER = "site"


@dataclass(frozen=True)
class Site:
    path: Path
    """The site's folder; open ``index.html``."""
    pages: int
    houses: int
    bytes: int


def site_path(warehouse: Path) -> Path:
    """Where a run writes the site: ``site/`` next to the warehouse file."""
    return warehouse.with_name(SITE_FOLDER)


def build_site(warehouse: Path, folder: Path, on: dt.date, other_pages: Mapping[str, str] | None = None) -> Site:
    """Write the whole site of the ``warehouse`` file into ``folder`` as of ``on``, with ``other_pages`` (name ->
    HTML: the quality report, which quality/report.py renders), replacing the site there only once it is complete.
    The site is read in more than one process (warehouse/site/houses.py): no connection may hold the file open for
    writing meanwhile, in this process or another."""
    from warehouse.site.houses import write_house_pages

    building = folder.with_name(folder.name + ".new")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(mode=0o700, parents=True)
    with ThreadPoolExecutor(1) as beside:  # while this thread only waits for the house pages' processes
        written = beside.submit(_write_pages, warehouse, building, folder, other_pages or {})
        houses = write_house_pages(warehouse, building / "houses", on, previous=folder / "houses")
        written.result()
    for path in building.rglob("*"):  # owner-only whatever the umask: names and addresses
        path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    files = [f for f in folder.rglob("*") if f.is_file()]
    return Site(folder, sum(1 for f in files if f.suffix == ".html"), houses, sum(f.stat().st_size for f in files))


def _write_pages(warehouse: Path, building: Path, previous: Path, other_pages: Mapping[str, str]) -> None:
    """Every page but the houses', and the Vega bundle (taken from the ``previous`` site when it is current)."""
    # imported here: the house pages' writer processes import this package, and need none of altair and pandas
    from warehouse.site.charts import write_vega_bundle
    from warehouse.site.subdistrict import freshness_page, lists_page, overview, pareto_page

    write_vega_bundle(building, previous=previous)
    pages = {
        "index.html": overview,
        "lists.html": lists_page,
        "pareto.html": pareto_page,
        "freshness.html": freshness_page,
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, render in pages.items():
            (building / name).write_text(render(con), encoding="utf-8")
    for name, html in other_pages.items():
        (building / name).write_text(html, encoding="utf-8")
