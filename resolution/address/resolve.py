"""Resolve every staged address to a house: ``core.address_matches`` (keyed by the staged row's record_id)
and the review queue.

Each distinct address string is parsed and matched once (sources repeat addresses a lot), and only once across
runs: an address the last resolution matched keeps its match while the register, the reviewers' decisions and
the matching code and gazetteer it was made under stay the same (``core.address_match_basis`` holds them, with
how many addresses were reused and matched); when one changed, every address is matched again and the basis
says which. While they stay the same, a run writes only the records core.address_matches does not hold as they
are staged (a new delivery's; their provenance or address changed; gone), and reads the free text of the rows
without an address (which the table does not keep); otherwise it writes the table whole. An address a reviewer
decided is not matched at all: the decision replaces every column a match would give. A row with no address whose free text opens with a place outside the subdistrict is
``out_of_area`` too ("from the free text"). A reviewer's decision in ``core.address_decisions`` (address ->
house_id) wins over the matcher and is reused on every later run; undecided ambiguous matches wait in
``quality.address_review``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import duckdb
import pyarrow as pa

from resolution.address.batch import match_addresses
from resolution.address.free_text import opening_address
from resolution.address.gazetteer import DIVISIONS, KNOWN_ROADS
from resolution.address.match import HouseMatch
from resolution.address.register import Register
from warehouse import catalogue
from warehouse.database import quote_literal, quote_name, transaction
from warehouse.fingerprint import code_digest, table_digest

MATCHES_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.address_decisions (
    address VARCHAR PRIMARY KEY, house_id VARCHAR, decided_by VARCHAR, decided_at TIMESTAMPTZ DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS core.address_match_basis (
    register           VARCHAR NOT NULL,  -- digest of the register's houses as the matcher reads them
    decisions          VARCHAR NOT NULL,  -- digest of core.address_decisions
    code               VARCHAR NOT NULL,  -- digest of the code and rules (warehouse/fingerprint.py)
    addresses_reused   BIGINT,            -- distinct addresses whose earlier match was kept
    addresses_matched  BIGINT,            -- distinct addresses parsed and matched by this resolution
    rematched_because  VARCHAR,           -- why nothing was reused (NULL when the earlier matches were)
    matched_at         TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
"""
MATCHER_CODE = (Path(__file__).resolve().parent, DIVISIONS, KNOWN_ROADS)
"""What a match is made by besides the register: this package and the gazetteer's files."""
MATCH_COLUMNS = {
    "address": pa.string(),
    "house_id": pa.string(),
    "match_level": pa.string(),
    "score": pa.float64(),
    "margin": pa.float64(),
    "match_reason": pa.string(),
    "needs_review": pa.bool_(),
    "candidates": pa.list_(pa.string()),
    "area_district": pa.string(),
    "area_town": pa.string(),
}
"""What the matcher gives an address, as core.address_matches keeps it for an address no reviewer decided."""

_HELD = ("source", "_delivery_id", "_file_name", "_sheet", "_row_number")
"""The staged row's provenance, which core.address_matches repeats."""
_COLUMNS = ("record_id", *_HELD, *MATCH_COLUMNS)
"""core.address_matches's columns, in order: a table of others is written whole."""


def record_decision(con: duckdb.DuckDBPyConnection, address: str, house_id: str, decided_by: str) -> None:
    """A reviewer's answer for one address; it must name a house of the register."""
    con.execute(MATCHES_SQL)
    if not con.execute("SELECT count(*) FROM core.houses WHERE house_id = ?", [house_id]).fetchone()[0]:
        raise ValueError(f"{house_id} is not a house_id of core.houses")
    con.execute(
        "INSERT OR REPLACE INTO core.address_decisions (address, house_id, decided_by) VALUES (?, ?, ?)",
        [address, house_id, decided_by],
    )


