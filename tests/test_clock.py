"""One clock: nothing but schemas/clock.py reads the wall clock for a date a result depends on."""

import re
from pathlib import Path

import pytest

from schemas import clock

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["connectors", "schemas", "resolution", "quality", "warehouse", "pipelines"]
# Python and SQL ways of asking for today; bookkeeping timestamps (loaded_at DEFAULT current_timestamp) are allowed
WALL_CLOCK = re.compile(r"date\.today\(\)|datetime\.now\(|datetime\.today\(\)|\bcurrent_date\b|\bnow\(\)|\btoday\(\)")
# operational timing that no warehouse result depends on: retention of old runs, a sensor's settle time
ALLOWED = {"schemas/clock.py", "pipelines/schedules.py"}


def test_only_the_clock_reads_the_wall_clock():
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix not in {".py", ".yaml", ".sql"} or relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if WALL_CLOCK.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "read the day from schemas.clock.run_day():\n" + "\n".join(offenders)


def test_the_run_day_is_pinned_by_the_environment(monkeypatch):
    monkeypatch.setenv(clock.AS_OF_ENV, "2027-06-01")
    assert str(clock.run_day()) == "2027-06-01"
    assert str(clock.run_day_start()) == "2027-06-01 00:00:00"
    monkeypatch.setenv(clock.AS_OF_ENV, "2027-13-01")
    with pytest.raises(ValueError, match="HOUSEKEY_AS_OF"):
        clock.run_day()
    monkeypatch.delenv(clock.AS_OF_ENV)
    assert clock.run_day() == clock.wall_clock().date()
