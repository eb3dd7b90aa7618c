"""How fresh a source is: the run day minus the latest day its accepted deliveries describe (business time,
warehouse/business_time.py), against the freshness its spec promises (``freshness_days``).

marts.source_freshness and the quality report both take it from here, for the same run day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import duckdb

from schemas.clock import run_day
from warehouse.business_time import last_observed


@dataclass(frozen=True)
class Freshness:
    last_observed_on: date | None
    """The latest day the source's accepted deliveries describe (None: none yet)."""
    freshness_days: int
    as_of: date

    @property
    def age_days(self) -> int | None:
        return None if self.last_observed_on is None else (self.as_of - self.last_observed_on).days

    @property
    def late_by(self) -> int | None:
        """Days past the promised schedule (None: on time, or never delivered)."""
        if self.age_days is None or self.age_days <= self.freshness_days:
            return None
        return self.age_days - self.freshness_days

    @property
    def is_stale(self) -> bool:
        """No accepted delivery describes a day within ``freshness_days`` of the run day."""
        return self.last_observed_on is None or self.late_by is not None


def source_freshness(
    con: duckdb.DuckDBPyConnection, registry: Mapping, as_of: date | None = None
) -> dict[str, Freshness]:
    """Each registered source's freshness on ``as_of`` (default the run day)."""
    as_of = as_of or run_day()
    observed = last_observed(con, as_of)
    return {name: Freshness(observed.get(name), spec.freshness_days, as_of) for name, spec in registry.items()}
