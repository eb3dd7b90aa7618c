"""The staging layer: each source's raw rows mapped to canonical columns, typed and normalised.

``staging.<source>`` is rebuilt from ``raw.<source>`` (so it is idempotent), or, when nothing but new deliveries
came since the last staging (warehouse/staged_deliveries.py), the new deliveries' rows alone are typed, validated
and added, with the rows, quarantine and validations a rebuild would give. A value that
cannot be read (a date that is no date, a grid code ``WG37`` the suite refuses) costs the value alone:
it goes to ``quality.quarantine`` with column, value, rule and reason as a cell (``is_row_kept``) and
its row is staged with the value NULL. The row goes to quarantine whole only when what identifies it
(the spec's ``record_key``) or its reason to exist (the suite's ``required`` columns: a person's name,
an event's occurred_at) cannot be read, or a rule about the row fails (a repeated record key; two dates
out of order, quality/gate.py). A delivery with too many rows quarantined whole is held. Every staged
row keeps its raw row's lineage (_source, _delivery_id, _sheet, _row_number) and key ``_record_id``;
quarantine rows carry it as ``record_id``, and staging and the gate join on it alone.

Several phones in one cell (``16980841468/021-66325548``, ``139… 138…``) are all kept, in the phone
column itself: each normalised, in the order written, joined by ``;`` (``16980841468;02166325548``).
One column keeps every reader on it: ``schemas.identifiers.phones`` reads the cell back into its phones
(privacy masks each), and identity reads each (resolution/identity/identifiers.py ``read_phones``).

A date written to the month or the year only (``1950.01``, ``1950年1月``) is staged as the period's first
day, and ``_date_precision`` says so: a map of the row's date columns that are not exact days to
``'month'`` or ``'year'`` (NULL when every date is exact). A reader that compares days (identity's
birth dates) checks it; ranges and ages may use the first day.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from connectors.spec import SourceSpec
from quality.gate import HeldDelivery, RevalidateAll, gate, row_columns
from quality.suites import load_suite
from schemas import record_kind_columns
from schemas.identifiers import identifier_macros
from warehouse import catalogue
from warehouse.database import quote_literal, quote_name, transaction
from warehouse.staged_deliveries import delivery_digests, earlier, record_coverage, staging_basis
from warehouse.transforms import cleaned_sql, date_precision_sql, parsed_sql, transform_sql

LINEAGE = ("_source", "_delivery_id", "_file_name", "_file_hash", "_sheet", "_row_number", "_record_id")
STAGING_RULE = "transform_"


@dataclass(frozen=True)
class StagingResult:
    source: str
    rows_raw: int
    rows_staged: int
    rows_quarantined: int
    held: tuple[HeldDelivery, ...] = ()
    """Deliveries the quality gate stopped: none of their rows is staged."""
    incremental: bool = False
    """Only the deliveries after the last staging were staged (warehouse/staged_deliveries.py); else all were."""


def _mapped_value(spec: SourceSpec, column: str) -> str:
    """The delivered column, with the spec's code list applied (男 -> M)."""
    values = spec.columns[spec_column(spec, column)].values
    if not values:
        return quote_name(column)
    cases = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in values.items())
    return f"CASE trim({quote_name(column)}) {cases} ELSE {quote_name(column)} END"


@dataclass(frozen=True)
class Check:
    """One way a delivered column can fail: its reason expression, and whether its row is kept."""

    column: str
    transform: str
    reason: str
    is_row_kept: bool = False
    """The value alone is lost (the row is staged): the column is neither in the record key nor required."""