def staged_address_sources(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Staging tables that carry an address column, with their columns (asked of the catalogue once: each
    question costs milliseconds)."""
    return {
        name: set(columns)
        for name, columns in con.execute("""
            SELECT table_name, list(column_name) FROM information_schema.columns
            WHERE table_catalog = current_database() AND table_schema = 'staging'
            GROUP BY table_name HAVING list_contains(list(column_name), 'address') ORDER BY table_name""").fetchall()
    }


def _written_address(columns: set[str]) -> str:
    """The address as the record gives it: a roster naming the compound in its own column (1号2单元102室
    under 小区名称) is read with the compound in front, unless the address names it already."""
    if "compound" not in columns:
        return "address"
    return "CASE WHEN compound IS NULL OR contains(address, compound) THEN address ELSE compound || address END"


def _description(columns: set[str]) -> str:
    return "description" if "description" in columns else "NULL::VARCHAR"


def _outside_in_text(con: duckdb.DuckDBPyConnection, register: Register) -> None:
    """``_outside_text``: changed rows with no address whose free text opens with a place outside the subdistrict (a 12345
    order the city dispatched here by mistake: "市民反映静安区延安西路487弄…"). Only that is read from the text here:
    a house named in free text is attribution's to find, with its own checks."""
    texts = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT description FROM _changed WHERE address IS NULL AND description IS NOT NULL"
        ).fetchall()
    ]
    openings = [opening_address(unicodedata.normalize("NFKC", text)) for text in texts]
    outside = [
        (t, m)
        for t, m in zip(texts, match_addresses(openings, register), strict=True)
        if m.match_level == "out_of_area"
    ]
    con.register(
        "_outside_text",
        pa.table(
            {
                "description": pa.array([t for t, _ in outside], pa.string()),
                "match_level": pa.array(["out_of_area"] * len(outside), pa.string()),
                "match_reason": pa.array([f"from the free text: {m.match_reason}" for _, m in outside], pa.string()),
                "area_district": pa.array([m.district for _, m in outside], pa.string()),
                "area_town": pa.array([m.town for _, m in outside], pa.string()),
            }
        ),
    )


def _basis(con: duckdb.DuckDBPyConnection, register: Register) -> dict[str, str]:
    """What a match depends on besides its address: the register, the reviewers' decisions, the code."""
    houses = hashlib.sha256(repr(register.houses).encode()).hexdigest()
    decisions = table_digest(con, "core", "address_decisions")
    return {"register": houses, "decisions": decisions, "code": code_digest(MATCHER_CODE)}


def _why_not_reused(con: duckdb.DuckDBPyConnection, basis: dict[str, str]) -> str | None:
    """Why the earlier matches cannot be reused (None: they can)."""
    if catalogue.columns(con, "core", "address_matches") != list(_COLUMNS):
        return (
            "no earlier matches"
            if not catalogue.table_exists(con, "core", "address_matches")
            else "the columns of core.address_matches changed"
        )
    earlier = next(iter(con.execute("SELECT register, decisions, code FROM core.address_match_basis").fetchall()), None)
    if earlier is None:
        return "no earlier matches"
    labels = {"register": "the register", "decisions": "a reviewer's decision", "code": "the code"}
    changed = [labels[name] for name, value in zip(labels, earlier, strict=True) if basis[name] != value]
    return f"{' and '.join(changed)} changed since the earlier matches" if changed else None


