"""How the district's exports split across its subdistricts.

A file in the district landing zone (``district: {landing: …}`` in ``$HOUSEKEY_SUBDISTRICTS``) is landed by
every subdistrict, and address matching places each row in the subdistrict whose register holds it; the
others call it ``out_of_area``. After the runs, this reads every subdistrict's ``core.address_matches``
(read-only) and counts each district row once: placed in a subdistrict, out of area of every configured
subdistrict (outside the district's configured part: counted, never lost), or placed nowhere yet (review).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors.landing import content_hash, delivery_paths
from connectors.spec import load_registry
from warehouse import catalogue
from warehouse.raw import file_delivery_id
from warehouse.subdistricts import Subdistrict

PLACED = "house_id IS NOT NULL OR match_level IN ('room', 'door', 'building')"


@dataclass
class DistrictRouting:
    rows: int = 0
    """Rows of the district's deliveries that some subdistrict staged."""
    placed: Counter = field(default_factory=Counter)
    """Rows placed (a house, door or building of its register) per subdistrict code."""
    out_of_area: int = 0
    """Rows out of area of every subdistrict that landed them."""
    unplaced: int = 0
    """Rows no subdistrict placed but not every one called out of area (a road only, review, no address)."""
    placed_twice: int = 0
    """Rows two subdistricts placed (a road both registers hold, a door in both ranges): for review."""

    def __str__(self) -> str:
        placed = ", ".join(f"{code} {count:,}" for code, count in sorted(self.placed.items()))
        return (
            f"district deliveries: {self.rows:,} rows; placed in {placed or 'no subdistrict'}; "
            f"out of area of every subdistrict {self.out_of_area:,}; placed nowhere yet {self.unplaced:,}"
            + (f"; placed in two subdistricts {self.placed_twice:,}" if self.placed_twice else "")
        )


def district_deliveries(district_landing: Path) -> list[str]:
    """The delivery ids of the files now in the district landing zone (a delivery's id is its source and content)."""
    return [
        file_delivery_id(spec.name, content_hash(path))
        for spec in load_registry().values()
        if not spec.is_database
        for path in delivery_paths(spec, district_landing)
    ]


def district_routing(subdistricts: list[Subdistrict]) -> DistrictRouting | None:
    """Where the rows of the district landing zone's files went, over every subdistrict's warehouse; None
    without a district landing zone."""
    landing = next((s.district_landing for s in subdistricts if s.district_landing), None)
    if landing is None:
        return None
    deliveries = district_deliveries(landing)
    placed: dict[str, list[str]] = {}  # record_id -> the subdistricts that placed it
    outside: Counter = Counter()  # record_id -> how many subdistricts called it out of area
    landed: Counter = Counter()  # record_id -> how many subdistricts landed it
    for place in subdistricts:
        if not place.warehouse.exists():
            continue
        with duckdb.connect(str(place.warehouse), read_only=True) as con:
            if not catalogue.table_exists(con, "core", "address_matches"):
                continue
            rows = con.execute(
                f"""SELECT record_id, {PLACED}, match_level = 'out_of_area'
                    FROM core.address_matches WHERE list_contains($deliveries, _delivery_id)""",
                {"deliveries": deliveries},
            ).fetchall()
        for record_id, is_placed, is_outside in rows:
            landed[record_id] += 1
            outside[record_id] += is_outside
            if is_placed:
                placed.setdefault(record_id, []).append(place.code)
    routing = DistrictRouting(rows=len(landed))
    for record_id, times in landed.items():
        codes = placed.get(record_id, [])
        routing.placed.update(codes)
        routing.placed_twice += len(codes) > 1
        routing.out_of_area += outside[record_id] == times
        routing.unplaced += not codes and outside[record_id] < times
    return routing
