"""Routing district deliveries: a district or municipal export is read once and each of its rows goes to exactly
one place.

The district landing zone (``district: {landing: …}`` in ``$HOUSEKEY_SUBDISTRICTS``) holds the files that span
the district, and ``district: {sources: […]}`` names the database sources pulled once for the whole district.
The router reads each new file (or pull) once, matches every row's address against every configured
subdistrict's house register (``core.houses``, opened read-only: a subdistrict's warehouse is written only by
its own run) and sends the row to one of:

- ``routed``: the one subdistrict whose register places it (a room, door or building; else the one whose
  register holds its road). The subdistrict's slice is written into its landing zone under the file's name
  with every row where it was (warehouse/routed_files.py), so its own run lands, stages and matches it.
- ``out_of_area``: every subdistrict's matcher puts the address outside its area (another district, a road
  none of them holds): counted and kept in the district's ledger with the reason.
- ``quarantine``: a row the reader could not read, a row without an address, an address two subdistricts
  both place (or both hold the road of), or one no register places and not every one calls outside: kept in
  the ledger with the reason, for review.

Every row is counted in the district's ledger (warehouse/routing_ledger.py: delivered = routed + out of area +
quarantined per delivery); a delivery routed once is never routed again. Nothing is routed while a subdistrict has
no register yet or its run holds its warehouse: a row is out of area only when every register was asked.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import duckdb

from connectors.landing import survey
from connectors.readers import INVISIBLE, Delivered, ReadError, read_delivery
from connectors.spec import SourceSpec, load_registry
from resolution.address.batch import match_addresses
from resolution.address.free_text import opening_address
from resolution.address.match import HouseMatch
from resolution.address.register import Register
from warehouse import catalogue
from warehouse.database import keep_private
from warehouse.raw import file_delivery_id
from warehouse.routed_files import RowKey, is_routable, slice_path, write_file_slice, write_marker, write_pull_slice
from warehouse.routing_ledger import (
    LEDGER_SQL,
    OUT_OF_AREA,
    QUARANTINE,
    ROUTED,
    DeliveryRouting,
    DistrictRouting,
    district_landing,
    district_routing,
    ledger_path,
    record_delivery,
    write_report,
)
from warehouse.subdistricts import Subdistrict

__all__ = ["DeliveryRouting", "DistrictRouting", "district_routing", "ledger_path", "route_district"]
NO_ADDRESS = (QUARANTINE, None, "no address")
WHERE = ("address", "compound", "description")  # the columns that say where a row is
PLACED_LEVELS = ("room", "door", "building")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def route_district(
    subdistricts: Mapping[str, Subdistrict], registry: Mapping[str, SourceSpec] | None = None
) -> DistrictRouting | None:
    """Route every new delivery of the district landing zone and every district-wide database source (specs from
    ``registry``, default connectors/sources/); None when no district is configured."""
    landing = district_landing(subdistricts.values())
    if landing is None:
        return None
    registers, missing = {}, []
    for code, place in subdistricts.items():
        register = _register(place.warehouse)
        if isinstance(register, str):
            missing.append(f"{code} {register}")
        registers[code] = register
    if missing:  # a row is out of area only when every register has been asked
        return DistrictRouting(waiting="; ".join(missing))
    registry = load_registry() if registry is None else registry
    pulled = sorted(set().union(*(place.district_sources for place in subdistricts.values())))
    if unknown := [name for name in pulled if name not in registry or not registry[name].is_database]:
        raise ValueError(f"district sources {', '.join(unknown)}: not database sources of the registry")
    report = DistrictRouting()
    ledger_path(landing).parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(ledger_path(landing))) as ledger:
        keep_private(ledger_path(landing))  # it keeps the rows no subdistrict took, personal data among them
        ledger.execute(LEDGER_SQL)
        report.deliveries += _route_files(ledger, registry, landing, subdistricts, registers)
        for name in pulled:
            if (routed := _route_pull(ledger, registry[name], subdistricts, registers)) is not None:
                report.deliveries.append(routed)
    write_report(landing, report)
    return report


def _register(warehouse: Path) -> Register | str:
    """The subdistrict's house register, read-only; else why it cannot be read now."""
    if not warehouse.exists():
        return "has no warehouse yet: run the subdistrict first"
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            if not catalogue.table_exists(con, "core", "houses"):
                return "has no house register yet: run the subdistrict first"
            return Register.from_warehouse(con)
    except (duckdb.IOException, duckdb.ConnectionException) as error:  # its run holds the file: route after it
        return f"warehouse busy ({str(error).splitlines()[0]}): route again after its run"


