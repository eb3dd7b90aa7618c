"""What staging last covered, so that a source's new deliveries are staged and validated alone (issue 18).

``meta.staged_deliveries`` (made on first use: without it, staging rebuilds) keeps, for each source, one row per
delivery its last staging covered: a digest of the delivery as ``meta.deliveries``, ``raw.<source>`` and landing's
quarantine hold it, whether its candidate rows name a sheet, and the basis of that staging: a digest of the
staging SQL (which names the raw columns and the spec's mapping and transforms), the spec, the expectation suite,
the code that stages (``STAGING_CODE``) and the run day (rules read ``today``, an ID number's birth date ends on it,
a snapshot is judged against the snapshot current on it): a new run day restages each source once.

The new deliveries alone give what restaging every delivery would (warehouse/staging.py) when the basis is
unchanged, every earlier delivery is as it was, none is gone, every new delivery comes after every earlier one
in load order (the gate decides deliveries in that order) and no table-wide rule failed before. ``earlier``
says so; otherwise staging rebuilds the source and records its coverage afresh.
"""

from __future__ import annotations

import hashlib
import json

import duckdb

from connectors.spec import SourceSpec
from quality.gate import THRESHOLD_RULE, Earlier
from quality.suites import load_suite
from schemas.clock import run_day
from warehouse.catalogue import table_exists
from warehouse.database import insert_rows, quote_name
from warehouse.fingerprint import REPO_ROOT, code_digest

TABLE = """
CREATE TABLE IF NOT EXISTS meta.staged_deliveries (
    source          VARCHAR NOT NULL,
    delivery_id     VARCHAR NOT NULL,
    delivery_digest VARCHAR NOT NULL,  -- the delivery in meta.deliveries, raw and landing's quarantine
    names_sheets    BOOLEAN NOT NULL,  -- a candidate row of it names its sheet
    basis           VARCHAR NOT NULL   -- the digest of what staging read besides the deliveries
)"""
STAGING_CODE = (
    REPO_ROOT / "connectors",
    REPO_ROOT / "quality",
    # the data dictionary describes tables for readers: staging never reads it
    *(path for path in (REPO_ROOT / "schemas").iterdir() if path.name != "warehouse_dictionary.yaml"),
    *(
        REPO_ROOT / "warehouse" / f"{module}.py"
        for module in ("staging", "staged_deliveries", "transforms", "database")
    ),
)
"""The code that stages and validates a source: its specs' and suites' readers, the typing, the gate (the staging
SQL, which the basis holds whole, is written by warehouse/transforms.py; of the rest of warehouse/ staging only
reads the catalogue), so that work on the marts or publishing does not restage every source."""


def staging_basis(spec: SourceSpec, select: str) -> str:
    """The digest of everything but the deliveries that a source's staged rows, quarantine and validations
    depend on, for the staging SQL ``select``."""
    parts = [select, spec.model_dump(mode="json"), repr(load_suite(spec)), staging_code(), run_day().isoformat()]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()


def staging_code() -> str:
    """The digest of the code staging runs (with the package's version and the pinned dependencies)."""
    return code_digest(STAGING_CODE)


def delivery_digests(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """Each delivery of the source loaded (in meta.deliveries) or in raw, with a digest of its records there, its
    rows in raw and its quarantine rows from landing."""
    raw = f"raw.{quote_name(source)}"
    return dict(
        con.execute(
            f"""
        WITH recorded AS (
            SELECT delivery_id, string_agg(CAST(row(file_name, file_hash, rows_delivered, rows_loaded, rows_quarantined,
                   rows_resent, loaded_at, observed_on, notes) AS VARCHAR), '|' ORDER BY ALL) AS r
            -- a file of the same content as a loaded one is recorded under its id: it changes nothing staged
            FROM meta.deliveries WHERE source = $source AND status = 'loaded' GROUP BY delivery_id),
        landed AS (SELECT _delivery_id AS delivery_id, count(*) AS rows FROM {raw} GROUP BY ALL),
        landing AS (
            SELECT delivery_id, count(*) AS quarantined FROM quality.quarantine
            WHERE source = $source AND rule NOT LIKE 'transform_%' AND rule NOT LIKE 'suite:%'
            GROUP BY ALL)
        SELECT delivery_id, md5(concat_ws('#', coalesce(r, ''), coalesce(rows, 0), coalesce(quarantined, 0)))
        FROM recorded FULL JOIN landed USING (delivery_id) LEFT JOIN landing USING (delivery_id)""",
            {"source": source},
        ).fetchall()
    )


def earlier(con: duckdb.DuckDBPyConnection, source: str, basis: str, digests: dict[str, str]) -> Earlier | None:
    """The deliveries staged before, when the source's deliveries not among them can be staged alone; None when
    the source must be restaged whole."""
    if not table_exists(con, "meta", "staged_deliveries") or not table_exists(con, "staging", source):
        return None
    covered = con.execute(
        "SELECT delivery_id, delivery_digest, names_sheets, basis FROM meta.staged_deliveries WHERE source = ?",
        [source],
    ).fetchall()
    if not covered or any(b != basis or digests.get(d) != digest for d, digest, _, b in covered):
        return None
    before = frozenset(d for d, *_ in covered)
    table_wide = con.execute(  # a table-wide rule's note holds every delivery, later ones too
        "SELECT count(*) FROM meta.validations WHERE source = ? AND rule <> ? AND note IS NOT NULL",
        [source, THRESHOLD_RULE],
    ).fetchone()[0]
    order = con.execute(  # load order, as the gate decides deliveries
        "SELECT delivery_id FROM meta.deliveries WHERE source = ? AND status = 'loaded' ORDER BY loaded_at, file_name",
        [source],
    ).fetchall()
    loaded = [d for (d,) in order]
    first_new = next((i for i, d in enumerate(loaded) if d not in before), len(loaded))
    if table_wide or any(d in before for d in loaded[first_new:]):
        return None
    return Earlier(before, any(sheets for _, _, sheets, _ in covered))


def record_coverage(
    con: duckdb.DuckDBPyConnection,
    source: str,
    basis: str,
    digests: dict[str, str],
    sheets: set[str],
    since: Earlier | None,
) -> None:
    """Keep what this staging covered: every delivery of ``digests`` (those of ``sheets`` name a sheet), on top
    of the ``since`` deliveries, or in place of the source's rows."""
    con.execute(TABLE)
    if since is None:
        con.execute("DELETE FROM meta.staged_deliveries WHERE source = ?", [source])
    rows = [
        (source, delivery, digest, delivery in sheets, basis)
        for delivery, digest in sorted(digests.items())
        if since is None or delivery not in since.deliveries
    ]
    insert_rows(con, "meta.staged_deliveries", rows)
