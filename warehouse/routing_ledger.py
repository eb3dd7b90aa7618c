"""The district's routing ledger, ``routing.duckdb`` beside its landing zone: every delivered row with where it
went and why (``row_routes``), each delivery's counts (``deliveries``: delivered = routed + out of area +
quarantined), the routed files (``routed_files``) and the database cursors (``cursors``); ``routing.json`` beside
it reports the last routing (warehouse/routing.py writes all of them)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.database import transaction
from warehouse.subdistricts import Subdistrict

ROUTED, OUT_OF_AREA, QUARANTINE = "routed", "out_of_area", "quarantine"

LEDGER_SQL = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_hash VARCHAR,
    rows_delivered BIGINT, rows_routed BIGINT, rows_out_of_area BIGINT, rows_quarantined BIGINT,
    status VARCHAR NOT NULL,  -- routed, or failed (the file could not be read: offered again)
    note VARCHAR
);
CREATE TABLE IF NOT EXISTS row_routes (
    delivery_id VARCHAR NOT NULL, source VARCHAR NOT NULL, file_name VARCHAR NOT NULL, sheet VARCHAR,
    row_number BIGINT NOT NULL,
    destination VARCHAR NOT NULL,  -- routed, out_of_area or quarantine
    subdistrict VARCHAR,           -- the subdistrict a routed row went to
    routed_row BIGINT,             -- its row number in the routed file (the same but in a database pull's slice)
    reason VARCHAR, address VARCHAR, area_district VARCHAR, area_town VARCHAR,
    row_values VARCHAR             -- the row as delivered (JSON), kept for rows that reach no subdistrict
);
CREATE TABLE IF NOT EXISTS routed_files (
    delivery_id VARCHAR NOT NULL, subdistrict VARCHAR NOT NULL, path VARCHAR NOT NULL, rows BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (source VARCHAR PRIMARY KEY, cursor_value VARCHAR);
"""


@dataclass
class DeliveryRouting:
    """Where one district delivery's rows went."""

    source: str
    delivery_id: str
    file_name: str
    delivered: int = 0
    routed: Counter = field(default_factory=Counter)
    """Rows per subdistrict code."""
    out_of_area: int = 0
    quarantined: int = 0
    status: str = ROUTED
    note: str | None = None

    @property
    def balanced(self) -> bool:
        return self.delivered == sum(self.routed.values()) + self.out_of_area + self.quarantined

    def __str__(self) -> str:
        if self.status != ROUTED:
            return f"{self.source} {self.file_name}: {self.status}: {self.note}"
        routed = ", ".join(f"{code} {n:,}" for code, n in sorted(self.routed.items())) or "none"
        return (
            f"{self.source} {self.file_name}: {self.delivered:,} rows = routed {sum(self.routed.values()):,} "
            f"({routed}) + out of area {self.out_of_area:,} + quarantined {self.quarantined:,}"
        )


@dataclass
class DistrictRouting:
    """What one routing did, or the ledger's totals over every delivery routed so far."""

    deliveries: list[DeliveryRouting] = field(default_factory=list)
    waiting: str | None = None
    """Why nothing was routed (a subdistrict without a house register yet)."""

    @property
    def rows(self) -> int:
        return sum(d.delivered for d in self.deliveries)

    def __str__(self) -> str:
        if self.waiting:
            return f"district deliveries: waiting: {self.waiting}"
        routed = Counter()
        for delivery in self.deliveries:
            routed.update(delivery.routed)
        places = ", ".join(f"{code} {n:,}" for code, n in sorted(routed.items())) or "no subdistrict"
        return (
            f"district deliveries: {len(self.deliveries):,} deliveries, {self.rows:,} rows; routed to {places}; "
            f"out of area {sum(d.out_of_area for d in self.deliveries):,}; "
            f"quarantined {sum(d.quarantined for d in self.deliveries):,}"
        )


def district_landing(subdistricts: Iterable[Subdistrict]) -> Path | None:
    return next((s.district_landing for s in subdistricts if s.district_landing), None)


def ledger_path(landing: Path) -> Path:
    """The district's routing ledger: ``routing.duckdb`` beside its landing zone."""
    return landing.parent / "routing.duckdb"


def district_routing(subdistricts: Iterable[Subdistrict]) -> DistrictRouting | None:
    """The ledger's totals over every district delivery routed so far; None without a district or a ledger."""
    landing = district_landing(subdistricts)
    if landing is None or not ledger_path(landing).exists():
        return None
    with duckdb.connect(str(ledger_path(landing)), read_only=True) as ledger:
        return DistrictRouting(_recorded(ledger))


def _recorded(ledger: duckdb.DuckDBPyConnection) -> list[DeliveryRouting]:
    deliveries = {
        row[0]: DeliveryRouting(row[1], row[0], row[2], row[3], Counter(), row[4], row[5])
        for row in ledger.execute(
            "SELECT delivery_id, source, file_name, rows_delivered, rows_out_of_area, rows_quarantined"
            " FROM deliveries WHERE status = 'routed' ORDER BY source, file_name"
        ).fetchall()
    }
    for delivery_id, code, rows in ledger.execute(
        "SELECT delivery_id, subdistrict, count(*) FROM row_routes WHERE destination = 'routed' GROUP BY ALL"
    ).fetchall():
        if delivery_id in deliveries:
            deliveries[delivery_id].routed[code] = rows
    return list(deliveries.values())


def record_delivery(ledger, routing: DeliveryRouting, file_hash, rows: list[dict], written, cursor=None) -> None:
    """Count the delivery's rows and keep them, its routed files and the new cursor, in one transaction."""
    kinds = Counter(row["destination"] for row in rows)
    routing.delivered = len(rows)
    routing.routed = Counter(row["subdistrict"] for row in rows if row["destination"] == ROUTED)
    routing.out_of_area, routing.quarantined = kinds[OUT_OF_AREA], kinds[QUARANTINE]
    with transaction(ledger):
        ledger.execute(
            "INSERT OR REPLACE INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                routing.delivery_id,
                routing.source,
                routing.file_name,
                file_hash,
                routing.delivered,
                sum(routing.routed.values()),
                routing.out_of_area,
                routing.quarantined,
                routing.status,
                routing.note,
            ],
        )
        if rows:
            table = pa.Table.from_pylist(rows).append_column(
                "delivery_id", pa.array([routing.delivery_id] * len(rows), pa.string())
            )
            ledger.register("_routes", table)
            ledger.execute(
                "INSERT INTO row_routes BY NAME SELECT *, ? AS source, ? AS file_name FROM _routes",
                [routing.source, routing.file_name],
            )
            ledger.unregister("_routes")
        if written:
            ledger.executemany(
                "INSERT INTO routed_files VALUES (?, ?, ?, ?)", [[routing.delivery_id, *w] for w in written]
            )
        if cursor is not None:
            ledger.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", list(cursor))


def write_report(landing: Path, report: DistrictRouting) -> None:
    document = {
        "deliveries": [
            {
                "source": d.source,
                "delivery_id": d.delivery_id,
                "file_name": d.file_name,
                "status": d.status,
                "note": d.note,
                "delivered": d.delivered,
                "routed": dict(sorted(d.routed.items())),
                "out_of_area": d.out_of_area,
                "quarantined": d.quarantined,
            }
            for d in report.deliveries
        ]
    }
    path = ledger_path(landing).with_name("routing.json")
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