def _route_files(ledger, registry, landing: Path, subdistricts, registers) -> list[DeliveryRouting]:
    """Route every new file of the district landing zone: all read first, so each register matches the distinct
    addresses of all of them in one go."""
    recorded = set(ledger.execute("SELECT file_name, file_hash FROM deliveries WHERE status = 'routed'").fetchall())
    routed = {row[0] for row in ledger.execute("SELECT delivery_id FROM deliveries WHERE status = 'routed'").fetchall()}
    results, read = [], []
    for spec in registry.values():
        for file in survey(spec, recorded, landing).pending if not spec.is_database else ():
            routing = DeliveryRouting(spec.name, file_delivery_id(spec.name, file.file_hash), file.file_name)
            if routing.delivery_id in routed:  # the same content again under another name: its rows went already
                continue
            try:
                if file.refused:
                    raise ReadError(file.refused)
                if not is_routable(spec):
                    raise ReadError(f"a {spec.format} document whose records explode cannot be split yet")
                delivered = read_delivery(file.path, spec)
            except ReadError as error:  # offered again next time, as a subdistrict's landing does
                routing.status, routing.note = "failed", str(error)
                record_delivery(ledger, routing, file.file_hash, [], [])
                results.append(routing)
                continue
            read.append((spec, file, routing, delivered, _located(spec, delivered)))
    matches = _matches([located for *_, located in read], registers)
    ours = {row[0] for row in ledger.execute("SELECT path FROM routed_files").fetchall()}
    for spec, file, routing, delivered, located in read:
        rows, written = _routes(located, delivered, matches), []
        slices = _slices(rows)
        targets = [slice_path(spec, file.path, subdistricts[code].landing / spec.name) for code in slices]
        if taken := [str(t) for t in targets if t.exists() and str(t) not in ours]:  # never overwrite a delivery
            routing.status = "failed"
            routing.note = f"{', '.join(taken)}: a file the district did not route has that name; rename one"
            record_delivery(ledger, routing, file.file_hash, [], [])
            results.append(routing)
            continue
        for code, keep in slices.items():
            target, numbers = write_file_slice(spec, file.path, delivered, keep, subdistricts[code].landing / spec.name)
            write_marker(spec, target)
            rows = _renumbered(rows, code, numbers)
            written.append((code, str(target), len(keep)))
        record_delivery(ledger, routing, file.file_hash, rows, written)
        results.append(routing)
    return results


def _route_pull(ledger, spec: SourceSpec, subdistricts, registers) -> DeliveryRouting | None:
    """Pull a district-wide database source once from the district's cursor and route its rows; None when the
    database has nothing new (or is switched off, or down and not required: the cursor stays)."""
    from connectors.readers.sql import SourceUnavailable, databases_mode, pull
    from warehouse.pull import pulled_rows_hash

    if databases_mode() == "off":
        return None
    cursor = ledger.execute("SELECT cursor_value FROM cursors WHERE source = ?", [spec.name]).fetchone()
    since = cursor[0] if cursor else None
    file_name = f"{spec.format}:{spec.sql.table}"
    try:
        delivered, new_cursor = pull(spec, since)
    except (SourceUnavailable, ReadError) as error:
        if isinstance(error, SourceUnavailable) and not error.required:
            return None
        return DeliveryRouting(
            spec.name, f"{spec.name}:{since or 'full'}:failed", file_name, status="failed", note=str(error)
        )
    rows_hash = pulled_rows_hash(delivered)
    delivery_id = f"{spec.name}:{since or 'full'}:{rows_hash[:12]}"
    known = ledger.execute("SELECT 1 FROM deliveries WHERE delivery_id = ? AND status = 'routed'", [delivery_id])
    if not delivered.row_count or known.fetchone():
        return None
    routing = DeliveryRouting(spec.name, delivery_id, file_name)
    located = _located(spec, delivered)
    rows = _routes(located, delivered, _matches([located], registers))
    written = []
    for code, keep in _slices(rows).items():
        target = subdistricts[code].landing / spec.name / f"{spec.name}_{rows_hash[:12]}.csv"
        rows = _renumbered(rows, code, write_pull_slice(delivered, keep, target))
        written.append((code, str(target), len(keep)))
    record_delivery(ledger, routing, rows_hash, rows, written, (spec.name, new_cursor))
    return routing


def _renumbered(rows: list[dict], code: str, numbers: Mapping[int, int]) -> list[dict]:
    """The rows with the numbers the subdistrict's slice gave its rows (a JSON document's, a pull's)."""
    if not numbers:
        return rows
    return [{**row, "routed_row": numbers[row["row_number"]]} if row["subdistrict"] == code else row for row in rows]