def staging_select(spec: SourceSpec, present: list[str], raw: str) -> tuple[str, list[Check]]:
    """SQL selecting, from the table ``raw``, typed canonical columns, one reason column per check of a
    transformed source column and, for a date column, one ``_precision_<n>`` column (month or year, NULL for
    a day). Each delivered column is cleaned (``cleaned_sql``) once, in a subquery, for every expression
    that reads it."""
    canonical = record_kind_columns(spec.record_kind)
    whole_row = row_columns(spec, load_suite(spec))
    by_target: dict[str, list[str]] = {}
    for column, mapped in spec.columns.items():
        delivered = [name for name in (column, *mapped.aliases) if name in present]
        by_target.setdefault(mapped.to, []).extend(delivered)
    taken = {name.lower() for name in present}

    def fresh(stem: str) -> str:
        """A column name unlike any raw column's nor any name given before."""
        name, n = stem, 0
        while name.lower() in taken:
            name, n = f"{stem}_{n}", n + 1
        taken.add(name.lower())
        return name

    # delivered column -> the name of its cleaned value
    cells = {name: fresh(f"_cell_{i}") for i, name in enumerate(n for names in by_target.values() for n in names)}
    transforms = {
        target: next(m.transform for m in spec.columns.values() if m.to == target) or canonical[target]["type"]
        for target in by_target
    }
    parsed: dict[str, tuple[str, str]] = {}  # delivered column -> (name, expression) of its parsed_sql
    for target, delivered in by_target.items():
        for name in delivered:
            if expression := parsed_sql(transforms[target], quote_name(cells[name])):
                parsed[name] = (fresh(f"_parsed_{len(parsed)}"), expression)
    values, checks = [], []
    for target, delivered in by_target.items():
        transform = transforms[target]
        exprs = []
        for name in delivered:
            reads = quote_name(parsed[name][0]) if name in parsed else None
            value, reason, lost = transform_sql(transform, quote_name(cells[name]), target, cleaned=True, parsed=reads)
            exprs.append(value)
            kept = target not in whole_row
            checks += [Check(name, transform, why, k) for why, k in ((reason, kept), (lost, True)) if why != "NULL"]
        values.append(f"{('coalesce(' + ', '.join(exprs) + ')') if exprs else 'NULL'} AS {quote_name(target)}")
        if transform == "date" and delivered:
            precision = ", ".join(date_precision_sql(quote_name(cells[n]), cleaned=True) for n in delivered)
            values.append(f"coalesce({precision}) AS {quote_name(f'_precision_{target}')}")
    known = spec.known_headers  # mapped, ignored and dropped: none of them spills into _extra
    extra = [c for c in present if c not in known and c not in LINEAGE]
    extra_sql = (
        ("json_object(" + ", ".join(f"{quote_literal(c)}, {quote_name(c)}" for c in extra) + ")")
        if extra
        else "NULL::JSON"
    )
    reasons = [f"{check.reason} AS {quote_name('_why_' + str(i))}" for i, check in enumerate(checks)]
    select = ", ".join([*(quote_name(c) for c in LINEAGE), *values, f"{extra_sql} AS _extra", *reasons])
    read = [
        *(quote_name(c) for c in LINEAGE),
        *(quote_name(c) for c in extra),
        *(f"{cleaned_sql(_mapped_value(spec, name))} AS {quote_name(cell)}" for name, cell in cells.items()),
    ]
    rows = f"SELECT {', '.join(read)} FROM {raw}"
    if parsed:  # one more subquery: the value and the reason of a date (an ID number) read its parse computed once
        rows = f"SELECT *, {', '.join(f'{e} AS {quote_name(n)}' for n, e in parsed.values())} FROM ({rows})"
    return f"{select} FROM ({rows})", checks


def _excluded(columns: list[str]) -> str:
    return f" EXCLUDE ({', '.join(map(quote_name, columns))})" if columns else ""


def _precision_map(precisions: list[str]) -> str:
    """``_date_precision``: the date columns of a row that name a month or a year only, NULL when none does."""
    entries = [
        f"CASE WHEN {quote_name(p.removeprefix('_precision_'))} IS NOT NULL AND {quote_name(p)} IS NOT NULL "
        f"THEN [({quote_literal(p.removeprefix('_precision_'))}, {quote_name(p)})] ELSE [] END"
        for p in precisions
    ]
    if not entries:
        return "NULL::MAP(VARCHAR, VARCHAR)"
    listed = f"list_concat({', '.join(entries)})" if len(entries) > 1 else entries[0]
    return f"CASE WHEN len({listed}) > 0 THEN map_from_entries({listed}) END::MAP(VARCHAR, VARCHAR)"


def spec_column(spec: SourceSpec, name: str) -> str:
    """The spec's own name for a delivered column (itself, or the column it is an alias of)."""
    return next((c for c, m in spec.columns.items() if name == c or name in m.aliases), name)


# each delivery's landing time: its id is a content hash, in no order
_LOADED = (
    "SELECT delivery_id AS _delivery_id, min(loaded_at) AS _loaded_at FROM meta.deliveries "
    "WHERE status = 'loaded' GROUP BY delivery_id"
)


def _in_landing_order(rows: str) -> str:
    """The query ``rows`` in the order its deliveries landed, each in its lineage's order."""
    return (
        f"SELECT s.* FROM ({rows}) s LEFT JOIN ({_LOADED}) l USING (_delivery_id) "
        "ORDER BY l._loaded_at, s._delivery_id, s._sheet, s._row_number"
    )


