"""Retries for transient faults: a required source database that is briefly down is tried again after
15, 30 and 60 s, then the source fails for this run (its cursor unmoved, so the next run catches up).

The retries happen inside the raw step, with the warehouse closed while waiting, so the delays are
exactly these and every other source's steps still run. At the command line (``housekey run``,
whose run config disables retries) a database that is down fails at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from warehouse.pull import not_read
from warehouse.raw import SourceLanding

RETRY_DELAYS_S = (15, 30, 60)
"""Seconds to wait before each further attempt at a database that was not reached."""


def retries_enabled(run_config: Mapping[str, Any]) -> bool:
    """Whether the run's executor retries failed steps (Dagster's default: yes)."""
    retries = run_config.get("execution", {}).get("config", {}).get("retries", {"enabled": {}})
    return "disabled" not in retries


def retry_delays(run_config: Mapping[str, Any]) -> tuple[int, ...]:
    """The delays a run's database steps wait between attempts: none when the run disables retries."""
    return RETRY_DELAYS_S if retries_enabled(run_config) else ()


def land_with_retries(
    land: Callable[[], SourceLanding],
    delays: Sequence[float] = RETRY_DELAYS_S,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = lambda _: None,
) -> SourceLanding:
    """``land()``, tried again after each of ``delays`` while its source failed unread; the last landing."""
    landing = land()
    for attempt, delay in enumerate(delays, start=2):
        failed = not_read(landing)
        if failed is None or failed[0] != "failed":
            break
        log(f"{failed[1]}; attempt {attempt} of {len(delays) + 1} in {delay:g} s")
        sleep(delay)
        landing = land()
    return landing