def _changed_records(con: duckdb.DuckDBPyConnection) -> None:
    """``_changed``: the staged rows whose record core.address_matches does not hold as it is staged (its
    provenance and address); ``_stale``: the held records no staged row is. A row without an address is both:
    its free text, which the table does not keep, is read again. Only the deliveries whose rows' hashes summed
    (with their count) differ are compared row by row."""
    key = f"record_id, address, {', '.join(_HELD)}"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _deliveries AS
        WITH staged AS (SELECT source, _delivery_id, count(*) AS n, sum(hash({key})) AS digest
                        FROM (SELECT *, _record_id AS record_id FROM _addresses) GROUP BY ALL),
             held AS (SELECT source, _delivery_id, count(*) AS n, sum(hash({key})) AS digest
                      FROM core.address_matches GROUP BY ALL)
        SELECT coalesce(s.source, h.source) AS source, coalesce(s._delivery_id, h._delivery_id) AS _delivery_id
        FROM staged s FULL JOIN held h ON s.source = h.source AND s._delivery_id IS NOT DISTINCT FROM h._delivery_id
        WHERE s.n IS DISTINCT FROM h.n OR s.digest IS DISTINCT FROM h.digest""")
    compared = (
        "({0}.address IS NULL OR EXISTS (SELECT 1 FROM _deliveries d WHERE d.source = {0}.source"
        " AND d._delivery_id IS NOT DISTINCT FROM {0}._delivery_id))"
    )
    same = " AND ".join(
        ["a._record_id = m.record_id", "a.address = m.address"]
        + [f"a.{name} IS NOT DISTINCT FROM m.{name}" for name in _HELD]
    )
    staged = f"SELECT * FROM _addresses a WHERE {compared.format('a')}"
    held = f"SELECT {key} FROM core.address_matches m WHERE {compared.format('m')}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _changed AS SELECT a.* FROM ({staged}) a ANTI JOIN ({held}) m ON {same}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _stale AS SELECT m.record_id FROM ({held}) m ANTI JOIN ({staged}) a ON {same}"
    )
    con.execute("DROP TABLE _deliveries")


def _known_matches(con: duckdb.DuckDBPyConnection) -> None:
    """``_known``: the match core.address_matches holds for each address of a changed record that no reviewer
    decided (every record of an address has its match)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _known AS
        SELECT address, {", ".join(f"any_value({name}) AS {name}" for name in list(MATCH_COLUMNS)[1:])}
        FROM core.address_matches
        WHERE address IN (SELECT address FROM _changed)
          AND address NOT IN (SELECT address FROM core.address_decisions)
        GROUP BY address
    """)


def resolve_addresses(con: duckdb.DuckDBPyConnection, register: Register, reuse: bool = True) -> dict[str, int]:
    """Bring core.address_matches in line with staging and rebuild quality.address_review; returns counts per
    match_level. While the basis holds (and ``reuse`` is on), only the records not held as they are staged are
    written, and an address matched before keeps its match: the result is the same."""
    con.execute(MATCHES_SQL)
    basis = _basis(con, register)
    why = _why_not_reused(con, basis) if reuse else "reuse switched off"
    sources = staged_address_sources(con)
    union = " UNION ALL ".join(
        f"SELECT {quote_literal(s)} AS source, _record_id, _delivery_id, _file_name, _sheet, _row_number, "
        f"{_written_address(columns)} AS address, {_description(columns)} AS description "
        f"FROM staging.{quote_name(s)}"
        for s, columns in sources.items()
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _addresses AS {union}")
    if why is None:
        _changed_records(con)
        _known_matches(con)
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _changed AS FROM _addresses")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _known AS SELECT * FROM ({_NO_MATCHES}) WHERE false")
    _outside_in_text(con, register)
    unseen = [
        r[0]
        for r in con.execute("""
            SELECT DISTINCT address FROM _changed WHERE address IS NOT NULL
            EXCEPT SELECT address FROM core.address_decisions
            EXCEPT SELECT address FROM _known
        """).fetchall()
    ]
    addresses, answers = _matches_tables(unseen, match_addresses(unseen, register))
    con.register("_new", addresses)
    con.register("_answers", answers)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _matched AS
        SELECT n.address, a.* EXCLUDE (answer) FROM _new n JOIN _answers a USING (answer)
        UNION ALL BY NAME SELECT * FROM _known
    """)
    rows = """
        SELECT a._record_id AS record_id, a.source, a._delivery_id, a._file_name, a._sheet, a._row_number, a.address,
               coalesce(d.house_id, m.house_id) AS house_id,
               CASE WHEN d.house_id IS NOT NULL THEN 'room'
                    ELSE coalesce(m.match_level, o.match_level, 'none') END AS match_level,
               CASE WHEN d.house_id IS NOT NULL THEN 1.0 ELSE coalesce(m.score, 0) END AS score,
               CASE WHEN d.house_id IS NOT NULL THEN 1.0 ELSE coalesce(m.margin, 0) END AS margin,
               CASE WHEN d.house_id IS NOT NULL THEN 'decided by ' || d.decided_by
                    ELSE coalesce(m.match_reason, o.match_reason, 'no address') END AS match_reason,
               d.house_id IS NULL AND coalesce(m.needs_review, false) AS needs_review,
               CASE WHEN d.house_id IS NULL THEN m.candidates END AS candidates,
               CASE WHEN d.house_id IS NULL THEN coalesce(m.area_district, o.area_district) END AS area_district,
               CASE WHEN d.house_id IS NULL THEN coalesce(m.area_town, o.area_town) END AS area_town
        FROM _changed a LEFT JOIN _matched m USING (address) LEFT JOIN core.address_decisions d USING (address)
        LEFT JOIN _outside_text o ON a.address IS NULL AND o.description = a.description
    """
    if why is None:
        with transaction(con):  # a failure leaves the matches as they were
            con.execute("DELETE FROM core.address_matches WHERE record_id IN (SELECT record_id FROM _stale)")
            con.execute(f"INSERT INTO core.address_matches {rows}")
        con.execute("DROP TABLE _stale")
    else:
        con.execute(f"CREATE OR REPLACE TABLE core.address_matches AS {rows}")
    con.execute("""
        CREATE OR REPLACE TABLE quality.address_review AS
        SELECT address, any_value(match_level) AS match_level, any_value(match_reason) AS match_reason,
               any_value(candidates) AS candidates, count(*) AS records, list(DISTINCT source ORDER BY source) AS sources
        FROM core.address_matches WHERE needs_review GROUP BY address ORDER BY records DESC, address
    """)
    [(distinct,)] = con.execute("""
        SELECT count(DISTINCT address) FROM _addresses
        WHERE address IS NOT NULL AND address NOT IN (SELECT address FROM core.address_decisions)""").fetchall()
    con.unregister("_new")
    con.unregister("_answers")
    con.unregister("_outside_text")
    con.execute("DROP TABLE _matched; DROP TABLE _known; DROP TABLE _changed; DROP TABLE _addresses")
    con.execute("DELETE FROM core.address_match_basis")
    con.execute(
        "INSERT INTO core.address_match_basis (register, decisions, code, addresses_reused, addresses_matched,"
        " rematched_because) VALUES (?, ?, ?, ?, ?, ?)",
        [basis["register"], basis["decisions"], basis["code"], distinct - len(unseen), len(unseen), why],
    )
    return dict(con.execute("SELECT match_level, count(*) FROM core.address_matches GROUP BY 1").fetchall())