def _slices(rows: list[dict]) -> dict[str, set[RowKey]]:
    slices: dict[str, set[RowKey]] = {}
    for row in rows:
        if row["destination"] == ROUTED:
            slices.setdefault(row["subdistrict"], set()).add((row["sheet"], row["row_number"]))
    return slices


Located = list[tuple[str | None, int, str | None, str | None, dict]]
"""A delivery's readable rows: sheet, row number, address, the address its free text opens with, values."""


def _located(spec: SourceSpec, delivered: Delivered) -> Located:
    located, columns = [], _address_columns(spec)
    for part in delivered.parts:
        where = {to: next((i for i, h in enumerate(part.header) if columns.get(h) == to), None) for to in WHERE}
        for values, number in zip(part.rows, part.row_numbers, strict=True):
            located.append((part.sheet, number, *_address(values, where), dict(zip(part.header, values, strict=False))))
    return located


def _matches(deliveries: list[Located], registers: Mapping[str, Register]) -> dict[str, dict[str, HouseMatch]]:
    """Each register's match of every distinct address of the deliveries, by subdistrict code."""
    texts = sorted(
        {text for located in deliveries for _, _, address, opening, _ in located if (text := address or opening)}
    )
    return {
        code: dict(zip(texts, match_addresses(texts, register), strict=True)) for code, register in registers.items()
    }


def _routes(located: Located, delivered: Delivered, matches: Mapping[str, Mapping[str, HouseMatch]]) -> list[dict]:
    """Where each delivered row goes, as rows of ``row_routes`` (without the delivery's columns)."""
    rows = []
    for sheet, number, address, opening, values in located:
        text = address or opening
        route = _destination(text, {c: m[text] for c, m in matches.items()} if text else None)
        if not address and opening:  # only a place the free text names: a house there, or outside every register
            placed = route[0] == ROUTED and matches[route[1]][opening].match_level in PLACED_LEVELS
            if placed or route[0] == OUT_OF_AREA:
                route = (*route[:2], f"from the free text: {route[2]}", *route[3:])
            else:
                route = NO_ADDRESS
        rows.append(_row(sheet, number, text, values, *route))
    rows += [
        _row(r.sheet, r.row_number, None, r.raw, QUARANTINE, None, f"unreadable row: {r.reason}")
        for r in delivered.unreadable
    ]
    return rows


def _row(sheet, number, address, values, destination, code, reason, area=(None, None)) -> dict:
    kept = None if destination == ROUTED else json.dumps(values, ensure_ascii=False)
    return {
        "sheet": sheet,
        "row_number": number,
        "destination": destination,
        "subdistrict": code,
        "routed_row": number if destination == ROUTED else None,
        "reason": reason,
        "address": address,
        "area_district": area[0],
        "area_town": area[1],
        "row_values": kept,
    }


def _destination(address: str | None, matches: Mapping[str, HouseMatch] | None) -> tuple:
    """(destination, subdistrict, reason[, (district, town)]) of a row with this address and these matches."""
    if not address:
        return NO_ADDRESS
    placed = [code for code, m in matches.items() if m.house_id or m.match_level in PLACED_LEVELS]
    if not placed:  # no house, door or building anywhere: the subdistrict that holds its road
        placed = [code for code, m in matches.items() if m.match_level == "road"]
    if len(placed) == 1:
        (code,) = placed
        return ROUTED, code, f"{matches[code].match_level} of {code}'s register"
    if placed:
        levels = sorted({matches[code].match_level for code in placed})
        return QUARANTINE, None, f"ambiguous: {'/'.join(levels)} in the registers of {' and '.join(placed)}"
    if all(m.match_level == "out_of_area" for m in matches.values()):
        first = next(iter(matches.values()))
        return OUT_OF_AREA, None, first.match_reason, (first.district, first.town)
    reasons = "; ".join(f"{code}: {m.match_reason}" for code, m in matches.items())
    return QUARANTINE, None, f"no register places it: {reasons}"


def _address_columns(spec: SourceSpec) -> dict[str, str]:
    """Delivered header (or alias) -> address, compound or description, for the columns that say where a row is."""
    return {
        header: mapped.to
        for name, mapped in spec.columns.items()
        if mapped.to in WHERE
        for header in (name, *mapped.aliases)
    }


def _address(values: list[str | None], where: Mapping[str, int | None]) -> tuple[str | None, str | None]:
    """The row's address as staging reads it (invisible characters out, the compound in front unless named), and
    without one the address its free text opens with, as address resolution reads it."""
    address, compound, description = (
        _INVISIBLE.sub("", values[i] or "").strip() if i is not None else "" for i in where.values()
    )
    if compound and address and compound not in address:
        address = compound + address
    opening = opening_address(unicodedata.normalize("NFKC", description)).strip() if description and not address else ""
    return address or None, opening or None
