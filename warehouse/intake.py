"""Intake: take in whatever a source has newly delivered, files from the landing zone or a pull
from its database (``warehouse.pull``), and land it in the raw layer, each delivery with the day it
describes (``observed_on``, warehouse/business_time.py). A changes file re-sent under its name lands
only the rows not loaded before (warehouse/resent.py). A file is hashed again only when its stat changed
(warehouse/file_hashes.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from connectors.landing import survey
from connectors.readers import ReadError
from connectors.spec import SourceSpec
from warehouse.business_time import fill_observed_on
from warehouse.database import transaction
from warehouse.file_hashes import known_hashes, remember_hashes
from warehouse.raw import SourceLanding, record_failure, stopped_by_drift, write_delivery
from warehouse.read_ahead import read_in_order
from warehouse.resent import record_resent, split_resent


def land_source(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    root: Path | None = None,
    now: float | None = None,
) -> SourceLanding:
    """Land everything new from one source: pending files (below the landing ``root``, default
    ``$HOUSEKEY_LANDING``; ``now`` is the clock files settle against, see ``connectors.landing.survey``),
    or a pull from its database."""
    from warehouse.pull import pull_database

    landing = pull_database(con, spec) if spec.is_database else land_files(con, spec, root, now)
    fill_observed_on(con, spec)  # a pull's delivery; every delivery of a warehouse made before business dates
    return landing


def land_files(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    root: Path | None = None,
    now: float | None = None,
) -> SourceLanding:
    """Read and land every pending file of a file source; an unreadable file never stops the rest.

    Files already recorded under the same name and content are not offered again; failed files are.
    Files ignored or waiting (still being written) are listed, with why, in the note.
    Each file lands in one transaction with its business date and, for a changes source re-sending a
    file under its name, only the rows not loaded before.
    """
    recorded = set(
        con.execute(
            "SELECT file_name, file_hash FROM meta.deliveries WHERE source = ? AND status <> 'failed'",
            [spec.name],
        ).fetchall()
    )
    results = []
    found = survey(spec, recorded, root, now, known_hashes(con, spec.name))
    remember_hashes(con, spec.name, found.hashed)
    # each file read without the columns the spec drops, before a re-sent file is compared
    for file, delivered in read_in_order(found.pending, spec):
        if isinstance(delivered, ReadError):
            results.append(record_failure(con, spec, file.file_name, file.file_hash, file.file_bytes, delivered))
            continue
        if held := stopped_by_drift(delivered, spec):
            results.append(record_failure(con, spec, file.file_name, file.file_hash, file.file_bytes, held))
            break  # later deliveries of a source held back by drift wait for the spec, in order
        resent = split_resent(con, spec, file.file_name, delivered)
        with transaction(con):
            result = write_delivery(con, spec, resent.delivered, file.file_name, file.file_hash, file.file_bytes)
            results.append(record_resent(con, result, resent))
            fill_observed_on(con, spec)
    notes = ([] if results else ["no new deliveries"]) + [str(entry) for entry in found.unread]
    return SourceLanding(spec.name, tuple(results), note="; ".join(notes) or None)
