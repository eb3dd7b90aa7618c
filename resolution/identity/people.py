"""People across sources -> ``core.person_records`` and ``core.people`` with stable ``person_id``s.

A person record is a staged row that names a person: every row of a person or link ledger (and a
rental contract's landlord as a second record), and each party an event names (its subject, the other
party, the reporter) where the event gives that party an ID number or phone (a patrol ledger's name
alone is the inspector who wrote it). The subject is placed at the record's house; the other parties
(a landlord, a complainant) live elsewhere. Linking is strongest evidence first:

1. records with the same checked ID number are one person (15-digit numbers upgraded first);
2. the Splink model (``person_model``) scores pairs blocked on name, phone, birth date, house and ID
   tail; pairs above ``MATCH_PROBABILITY`` join, strongest first, unless the join would give one
   person two different ID numbers or two sexes: those pairs go to ``quality.person_review``;
3. a person known only by name at a house (no ID number, no birth date: ``name_at_house``) joins the one
   person of that name with other records at that house; two such persons, or another sex, go to review.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resolution.address.records import KINDS, records_table
from resolution.identity.identifiers import (
    IdNumber,
    is_division,
    name_sound,
    read_id_number,
    read_name,
    read_phones,
)
from resolution.identity.link_basis import linking_basis, record_basis, why_link_again
from resolution.identity.name_at_house import EVIDENCE as NAME_AT_HOUSE_EVIDENCE
from resolution.identity.name_at_house import RULE as NAME_AT_HOUSE
from resolution.identity.name_at_house import join_names_at_houses
from resolution.identity.person_decisions import DECISIONS_SQL, RECORD_KEY_SQL, decisions_by_record
from schemas import record_kind_columns
from schemas.clock import run_day
from schemas.identifiers import FULL, usable_id_numbers
from warehouse import catalogue

MATCH_PROBABILITY = 0.99
# (party, name column, ID number column, phone column): where a staged row names a person.
PARTIES = (
    ("subject", "name", "id_number", "phone"),
    ("subject", "person_name", "id_number", "phone"),
    ("counterpart", "counterpart_name", "counterpart_id_number", "counterpart_phone"),
    ("reporter", "reporter_name", "reporter_id_number", "reporter_phone"),
)
OTHER_PARTIES = ("counterpart", "reporter")
"""The parties core.person_counterparts holds (its ``party`` column); the subject is core.person_records'."""


def stage_records(con: duckdb.DuckDBPyConnection) -> None:
    """``_person_rows``: every person a record names, as written, with its house (room or door); read from the
    record backbone of each kind with a column that names a person."""
    parts = []
    for kind in KINDS:
        present = set(record_kind_columns(kind))
        for party, name, id_number, phone in PARTIES:
            if name not in present:
                continue

            def col(c: str, kind: str = "VARCHAR", present: set = present) -> str:
                return f"s.{c}::{kind}" if c in present else f"NULL::{kind}"

            own = party == "subject"
            where = f"s.{name} IS NOT NULL OR {col(id_number)} IS NOT NULL"
            if kind == "event":  # an event's name alone is the staff member who wrote it down, or a namesake
                lost = f"list_contains(s.blanked, '{id_number}')"  # an ID number staging could not read (3.10101E+17)
                where = f"{col(id_number)} IS NOT NULL OR {col(phone)} IS NOT NULL OR {lost}"
            parts.append(f"""
                SELECT s.record_id AS _record_id, s.source AS _source, s.delivery_id AS _delivery_id,
                       s.file_name AS _file_name, s.row_number AS _row_number, s.sheet AS _sheet, '{party}' AS party,
                       s.{name}::VARCHAR AS name, {col(id_number)} AS id_number, {col(phone)} AS phone,
                       {col("sex") if own else "NULL::VARCHAR"} AS sex,
                       {col("birth_date", "DATE") if own else "NULL::DATE"} AS birth_date,
                       {"CASE WHEN s.match_level IN ('room', 'door') THEN s.house_id END" if own else "NULL"}::VARCHAR
                           AS house_id
                FROM {records_table(kind)} s
                WHERE {where}""")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _person_rows AS "
        + " UNION ALL ".join(parts)
        + " ORDER BY _source, _delivery_id, _sheet NULLS FIRST, _row_number, party"
    )


