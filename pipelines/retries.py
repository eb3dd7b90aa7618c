"""Retries for transient faults: a source database that is briefly down is tried again, with backoff.

A database raw asset that finds its server unreachable fails the step while retries remain, so
Dagster tries again after 15, 30 and 60 s (with jitter); on the last attempt, or in a run whose
retries are disabled (``housekey run`` at the command line), it goes on without the source and
says so, so one server that stays down never holds back the district's other sources.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import Backoff, Failure, Jitter, RetryPolicy

from warehouse.intake import SourceLanding

DATABASE_RETRY = RetryPolicy(max_retries=3, delay=15, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
"""The retry policy of every database source's raw asset."""

# pull_database's note (warehouse.pull) when the server cannot be reached (connectors.readers.sql.SourceUnavailable)
_UNREACHABLE = "skipped:"


def retries_enabled(run_config: Mapping[str, Any]) -> bool:
    """Whether the run's executor retries failed steps (Dagster's default: yes)."""
    retries = run_config.get("execution", {}).get("config", {}).get("retries", {"enabled": {}})
    return "disabled" not in retries


def retry_if_unreachable(landing: SourceLanding, retry_number: int, run_config: Mapping[str, Any]) -> None:
    """Raise a Failure naming the source when its database was unreachable and a retry remains."""
    unreachable = not landing.deliveries and (landing.note or "").startswith(_UNREACHABLE)
    if unreachable and retries_enabled(run_config) and retry_number < DATABASE_RETRY.max_retries:
        raise Failure(
            description=f"source {landing.source}, step raw: {landing.note.removeprefix(_UNREACHABLE).strip()}"
                        f" (attempt {retry_number + 1} of {DATABASE_RETRY.max_retries + 1})",
            metadata={"source": landing.source, "step": "raw"},
            allow_retries=True,
        )
