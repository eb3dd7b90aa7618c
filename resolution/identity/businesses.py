"""Businesses across sources -> ``core.businesses`` with stable ``business_id``s.

A business record is any staged row that names a business: licences and registers (record kind
``business``) and events that name the shop (``shop_name``, ``credit_code``). Linking is a cascade,
strongest evidence first:

1. a valid unified social credit code (checksum by python-stdnum) is the business: never two
   codes in one business;
2. a record without one joins the business at its house whose legal or sign name agrees
   (``business_names.names_agree``); failing that, the only business at its house (an individual
   business's sign rarely shares anything with its legal name), and the pair goes to review;
3. a record without a house joins the one business whose name and branch, or phone, agree.

Distinct (code, names, phone, house) signatures are linked, not rows: a shop patrolled weekly is
one signature. Ids survive re-runs: a business keeps the id most of its earlier records had;
merges and splits are written to ``core.business_id_history``.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from resolution.address.records import KINDS, records_table
from resolution.identity import business_signatures as signature_table
from resolution.identity.business_decisions import DECISIONS_SQL, business_decisions
from resolution.identity.business_names import branch, brand, names_agree, sign_word
from resolution.identity.business_signatures import LINK, SIGNATURE
from resolution.identity.city_ids import business_prefix, subdistrict_code
from resolution.identity.link_basis import (
    LABELS,
    linked_records,
    linking_basis,
    record_basis,
    records_digest,
    why_link_again,
)
from schemas import record_kind_columns
from schemas.identifiers import valid_credit_code
from warehouse import catalogue

NAME_AGREES = 0.9
_COLUMNS = {
    "credit_code": "VARCHAR",
    "legal_name": "VARCHAR",
    "shop_name": "VARCHAR",
    "phone": "VARCHAR",
    "status": "VARCHAR",
    "valid_from": "DATE",
    "valid_to": "DATE",
}

TABLES_SQL = """
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS core.business_id_history (
    changed_at TIMESTAMPTZ DEFAULT current_timestamp, change VARCHAR, business_id VARCHAR,
    from_business_id VARCHAR, records BIGINT
);
"""


def _stage_records(con: duckdb.DuckDBPyConnection) -> None:
    """``_business_records``: every business-naming record with its house (room or door level only), read from
    the record backbone of each kind with a credit code, legal name or shop name column."""
    parts = []
    for kind in KINDS:
        present = set(record_kind_columns(kind))
        naming = [c for c in ("credit_code", "legal_name", "shop_name") if c in present]
        if not naming:
            continue
        cols = ", ".join(
            f"s.{c}::{type_} AS {c}" if c in present else f"NULL::{type_} AS {c}" for c, type_ in _COLUMNS.items()
        )
        parts.append(f"""
            SELECT s.record_id, s.source AS _source, s.delivery_id AS _delivery_id, s.row_number AS _row_number,
                   s.sheet AS _sheet, {cols}, CASE WHEN s.match_level IN ('room', 'door') THEN s.house_id END AS house_id
            FROM {records_table(kind)} s
            WHERE {" OR ".join(f"s.{c} IS NOT NULL" for c in naming)}""")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _business_records AS "
        + " UNION ALL ".join(parts)
        + " ORDER BY _source, _delivery_id, _sheet, _row_number"
    )


@dataclass
class _Business:
    """A cluster being built: its credit code, the names, phones and houses its records carry."""

    anchor: str
    credit_code: str | None = None
    names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    houses: set[str] = field(default_factory=set)

    def name_score(self, names: list[str]) -> float:
        return max((names_agree(a, b) for a in names for b in self.names), default=0.0)


@dataclass(frozen=True)
class _Link:
    business: _Business
    rule: str
    weight: float
    evidence: str
    doubtful: bool = False


def link_signatures(signatures: list[tuple], decisions: dict[tuple[str, str], str] | None = None) -> list[_Link]:
    """The cascade over distinct (credit_code, legal_name, shop_name, phone, house_id) signatures; a
    reviewer's decision on a name at a house (``same``: its link stands; ``different``: a business of
    its own) replaces the doubt."""
    decisions = decisions or {}
    by_code: dict[str, _Business] = {}
    by_house: dict[str, list[_Business]] = defaultdict(list)
    links: list[_Link | None] = [None] * len(signatures)
    for i, (code, legal, shop, phone, house) in enumerate(signatures):
        if (code := valid_credit_code(code)) is None:
            continue
        business = by_code.get(code)
        if business is None:
            business = by_code[code] = _Business(anchor=f"code:{code}", credit_code=code)
        business.names |= {n for n in (legal, shop) if n}
        business.phones |= {phone} if phone else set()
        if house and house not in business.houses:
            business.houses.add(house)
            by_house[house].append(business)
        links[i] = _Link(business, "credit_code", 1.0, f"credit code {code}")
    houseless = []
    for i, (_code, legal, shop, phone, house) in enumerate(signatures):
        if links[i] is not None:
            continue
        names = [n for n in (legal, shop) if n]
        if house is None:
            houseless.append(i)
            continue
        candidates = by_house[house]
        decision = decisions.get((shop or legal, house))
        if decision == "different":
            anchor = f"decided:{house}:{shop or legal}"
            business = next((b for b in candidates if b.anchor == anchor), None)
            if business is None:
                business = _Business(anchor=anchor, houses={house})
                by_house[house].append(business)
            links[i] = _Link(business, "reviewer", 1.0, "a business of its own, as a reviewer decided")
            business.names |= set(names)
            continue
        scored = sorted(((b.name_score(names), b) for b in candidates), key=lambda sb: -sb[0])
        if scored and scored[0][0] >= NAME_AGREES and (len(scored) == 1 or scored[1][0] < NAME_AGREES):
            score, business = scored[0]
            links[i] = _Link(business, "house_and_name", score, f"same house; name agrees ({score:.2f})")
        elif len(candidates) == 1 and candidates[0].credit_code:
            score, business = scored[0]
            links[i] = _Link(
                business, "house", 0.8, f"the only business at the house; name agrees {score:.2f}", doubtful=score < 0.5
            )
        else:
            anchor = f"house:{house}:{brand(names[0]) if names else ''}"
            business = next((b for b in candidates if b.anchor == anchor), None)
            if business is None:
                business = _Business(anchor=anchor, houses={house})
                by_house[house].append(business)
            links[i] = _Link(
                business, "house_and_name", 0.9, "same house and brand, no credit code", doubtful=len(candidates) > 1
            )
        if decision == "same" and links[i].doubtful:
            links[i] = _Link(
                links[i].business, links[i].rule, links[i].weight, links[i].evidence + "; confirmed by a reviewer"
            )
        links[i].business.names |= set(names)
        links[i].business.phones |= {phone} if phone else set()
    known = [b for bs in by_house.values() for b in bs] + [b for b in by_code.values() if not b.houses]
    for i in houseless:
        code, legal, shop, phone, house = signatures[i]
        links[i] = _link_without_house([n for n in (legal, shop) if n], phone, known)
    return links


def _link_without_house(names: list[str], phone: str | None, known: list[_Business]) -> _Link:
    """A record without a house: the one business whose name and branch agree, or whose phone does."""

    named = _named(names, known)
    if len(named) == 1:
        return _Link(named[0], "name", 0.85, "name and branch agree; no house")
    by_phone = _phoned(phone, known)
    if len(by_phone) == 1:
        return _Link(by_phone[0], "phone", 0.85, "phone agrees; no house")
    anchor = f"name:{brand(names[0]) if names else ''}:{phone or ''}"
    return _Link(
        _Business(anchor=anchor, names=set(names)),
        "alone",
        0.0,
        f"no house; {len(named)} businesses by name, {len(by_phone)} by phone",
        doubtful=bool(named),
    )


def _named(names: list[str], known: list[_Business]) -> list[_Business]:
    """The businesses whose name and branch agree with ``names``."""
    roads = {branch(n) for n in names} - {None}
    return [
        b
        for b in known
        if b.name_score(names) >= NAME_AGREES and (not roads or any(branch(n) in roads for n in b.names))
    ]


def _phoned(phone: str | None, known: list[_Business]) -> list[_Business]:
    """The businesses that gave ``phone``."""
    return [b for b in known if phone and phone in b.phones]


def _minted_id(anchor: str, code: str) -> str:
    """A fresh business's id in subdistrict ``code``, from what makes it unique (its credit code, else house and
    brand): unique in the city (resolution/identity/city_ids.py)."""
    return business_prefix(code) + hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:10].upper()


def _claims(con: duckdb.DuckDBPyConnection) -> dict[str, Counter]:
    """anchor -> earlier business_id -> records of the anchor that had it (in core.business_records)."""
    claims: dict[str, Counter] = defaultdict(Counter)
    if catalogue.table_exists(con, "core", "business_records"):
        votes = con.execute("""
            SELECT l.anchor, r.business_id, count(*) AS records FROM _business_links l JOIN core.business_records r
              USING (record_id)
            GROUP BY ALL ORDER BY ALL""").fetchall()  # ordered: equal claims are ranked the same every run
        for anchor, business_id, records in votes:
            claims[anchor][business_id] += records
    return claims


def _keep_ids(sizes: dict[str, int], claims: dict[str, Counter], code: str) -> tuple[dict[str, str], list[tuple]]:
    """business_id -> anchor for clusters of ``sizes`` records: each keeps the id most of its records had
    before (``claims``); a second cluster claiming the same id is a split and gets a new one (minted for subdistrict
    ``code``); ids a cluster absorbed are merges. Changes are appended to core.business_id_history."""
    taken: dict[str, str] = {}
    history = []
    for anchor in sorted(sizes, key=lambda a: (-sizes[a], a)):
        claimed = claims.get(anchor, Counter())
        ranked = [b for b, _ in claimed.most_common() if b not in taken]
        business_id = ranked[0] if ranked else _minted_id(anchor, code)
        if not ranked and claimed:
            history.append(("split", business_id, claimed.most_common(1)[0][0], sizes[anchor]))
        history += [("merge", business_id, other, claimed[other]) for other in ranked[1:]]
        while business_id in taken:  # a minted id already held (a split from a business with that anchor)
            business_id = _minted_id(business_id + anchor, code)
        taken[business_id] = anchor
    return taken, history


def _write_ids(con: duckdb.DuckDBPyConnection, taken: dict[str, str], history: list[tuple]) -> None:
    """``_business_ids`` (anchor -> business_id) and the id changes appended to core.business_id_history."""
    con.register("_ids", pa.table({"anchor": list(taken.values()), "business_id": list(taken)}, schema=_IDS))
    con.execute("CREATE OR REPLACE TEMP TABLE _business_ids AS SELECT * FROM _ids")
    con.unregister("_ids")
    if history:
        change, business_id, from_id, records = (list(column) for column in zip(*history, strict=False))
        con.register(
            "_history",
            pa.table({"change": change, "business_id": business_id, "from_business_id": from_id, "records": records}),
        )
        con.execute(
            "INSERT INTO core.business_id_history (change, business_id, from_business_id, records) "
            "SELECT * FROM _history"
        )
        con.unregister("_history")


_IDS = pa.schema([("anchor", pa.string()), ("business_id", pa.string())])


def resolve_businesses(con: duckdb.DuckDBPyConnection, subdistrict: str | None = None) -> dict[str, int]:
    """Rebuild core.business_records, core.businesses and quality.business_review, new ids minted for
    ``subdistrict`` (default: the warehouse's own); returns counts. When the records, the reviewers' decisions and
    the code are as the latest linking left them (core.identity_basis), the tables stand as they are; when only new
    records came, they are linked alone if that is provably what linking all gives (business_signatures.py)."""
    con.execute(TABLES_SQL)
    code = subdistrict_code(con, subdistrict)
    _stage_records(con)
    con.execute(DECISIONS_SQL)
    basis = linking_basis(con, "SELECT * FROM _business_records", "business_decisions")
    why = why_link_again(con, "business", basis, OUTPUTS)
    if why is None:  # nothing new for businesses
        record_basis(con, "business", basis, why)
        return _counts(con) | {"signatures_linked": 0}
    linked = _link_new_records(con, code) if why == RECORDS_CHANGED else None
    if linked is None:
        linked = _link_all(con, code)
    record_basis(con, "business", basis, why)  # once the tables stand on it
    return _counts(con) | {"signatures_linked": linked}


def _link_all(con: duckdb.DuckDBPyConnection, code: str) -> int:
    """Link every record: the cascade over all signatures, ids kept, every table written whole; returns the
    signatures linked."""
    counted = con.execute(
        f"SELECT {', '.join(SIGNATURE)}, count(*) FROM _business_records GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    signatures = [row[:5] for row in counted]
    links = link_signatures(signatures, business_decisions(con))
    _register_links(con, {s: _link_row(link) for s, link in zip(signatures, links, strict=True)})
    con.execute(f"CREATE OR REPLACE TEMP TABLE _business_links AS SELECT r.*, {_LINK_COLUMNS} {_RECORDS_JOIN}")
    con.unregister("_links")
    claims = _claims(con)  # before a query: table_exists leaves its result open, and register refuses then
    sizes = dict(con.execute("SELECT anchor, count(*) FROM _business_links GROUP BY 1").fetchall())
    taken, history = _keep_ids(sizes, claims, code)
    _write_ids(con, taken, history)
    con.execute(f"CREATE OR REPLACE TABLE core.business_records AS {_RECORDS_SQL.format(where='')}")
    _write_businesses(con)
    con.execute(f"CREATE OR REPLACE TABLE quality.business_review AS {_REVIEW_SQL}")
    ids = {anchor: business_id for business_id, anchor in taken.items()}
    signature_table.write(
        con,
        {
            s: (*_link_row(link), ids[link.business.anchor], row[5])
            for s, link, row in zip(signatures, links, counted, strict=True)
        },
    )
    return len(signatures)


def _link_row(link: _Link) -> tuple:
    return link.business.anchor, link.rule, link.weight, link.evidence, link.doubtful


def _register_links(
    con: duckdb.DuckDBPyConnection, links: dict[tuple, tuple], changed: set[tuple] = frozenset()
) -> None:
    """``_links``: each signature's (anchor, rule, weight, evidence, doubtful) and whether it ``changed``, to be
    joined to its records."""
    columns = defaultdict(list)
    for signature, link in links.items():
        for name, value in zip(
            (*SIGNATURE, *LINK, "changed"), (*signature, *link[:5], signature in changed), strict=True
        ):
            columns[name].append(value)
    con.register("_links", pa.table(columns, schema=_LINKS) if links else _LINKS.empty_table())


_LINKS = pa.schema([*(signature_table.SCHEMA.field(name) for name in (*SIGNATURE, *LINK)), ("changed", pa.bool_())])


_LINK_COLUMNS = "l.anchor, l.match_rule, l.match_weight, l.evidence, l.doubtful"
_RECORDS_JOIN = "FROM _business_records r JOIN _links l ON " + " AND ".join(
    f"l.{c} IS NOT DISTINCT FROM r.{c}" for c in SIGNATURE
)
_RECORDS_SQL = """
    SELECT l.record_id, l._source, l._delivery_id, l._row_number, l._sheet, i.business_id, l.match_rule,
           l.match_weight, l.evidence, l.legal_name, l.shop_name, l.house_id, l.valid_from, l.valid_to, l.status
    FROM _business_links l JOIN _business_ids i USING (anchor) {where}
    ORDER BY i.business_id, l._source, l._row_number"""
_REVIEW_SQL = """
    SELECT i.business_id, l.match_rule, l.evidence, coalesce(l.shop_name, l.legal_name) AS name, l.house_id,
           b.legal_name, b.sign_name, count(*) AS records, list(DISTINCT l._source ORDER BY l._source) AS sources
    FROM _business_links l JOIN _business_ids i USING (anchor) JOIN core.businesses b USING (business_id)
    WHERE l.doubtful OR (l.credit_code IS NOT NULL AND l.match_rule <> 'credit_code')
    GROUP BY ALL ORDER BY records DESC, name"""


RECORDS_CHANGED = f"{LABELS['records']} changed since the latest linking"


def _link_new_records(con: duckdb.DuckDBPyConnection, code: str) -> int | None:
    """Link only what records new since the latest linking change, when that is provably what linking every
    record gives (business_signatures.py); returns the signatures linked, None (nothing written) when it is not."""
    if not catalogue.table_exists(con, "core", "business_signatures"):
        return None
    stored = signature_table.read(con)
    arrived = {
        row[:5]: row[5]
        for row in con.execute(f"""SELECT {", ".join(SIGNATURE)}, count(*) FROM _business_records
            WHERE record_id NOT IN (SELECT record_id FROM core.business_records) GROUP BY ALL""").fetchall()
    }
    new = {s for s in arrived if s not in stored}
    codes = signature_table.valid_codes(stored, new)
    if any(signature_table.houseless(s, codes[s]) for s in new):
        return None  # it would be compared with every business
    group = _in_order(con, signature_table.reached(codes, new))
    if 2 * len(group) > len(stored) + len(new):
        return None  # most signatures are reached: linking them all costs less than linking them twice
    earlier = "SELECT * FROM _business_records WHERE record_id IN (SELECT record_id FROM core.business_records)"
    linked = linked_records(con, "business")
    if records_digest(con, earlier) != linked or sum(row[6] for row in stored.values()) != linked[0]:
        return None  # a record linked before changed or went, or the signatures are not those of that linking
    decisions = business_decisions(con)
    known = [s for s in group if s in stored]
    before = link_signatures(known, decisions)
    if any(_link_row(link) != stored[s][:5] for s, link in zip(known, before, strict=True)):
        return None  # the earlier linking is not what the cascade gives on the group
    after = dict(zip(group, link_signatures(group, decisions), strict=True))
    if not _houseless_stand(
        [s for s in stored if signature_table.houseless(s, codes[s])], before, list(after.values())
    ):
        return None
    links = {s: row[:5] for s, row in stored.items()} | {s: _link_row(link) for s, link in after.items()}
    records = {s: (stored[s][6] if s in stored else 0) + arrived.get(s, 0) for s in links}
    sizes: Counter = Counter()
    votes: dict[str, Counter] = defaultdict(Counter)
    for s, link in links.items():
        sizes[link[0]] += records[s]
        if s in stored:
            votes[link[0]][stored[s][5]] += stored[s][6]
    claims = {anchor: Counter(dict(sorted(ids.items()))) for anchor, ids in votes.items()}  # as _claims orders
    taken, history = _keep_ids(dict(sizes), claims, code)
    ids = {anchor: business_id for business_id, anchor in taken.items()}
    final = {s: (*link, ids[link[0]], records[s]) for s, link in links.items()}
    changed = {s for s in stored if final[s][:6] != stored[s][:6]}
    affected = {final[s][5] for s in (*changed, *arrived)} | {stored[s][5] for s in changed}
    _write_ids(con, taken, history)
    _update_tables(con, {s: final[s] for s in final if final[s][5] in affected}, changed, affected)
    signature_table.write(con, final)
    return len(group)


def _in_order(con: duckdb.DuckDBPyConnection, signatures: set[tuple]) -> list[tuple]:
    """``signatures`` in the order linking every record takes them (ORDER BY ALL)."""
    columns = {name: [s[i] for s in signatures] for i, name in enumerate(SIGNATURE)}
    con.register("_group", pa.table(columns, schema=pa.schema([signature_table.SCHEMA.field(n) for n in SIGNATURE])))
    ordered = con.execute("SELECT * FROM _group ORDER BY ALL").fetchall()
    con.unregister("_group")
    return ordered


def _houseless_stand(signatures: list[tuple], before: list[_Link], after: list[_Link]) -> bool:
    """Whether each houseless signature's names and phone point at the same businesses of the group before and after
    (the others are as they were): then its link in the cascade's last pass is what it was."""
    if not signatures:
        return True
    known_before = list({link.business.anchor: link.business for link in before}.values())
    known_after = list({link.business.anchor: link.business for link in after}.values())
    for _code, legal, shop, phone, _house in signatures:
        names = [n for n in (legal, shop) if n]
        if {b.anchor for b in _named(names, known_before)} != {b.anchor for b in _named(names, known_after)}:
            return False
        if {b.anchor for b in _phoned(phone, known_before)} != {b.anchor for b in _phoned(phone, known_after)}:
            return False
    return True


def _update_tables(
    con: duckdb.DuckDBPyConnection, touched: dict[tuple, tuple], changed: set[tuple], affected: set[str]
) -> None:
    """The rows of the ``affected`` businesses, from the records of their ``touched`` signatures: a record is written
    again when new or when its signature's link ``changed``."""
    _register_links(con, touched, changed)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _business_links AS
        SELECT r.*, {_LINK_COLUMNS}, l.changed, l.changed OR r.record_id NOT IN (SELECT record_id FROM core.business_records) AS _write
        {_RECORDS_JOIN}""")
    con.unregister("_links")
    con.register(
        "_affected_ids", pa.table({"business_id": sorted(affected)}, schema=pa.schema([("business_id", pa.string())]))
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _affected AS SELECT * FROM _affected_ids")
    con.unregister("_affected_ids")
    con.execute(
        "DELETE FROM core.business_records WHERE record_id IN (SELECT record_id FROM _business_links WHERE changed)"
    )
    con.execute(f"INSERT INTO core.business_records BY NAME {_RECORDS_SQL.format(where='WHERE l._write')}")
    con.execute("DELETE FROM core.businesses WHERE business_id IN (SELECT business_id FROM _affected)")
    _write_businesses(con, whole=False)
    con.execute("DELETE FROM quality.business_review WHERE business_id IN (SELECT business_id FROM _affected)")
    con.execute(f"INSERT INTO quality.business_review BY NAME {_REVIEW_SQL}")


OUTPUTS = ("core.business_records", "core.businesses", "quality.business_review")


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    figures = ("records", "businesses", "review")
    return {
        figure: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for figure, t in zip(figures, OUTPUTS, strict=True)
    }


def _write_businesses(con: duckdb.DuckDBPyConnection, *, whole: bool = True) -> None:
    """One row per business of ``_business_links``: its most-written legal and sign names, its credit code, house
    and trade; the table written ``whole``, else those rows added to it."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _businesses AS
        SELECT i.business_id,
               mode(l.legal_name ORDER BY l.legal_name) AS legal_name,  -- ties: the same value every run
               mode(l.shop_name ORDER BY l.shop_name) AS sign_name,
               mode(l.credit_code ORDER BY l.credit_code) FILTER (WHERE l.match_rule = 'credit_code') AS credit_code,
               mode(l.house_id ORDER BY l.house_id) AS house_id,
               list(DISTINCT l._source ORDER BY l._source) AS sources,
               min(l.valid_from) AS registered_on,
               coalesce(bool_or(l.status LIKE '%注销%' OR l.status LIKE '%吊销%'), false) AS is_deregistered,
               count(*) AS records
        FROM _business_links l JOIN _business_ids i USING (anchor)
        GROUP BY i.business_id""")
    rows = con.execute("SELECT business_id, sign_name, legal_name FROM _businesses").fetchall()
    con.register(
        "_trades",
        pa.table(
            {
                "business_id": [r[0] for r in rows],
                "category": [sign_word(r[1] or "") or sign_word(r[2] or "") for r in rows],
            }
        ),
    )
    con.execute(
        ("CREATE OR REPLACE TABLE core.businesses AS" if whole else "INSERT INTO core.businesses BY NAME")
        + """
        SELECT b.business_id, b.legal_name, b.sign_name, b.credit_code, b.house_id, t.category, b.sources,
               b.registered_on, b.is_deregistered, b.records
        FROM _businesses b JOIN _trades t USING (business_id) ORDER BY b.business_id"""
    )
    con.unregister("_trades")
