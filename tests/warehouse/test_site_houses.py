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


def test_a_house_whose_rows_changed_gets_a_new_page_and_the_others_keep_theirs(warehouse_copy, tmp_path):
    """A delivery writes the pages of the houses it touched (issue 18): the others are the previous pages' files,
    and the pages equal those a whole build writes; another day writes every page again."""
    import datetime as dt

    import duckdb

    day = run_day()
    first, second, whole, next_day = (tmp_path / name for name in ("first", "second", "whole", "next_day"))
    houses.write_house_pages(warehouse_copy, first, day, writers=1)
    with duckdb.connect(str(warehouse_copy)) as con:
        house, event = con.execute(
            "SELECT house_id, event_id FROM marts.events WHERE house_id IS NOT NULL AND occurred_at < ? "
            "ORDER BY event_id LIMIT 1",
            [day],
        ).fetchone()
        con.execute("UPDATE marts.events SET status = '已改 changed by the test' WHERE event_id = ?", [event])

    count = houses.write_house_pages(warehouse_copy, second, day, writers=1, previous=first)
    assert houses.write_house_pages(warehouse_copy, whole, day, writers=1) == count
    pages = sorted(p.name for p in whole.iterdir())
    assert sorted(p.name for p in second.iterdir()) == pages and len(pages) == count + 1
    assert all((second / name).read_bytes() == (whole / name).read_bytes() for name in pages)
    assert "已改 changed by the test" in (second / f"{house}.html").read_text(encoding="utf-8")
    rewritten = {name for name in pages if not (second / name).samefile(first / name)}
    assert rewritten == {f"{house}.html", "index.html"}

    houses.write_house_pages(warehouse_copy, next_day, day + dt.timedelta(days=1), writers=1, previous=second)
    assert not any((next_day / name).samefile(second / name) for name in pages)