def _write_staged(con: duckdb.DuckDBPyConnection, table: str, staged: str, adding: bool) -> None:
    """Write the ``staged`` rows to ``table`` in the order their deliveries landed or, ``adding`` them to the rows
    there, in the order a full staging writes: appended when their deliveries landed after those staged already (a
    new delivery does), else the table is written anew."""
    if not adding:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {_in_landing_order(staged)}")
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE _staged AS {staged}")
    if con.execute("SELECT count(*) FROM _staged").fetchone()[0]:
        later = con.execute(
            f"SELECT (SELECT min(_loaded_at) FROM ({_LOADED}) WHERE _delivery_id IN (SELECT _delivery_id FROM _staged))"
            f" > coalesce((SELECT max(_loaded_at) FROM ({_LOADED}) WHERE _delivery_id IN "
            f"(SELECT _delivery_id FROM {table})), '-infinity'::TIMESTAMPTZ)"
        ).fetchone()[0]
        if later:
            con.execute(f"INSERT INTO {table} BY NAME {_in_landing_order('SELECT * FROM _staged')}")
        else:  # landed before (or with) one staged already, or when is unknown
            whole = f"SELECT * FROM {table} UNION ALL BY NAME SELECT * FROM _staged"
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {_in_landing_order(whole)}")
    con.execute("DROP TABLE _staged")


def stage(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> StagingResult:
    """Stage the source's new deliveries, or rebuild staging.<source> and its quarantine rows, in one transaction."""
    present = catalogue.columns(con, "raw", spec.name)
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    if not present:
        return StagingResult(spec.name, 0, 0, 0)
    raw = f"raw.{quote_name(spec.name)}"
    con.execute(identifier_macros())  # the ID number transform reads the rules' macros
    basis = staging_basis(spec, staging_select(spec, present, raw)[0])
    try:
        return _stage(con, spec, present, basis, incremental=True)
    except RevalidateAll:  # rolled back: a table-wide rule failed, so every delivery is decided again
        return _stage(con, spec, present, basis, incremental=False)


def _stage(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, present: list[str], basis: str, incremental: bool
) -> StagingResult:
    """Stage the raw rows of the deliveries after those staged before (``incremental``, when nothing else changed
    since: warehouse/staged_deliveries.py), or of every delivery."""
    table, raw = f"staging.{quote_name(spec.name)}", f"raw.{quote_name(spec.name)}"
    with transaction(con):
        digests = delivery_digests(con, spec.name)  # in the transaction: what it stages is what it records
        since = earlier(con, spec.name, basis, digests) if incremental else None
        read = raw
        if since is not None:  # only the new deliveries' raw rows are typed, validated and staged
            read = "_new_raw"
            con.execute(  # a filter in the scan, not an anti join: raw's other columns are read for new rows only
                f"CREATE OR REPLACE TEMP TABLE _new_raw AS SELECT * FROM {raw} "
                "WHERE NOT list_contains(?::VARCHAR[], _delivery_id)",
                [sorted(since.deliveries)],
            )
        select, checks = staging_select(spec, present, read)
        failing = (
            " OR ".join(
                f"{quote_name('_why_' + str(i))} IS NOT NULL" for i, check in enumerate(checks) if not check.is_row_kept
            )
            or "false"
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS SELECT {select}")
        columns = [r[0] for r in con.execute("DESCRIBE _typed").fetchall() if not r[0].startswith("_why_")]
        if since is None:
            con.execute(f"DELETE FROM quality.quarantine WHERE source = ? AND rule LIKE '{STAGING_RULE}%'", [spec.name])
        for i, check in enumerate(checks):
            why = quote_name("_why_" + str(i))
            con.execute(
                f"INSERT INTO quality.quarantine (source, delivery_id, file_name, sheet, row_number, record_id, "
                f"column_name, rule, value, reason, is_row_kept) "
                f"SELECT t._source, t._delivery_id, t._file_name, t._sheet, t._row_number, t._record_id, ?, ?, "
                f"r.{quote_name(check.column)}, t.{why}, ? FROM _typed t JOIN {read} r USING (_record_id) "
                f"WHERE t.{why} IS NOT NULL",
                [check.column, STAGING_RULE + check.transform, check.is_row_kept],
            )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _candidates AS SELECT {', '.join(map(quote_name, columns))} "
            f"FROM _typed WHERE NOT ({failing})"
        )
        sheets = {
            d
            for (d,) in con.execute("SELECT DISTINCT _delivery_id FROM _candidates WHERE _sheet IS NOT NULL").fetchall()
        }
        held = gate(con, spec, "_candidates", since)
        precisions = [c for c in columns if c.startswith("_precision_")]
        # staged: the candidates neither the suite nor a held delivery sent to quarantine
        staged = (
            f"SELECT *{_excluded(precisions)}, {_precision_map(precisions)} AS _date_precision FROM _candidates c "
            "WHERE NOT EXISTS (SELECT 1 FROM quality.quarantine q WHERE q.record_id = c._record_id AND NOT q.is_row_kept)"
        )
        _write_staged(con, table, staged, since is not None)
        rows_raw = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
        rows_staged = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        record_coverage(con, spec.name, basis, digests, sheets, since)
        con.execute("DROP TABLE _typed; DROP TABLE _candidates")
        if since is not None:
            con.execute("DROP TABLE _new_raw")
    return StagingResult(spec.name, rows_raw, rows_staged, rows_raw - rows_staged, tuple(held), since is not None)