def _features(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per person record with what linking compares; ``_person_numbered`` is ``_person_rows`` with each
    row's ``record_id`` (its position). Each distinct written name, ID number and phone is read once in Python
    (they repeat across records); DuckDB puts the rows together.

    A cell of several phones gives linking the one that other records also hold (the first written when
    none does or on a tie), so blocking and comparing on phone use every number. A birth date staged as a
    month or a year (``_date_precision``) is no day to compare: linking takes the ID number's birth date in
    its place, as for a record without one; only a birth date outside that month or year contradicts it."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _person_numbered AS SELECT row_number() OVER () - 1 AS record_id, * FROM _person_rows"
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _person_read AS
        SELECT r.record_id, r.name, r.id_number, r.phone, r.sex, r.birth_date, r.house_id,
               {_birth_precision(con)} AS precision
        FROM _person_numbered r LEFT JOIN core.person_rows b ON r.party = 'subject' AND b.record_id = r._record_id""")
    names, ids, phones, checks = _read_values(con)
    con.register("_person_names", names)
    con.register("_person_ids_read", ids)
    con.register("_person_phones", phones)
    con.register("_person_checks", checks)
    features = con.sql("""
        SELECT r.record_id, n.name, n.name_sound, n.surname,
               CASE WHEN r.sex IN ('M', 'F') THEN r.sex ELSE coalesce(i.sex, n.honorific_sex) END AS sex,
               coalesce(CASE WHEN r.precision IS NULL THEN r.birth_date END, i.birth_date) AS birth_date,
               p.phone, p.phone_head, p.phone_tail, r.house_id, i.id18, i.id_tail, i.id_division, i.id_problem,
               c.cross_check
        FROM _person_read r
        LEFT JOIN _person_names n ON n.written = r.name
        LEFT JOIN _person_ids_read i ON i.written = r.id_number
        LEFT JOIN _person_phones p ON p.written = r.phone
        LEFT JOIN _person_checks c ON c.id_number = r.id_number AND c.sex IS NOT DISTINCT FROM r.sex
             AND c.birth_date IS NOT DISTINCT FROM r.birth_date AND c.precision IS NOT DISTINCT FROM r.precision
        ORDER BY r.record_id""").to_arrow_table()
    for name in ("_person_names", "_person_ids_read", "_person_phones", "_person_checks"):
        con.unregister(name)
    con.execute("DROP TABLE _person_read")
    return features


def _read_values(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """What each distinct written value of ``_person_read`` gives linking: names (full, surname, the sex an
    honorific implies, sound), ID numbers (checked number, visible parts, the sex and birth date it gives, or the
    problem), phones (the number of the cell linking uses) and the ledgers an ID number contradicts."""
    written = {
        column: [
            v
            for (v,) in con.execute(f"SELECT DISTINCT {column} FROM _person_read WHERE {column} IS NOT NULL").fetchall()
        ]
        for column in ("name", "id_number")
    }
    read = {v: read_name(v) for v in written["name"]}
    sounds = {full: name_sound(full) for full, _, _ in read.values()}
    names = pa.table(
        {
            "written": pa.array(written["name"], pa.string()),
            "name": pa.array([read[v][0] for v in written["name"]], pa.string()),
            "surname": pa.array([read[v][1] for v in written["name"]], pa.string()),
            "honorific_sex": pa.array([read[v][2] for v in written["name"]], pa.string()),
            "name_sound": pa.array([sounds[read[v][0]] for v in written["name"]], pa.string()),
        }
    )
    as_of = run_day()
    numbers = _read_id_numbers(written["id_number"], as_of)
    usable = {v: n if n and n.pattern else None for v, n in numbers.items()}
    ids = pa.table(
        {
            "written": pa.array(written["id_number"], pa.string()),
            **{
                column: pa.array([getattr(n, fact) if n else None for n in usable.values()], pa.string())
                for column, fact in (
                    ("id18", "number"),
                    ("id_tail", "tail"),
                    ("id_division", "division"),
                    ("sex", "sex"),
                )
            },
            "birth_date": pa.array([n.born(as_of) if n else None for n in usable.values()], pa.date32()),
            "id_problem": pa.array([n.problem if n else None for n in numbers.values()], pa.string()),
        }
    )
    cells = {
        v: (read_phones(v), n)
        for v, n in con.execute(
            "SELECT phone, count(*) FROM _person_read WHERE phone IS NOT NULL GROUP BY phone"
        ).fetchall()
    }
    shared = Counter()
    for phones, n in cells.values():
        for number in {p.number for p in phones if p.number}:
            shared[number] += n
    chosen = {
        v: max(phones, key=lambda p: shared[p.number] if p.number else 0, default=None)
        for v, (phones, _) in cells.items()
    }
    phones = pa.table(
        {
            "written": pa.array(list(chosen), pa.string()),
            **{
                column: pa.array([getattr(p, part) if p else None for p in chosen.values()], pa.string())
                for column, part in (("phone", "number"), ("phone_head", "head"), ("phone_tail", "tail"))
            },
        }
    )
    return names, ids, phones, _read_cross_checks(con, ids, usable)


def _read_id_numbers(written: list[str], as_of) -> dict[str, IdNumber | None]:
    """``read_id_number`` of each written ID number. Nearly all are written as a usable 18-character number: those
    are checked in bulk (``usable_id_numbers``) and, in a real division, read as themselves; the rest one by one."""
    clean = np.array([v for v in written if _CLEAN_ID_NUMBER.fullmatch(v)], dtype=object)
    itself = {
        v for v, usable in zip(clean, usable_id_numbers(clean, as_of), strict=True) if usable and is_division(v[:6])
    }
    return {v: IdNumber(v, number=v, pattern=v) if v in itself else read_id_number(v, as_of) for v in written}


_CLEAN_ID_NUMBER = re.compile(FULL)


def _read_cross_checks(con: duckdb.DuckDBPyConnection, ids: pa.Table, usable: dict) -> pa.Table:
    """(sex, birth date, precision, ID number) as a ledger wrote them, and what the ledger says against its ID number
    (``_cross_check``); read for the distinct combinations whose sex or birth day differs from the ID number's."""
    con.register("_id_facts", ids)
    candidates = con.execute("""
        SELECT DISTINCT r.sex, r.birth_date, r.precision, r.id_number
        FROM _person_read r JOIN _id_facts i ON i.written = r.id_number
        WHERE (r.sex IN ('M', 'F') AND r.sex <> i.sex) OR r.birth_date <> i.birth_date""").fetchall()
    con.unregister("_id_facts")
    checks = [(*c, _cross_check(c[0], c[1], usable[c[3]], c[2])) for c in candidates]
    checks = [c for c in checks if c[4] is not None]
    columns = list(zip(*checks, strict=True)) if checks else [[]] * 5
    return pa.table(
        {
            name: pa.array(list(values), kind)
            for name, values, kind in zip(
                ("sex", "birth_date", "precision", "id_number", "cross_check"),
                columns,
                (pa.string(), pa.date32(), pa.string(), pa.string(), pa.string()),
                strict=True,
            )
        }
    )


def _birth_precision(con: duckdb.DuckDBPyConnection) -> str:
    """SQL for a subject's birth date precision (``b``: its core.person_rows row), NULL where staging kept none."""
    if "_date_precision" in catalogue.columns(con, "core", "person_rows"):
        return "b._date_precision['birth_date']"
    return "NULL"


def _linked_records_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Everything linking reads of the records of ``_person_rows``: the basis of a linking (link_basis.py). An ID
    number is checked against the run day (no birth after it): whether its birth digits are after the run day is
    part of the basis, so the day such a number becomes valid links again."""
    return (
        f"SELECT r.*, {_birth_precision(con)} AS birth_precision, "
        f"regexp_extract(r.id_number, '^[0-9]{{6}}([0-9]{{8}})', 1) > '{run_day():%Y%m%d}' AS born_after_run_day "
        "FROM _person_rows r LEFT JOIN core.person_rows b ON r.party = 'subject' AND b.record_id = r._record_id"
    )


def _cross_check(sex: str | None, birth_date, id_number, precision: str | None = None) -> str | None:
    """What the ledger says against what its ID number says, when they disagree; a birth date written to the
    month or year (``precision``) disagrees only when the ID number's is outside that month or year."""
    if id_number is None:
        return None
    if sex in ("M", "F") and id_number.sex and sex != id_number.sex:
        return f"sex {sex} in the ledger, {id_number.sex} by the ID number"
    if birth_date and id_number.birth_date and not _within(birth_date, precision, id_number.birth_date):
        written = {"month": f"{birth_date:%Y-%m}", "year": f"{birth_date:%Y}"}.get(precision, str(birth_date))
        return f"born {written} in the ledger, {id_number.birth_date} by the ID number"
    return None


def _within(written, precision: str | None, day) -> bool:
    """The day falls in the date as written: the same day, or in its month or year when written to that."""
    if precision == "year":
        return written.year == day.year
    if precision == "month":
        return (written.year, written.month) == (day.year, day.month)
    return written == day


def _bare(con: duckdb.DuckDBPyConnection) -> list[bool]:
    """Per record of ``_person_numbered``: whether it was written without an ID number and without a birth date."""
    return [
        b
        for (b,) in con.execute(
            "SELECT id_number IS NULL AND birth_date IS NULL FROM _person_numbered ORDER BY record_id"
        ).fetchall()
    ]


def _prior(id18: list[str | None]) -> float:
    """Probability two random records are one person, read off the records whose ID numbers say so."""
    counts = Counter(v for v in id18 if v)
    n = sum(counts.values())
    pairs = sum(c * (c - 1) // 2 for c in counts.values())
    return max(pairs / max(n * (n - 1) // 2, 1), 1e-7)


def score_pairs(features: pa.Table) -> pa.Table:
    """Splink on an in-memory DuckDB: pairs of records with their match probability and levels."""
    from splink import DuckDBAPI, Linker

    from resolution.identity.person_model import settings

    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI(duckdb.connect())
    frame = db_api.register(features, dataset_display_name="person_records")
    linker = Linker(frame, settings(_prior(features.column("id18").to_pylist())), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=6)
    predictions = linker.inference.predict(threshold_match_probability=0.5, warning_mode="never")
    return db_api.duckdb_con.sql(f"""
        SELECT record_id_l, record_id_r, match_weight, match_probability,
               mw_name + mw_tf_adj_name AS mw_name, mw_birth_date, mw_sex, mw_phone, mw_house, mw_id_number
        FROM {predictions.physical_name} ORDER BY match_weight DESC, record_id_l, record_id_r""").to_arrow_table()


_WEIGHTS = ("name", "birth_date", "sex", "phone", "house", "id_number")
_PAIR_COLUMNS = ("record_id_l", "record_id_r", "match_weight", "match_probability", *(f"mw_{w}" for w in _WEIGHTS))


def cluster(
    features: pa.Table, pairs: pa.Table, decisions: dict[frozenset[int], str] | None = None
) -> tuple[list[int], list[dict], list[tuple]]:
    """Records -> clusters (the root record of each), the best link of each record, and review rows.

    Records sharing a checked ID number join first; then pairs a reviewer decided ``same``; scored
    pairs then join strongest first unless the two clusters hold different ID numbers or records a
    reviewer decided ``different`` (directly or through the other records of the clusters)."""
    decisions = decisions or {}
    id18 = features.column("id18").to_pylist()
    parent = list(range(features.num_rows))
    numbers: dict[int, str] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, number in enumerate(id18):
        if number:
            parent[i] = first_with.setdefault(number, i)
            numbers[first_with[number]] = number
    apart: dict[int, set[int]] = defaultdict(set)  # cluster root -> records a reviewer said are someone else
    for pair, decision in decisions.items():
        if decision == "different":
            x, y = sorted(pair)
            apart[root(x)].add(y), apart[root(y)].add(x)

    def kept_apart(a: int, b: int) -> bool:
        return any(root(x) == b for x in apart.get(a, ())) or any(root(x) == a for x in apart.get(b, ()))

    def join(a: int, b: int) -> None:
        parent[b] = a
        if b in numbers:
            numbers[a] = numbers.pop(b)
        if b in apart:
            apart[a] |= apart.pop(b)

    best: list[dict] = [
        {"rule": "id_number", "weight": None, "evidence": "checked ID number"}
        if n
        else {"rule": "alone", "weight": None, "evidence": "no record agrees enough"}
        for n in id18
    ]
    review = []
    decided = [sorted(pair) for pair, decision in decisions.items() if decision == "same"]
    for left, right in decided:
        a, b = root(left), root(right)
        if a != b and a in numbers and b in numbers:
            review.append((left, right, "decided same, but two different ID numbers", None, "reviewer"))
            continue
        if a != b and kept_apart(a, b):
            review.append((left, right, "decided same, but joins records decided different", None, "reviewer"))
            continue
        if a != b:
            join(a, b)
        for i in (left, right):
            if id18[i] is None:
                best[i] = {"rule": "reviewer", "weight": None, "evidence": "decided the same person by a reviewer"}
    pairs = _between_clusters(features, pairs)
    n = pairs.num_rows
    column = {c: pairs.column(c).to_pylist() if c in pairs.column_names else [None] * n for c in _PAIR_COLUMNS}
    parts = [(w, column["mw_" + w]) for w in _WEIGHTS]

    def evidence(k: int) -> str:  # written only for the pairs that show it
        return ", ".join(f"{w} {values[k]:+.1f}" for w, values in parts if values[k])

    lefts, rights, weight, probability = (column[c] for c in _PAIR_COLUMNS[:4])
    for k in range(n):
        left, right = lefts[k], rights[k]
        if decisions and decisions.get(frozenset((left, right))) in ("different", "same"):
            continue  # a reviewer's answer stands; a decided pair is not scored again
        a, b = root(left), root(right)
        if a != b:
            if probability[k] < MATCH_PROBABILITY:
                review.append((left, right, "doubtful match", weight[k], evidence(k)))
                continue
            if a in numbers and b in numbers:
                review.append((left, right, "two different ID numbers", weight[k], evidence(k)))
                continue
            if apart and kept_apart(a, b):
                review.append((left, right, "would join records a reviewer decided different", weight[k], evidence(k)))
                continue
            join(a, b)
        for i in (left, right):
            if id18[i] is None and (best[i]["weight"] is None or weight[k] > best[i]["weight"]):
                best[i] = {"rule": "splink", "weight": weight[k], "evidence": evidence(k)}
    return [root(i) for i in range(features.num_rows)], best, review


def _between_clusters(features: pa.Table, pairs: pa.Table) -> pa.Table:
    """``pairs`` without those of two records with one checked ID number: one cluster from the start, a pair of them
    changes nothing (the best link is kept for records without a checked number). The person model leaves them
    unscored (``person_model.ANOTHER_ID_NUMBER``); the city's pairs may hold them."""
    if pairs.num_rows == 0:
        return pairs
    id18 = features.column("id18")
    same = pc.equal(pc.take(id18, pairs.column("record_id_l")), pc.take(id18, pairs.column("record_id_r")))
    return pairs.filter(pc.invert(pc.fill_null(same, False)))


def resolve_people(con: duckdb.DuckDBPyConnection, subdistrict: str | None = None) -> dict[str, int]:
    """Rebuild core.person_records (subjects), core.person_counterparts (the other parties and reporters, by
    ``party``), core.people and quality.person_review with ids kept from the last run, new ones minted for
    ``subdistrict`` (default: the warehouse's own); returns counts. When the records, the reviewers' decisions and
    the code are as the latest linking left them (core.identity_basis), the tables stand and ``linked_again`` is 0."""
    from resolution.identity.person_ids import assign_person_ids

    stage_records(con)
    con.execute(DECISIONS_SQL)  # digested as it will stand after linking, an empty table from the first run on
    basis = linking_basis(con, _linked_records_sql(con), "person_decisions")
    why = why_link_again(con, "person", basis, OUTPUTS)
    if why is None:  # nothing new for people: linking again would give the tables they have
        record_basis(con, "person", basis, why)
        return {**_counts(con), "minted": 0, "merges": 0, "splits": 0, "linked_again": 0}
    features = _features(con)
    pairs = score_pairs(features)
    decisions = decisions_by_record(con, "_person_numbered")
    roots, best, review = cluster(features, pairs, decisions)
    roots, named, held = join_names_at_houses(features, roots, _bare(con), decisions)
    for i in named:
        best[i] = {"rule": NAME_AT_HOUSE, "weight": None, "evidence": NAME_AT_HOUSE_EVIDENCE}
    review.extend(held)
    first = {}
    for i, r in enumerate(roots):
        first.setdefault(r, i)  # a cluster is named by its first record, so fresh runs number alike
    problems = features.column("id_problem").to_pylist()
    evidence = [
        b["evidence"] + (f"; ID number rejected: {p}" if p else "") for b, p in zip(best, problems, strict=False)
    ]
    con.register(
        "_links",
        pa.table(
            {
                "record_id": features.column("record_id"),
                "cluster": pa.array([first[r] for r in roots], pa.int64()),
                "match_rule": [b["rule"] for b in best],
                "match_weight": pa.array([b["weight"] for b in best], pa.float64()),
                "evidence": evidence,
                **{c: features.column(c) for c in _PERSON_FACTS},
            }
        ),
    )
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _person_links AS
        SELECT r.* EXCLUDE (name, id_number, phone, sex, birth_date, house_id), l.*
        FROM _person_numbered r JOIN _links l USING (record_id)""")
    con.unregister("_links")
    changes = assign_person_ids(con, subdistrict)
    provenance = "_record_id AS record_id, _source, _delivery_id, _row_number, _sheet"
    resolved = "person_id, match_rule, match_weight, evidence"
    for table, parties, party in (
        ("person_records", ["subject"], ""),
        ("person_counterparts", list(OTHER_PARTIES), "party, "),
    ):
        con.execute(
            f"""CREATE OR REPLACE TABLE core.{table} AS SELECT {provenance}, {party}{resolved}
                FROM _person_links JOIN _person_ids USING (cluster) WHERE list_contains(?, party)
                ORDER BY _source, _delivery_id, _sheet NULLS FIRST, _row_number, party""",
            [parties],
        )
    _write_people(con)
    _write_review(con, review)
    record_basis(con, "person", basis, why)  # once the tables stand on it
    return {**_counts(con), **changes, "linked_again": 1}


OUTPUTS = ("core.person_records", "core.person_counterparts", "core.people", "quality.person_review")


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t.split(".")[1]: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in OUTPUTS}


_PERSON_FACTS = ["name", "sex", "birth_date", "id18", "phone", "house_id", "cross_check"]


def _write_people(con: duckdb.DuckDBPyConnection) -> None:
    """One row per person: the ID number, and the most written name, sex, birth date, phone and house."""
    con.execute("""
        CREATE OR REPLACE TABLE core.people AS
        SELECT i.person_id, mode(l.name ORDER BY l.name) AS name, mode(l.sex ORDER BY l.sex) AS sex,
               coalesce(mode(l.birth_date ORDER BY l.birth_date) FILTER (WHERE l.id18 IS NOT NULL),
                        mode(l.birth_date ORDER BY l.birth_date)) AS birth_date,
               -- ordered: a tie goes to the same value on every run, not to whichever thread came first
               mode(l.id18 ORDER BY l.id18) AS id_number, mode(l.phone ORDER BY l.phone) AS phone,
               mode(l.house_id ORDER BY l.house_id) FILTER (WHERE l.party = 'subject') AS house_id,
               list(DISTINCT l._source ORDER BY l._source) AS sources, count(*) AS records
        FROM _person_links l JOIN _person_ids i USING (cluster)
        GROUP BY i.person_id ORDER BY i.person_id""")


def _write_review(con: duckdb.DuckDBPyConnection, review: list[tuple]) -> None:
    """Pairs held apart (two ID numbers, or too doubtful to join) and ledgers their ID number contradicts.

    The queue is stable: one pair per two persons, the one it showed before while both records are still
    there, the persons still apart and no reviewer has decided it (a later delivery shifts the model's
    weights a little, and must not move or drop a pair a reviewer may be looking at); else the strongest,
    ties broken by the records' keys (provenance, never positions)."""
    left, right, reason, weight, evidence = (
        (list(c) for c in zip(*review, strict=False)) if review else ([], [], [], [], [])
    )
    con.register(
        "_pairs",
        pa.table(
            {
                "record_id": pa.array(left, pa.int64()),
                "other_record_id": pa.array(right, pa.int64()),
                "reason": pa.array(reason, pa.string()),
                "match_weight": pa.array(weight, pa.float64()),
                "evidence": pa.array(evidence, pa.string()),
            }
        ),
    )
    con.execute(DECISIONS_SQL)
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    previous = (
        "SELECT NULL::VARCHAR AS record_key, NULL::VARCHAR AS other_record_key, NULL::VARCHAR AS reason, "
        "NULL::DOUBLE AS match_weight, NULL::VARCHAR AS evidence LIMIT 0"
    )
    if catalogue.table_exists(con, "quality", "person_review"):
        previous = (
            "SELECT record_key, other_record_key, reason, match_weight, evidence FROM quality.person_review "
            "WHERE other_record_key IS NOT NULL"
        )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _previous_review AS {previous}")
    con.execute(f"""
        CREATE OR REPLACE TABLE quality.person_review AS
        WITH record AS (SELECT l.*, i.person_id, {RECORD_KEY_SQL} AS record_key
                        FROM _person_links l JOIN _person_ids i USING (cluster)),
        fresh AS (SELECT p.reason, p.match_weight, p.evidence, a.record_key, b.record_key AS other_record_key, false AS carried
                  FROM _pairs p JOIN record a ON a.record_id = p.record_id JOIN record b ON b.record_id = p.other_record_id),
        carried AS (SELECT v.reason, v.match_weight, v.evidence, v.record_key, v.other_record_key, true AS carried
                    FROM _previous_review v
                    WHERE NOT EXISTS (SELECT 1 FROM core.person_decisions d
                                      WHERE d.record_key = least(v.record_key, v.other_record_key)
                                        AND d.other_record_key = greatest(v.record_key, v.other_record_key))),
        pairs AS (SELECT * FROM fresh UNION ALL SELECT * FROM carried)
        SELECT p.reason, a.person_id, b.person_id AS other_person_id, p.match_weight, p.evidence,
               a.record_key, b.record_key AS other_record_key,
               a._source, a._row_number, a.name, b._source AS other_source, b._row_number AS other_row_number,
               b.name AS other_name
        FROM pairs p JOIN record a ON a.record_key = p.record_key JOIN record b ON b.record_key = p.other_record_key
        WHERE a.person_id <> b.person_id
        QUALIFY row_number() OVER (
            PARTITION BY least(a.person_id, b.person_id), greatest(a.person_id, b.person_id)
            ORDER BY (p.record_key, p.other_record_key) IN (SELECT (record_key, other_record_key) FROM _previous_review) DESC,
                     p.carried, p.match_weight DESC NULLS LAST, p.record_key, p.other_record_key) = 1
        UNION ALL
        SELECT 'ledger contradicts its ID number', person_id, NULL, NULL, cross_check, record_key, NULL,
               _source, _row_number, name,
               NULL, NULL, NULL
        FROM record WHERE cross_check IS NOT NULL
        ORDER BY reason, person_id, other_person_id NULLS FIRST, record_key""")
    con.unregister("_pairs")
    con.execute("DROP TABLE _previous_review")
