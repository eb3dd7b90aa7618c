"""The house pages written by processes of their own read as those this process writes alone (warehouse/site/houses.py)."""

from pathlib import Path

from schemas.clock import run_day
from warehouse.site import houses


def test_pages_written_in_batches_by_two_processes_equal_those_written_by_one(full_warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(houses, "BATCH", 200)  # several batches from the sample's houses, so both processes write
    one, two = tmp_path / "one", tmp_path / "two"
    written = houses.write_house_pages(full_warehouse, one, run_day(), writers=1)
    assert houses.write_house_pages(full_warehouse, two, run_day(), writers=2) == written > 2 * houses.BATCH
    pages = sorted(p.name for p in one.iterdir())
    assert len(pages) == written + 1  # and the index
    assert sorted(p.name for p in two.iterdir()) == pages
    assert all((one / name).read_bytes() == (two / name).read_bytes() for name in pages)


def test_the_writer_processes_start_without_the_charts_libraries():
    """They import this package and the house file only: altair and pandas would cost each a second or more."""
    import subprocess
    import sys

    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, warehouse.site.houses; print('altair' in sys.modules or 'pandas' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert imported.stdout.strip() == "False"