_NO_MATCHES = (
    "SELECT NULL::VARCHAR AS address, NULL::VARCHAR AS house_id, NULL::VARCHAR AS match_level, NULL::DOUBLE AS score,"
    " NULL::DOUBLE AS margin, NULL::VARCHAR AS match_reason, NULL::BOOLEAN AS needs_review,"
    " NULL::VARCHAR[] AS candidates, NULL::VARCHAR AS area_district, NULL::VARCHAR AS area_town"
)


def _matches_tables(addresses: list[str], results: list[HouseMatch]) -> tuple[pa.Table, pa.Table]:
    """The matcher's answers for ``addresses``: each address with the number of its answer, and each answer once
    (addresses read alike share one) with that number, in the columns core.address_matches keeps."""
    distinct = {id(match): match for match in results}
    number = {key: n for n, key in enumerate(distinct)}
    answers = list(distinct.values())
    values = {
        "house_id": [m.house_id for m in answers],
        "match_level": [m.match_level for m in answers],
        "score": [m.score for m in answers],
        "margin": [m.margin for m in answers],
        "match_reason": [m.match_reason for m in answers],
        "needs_review": [m.needs_review for m in answers],
        "candidates": [list(m.candidates) for m in answers],
        "area_district": [m.district for m in answers],
        "area_town": [m.town for m in answers],
    }
    columns = {name: pa.array(values[name], kind) for name, kind in list(MATCH_COLUMNS.items())[1:]}
    numbered = pa.table({"address": pa.array(addresses, pa.string()), "answer": [number[id(m)] for m in results]})
    return numbered, pa.table({"answer": pa.array(range(len(answers)), pa.int64()), **columns})
