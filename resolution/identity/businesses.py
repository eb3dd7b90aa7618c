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
from resolution.identity.business_decisions import DECISIONS_SQL, business_decisions
from resolution.identity.business_names import branch, brand, names_agree, sign_word
from resolution.identity.city_ids import business_prefix, subdistrict_code
from resolution.identity.link_basis import linking_basis, record_basis, why_link_again
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

    def branch_fits(b: _Business) -> bool:
        roads = {branch(n) for n in names} - {None}
        return not roads or any(branch(n) in roads for n in b.names)

    named = [b for b in known if b.name_score(names) >= NAME_AGREES and branch_fits(b)]
    if len(named) == 1:
        return _Link(named[0], "name", 0.85, "name and branch agree; no house")
    by_phone = [b for b in known if phone and phone in b.phones]
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


def _minted_id(anchor: str, code: str) -> str:
    """A fresh business's id in subdistrict ``code``, from what makes it unique (its credit code, else house and
    brand): unique in the city (resolution/identity/city_ids.py)."""
    return business_prefix(code) + hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:10].upper()


def _keep_ids(con: duckdb.DuckDBPyConnection, code: str) -> None:
    """``_business_ids`` (anchor -> business_id): each cluster keeps the id most of its records had
    before; a second cluster claiming the same id is a split and gets a new one (minted for subdistrict
    ``code``); ids a cluster absorbed are merges. Changes are appended to core.business_id_history."""
    had_ids = catalogue.table_exists(con, "core", "business_records")
    votes = (
        con.execute("""
        SELECT l.anchor, r.business_id, count(*) AS records FROM _business_links l JOIN core.business_records r
          USING (record_id)
        GROUP BY ALL""").fetchall()
        if had_ids
        else []
    )
    sizes = dict(con.execute("SELECT anchor, count(*) FROM _business_links GROUP BY 1").fetchall())
    claims: dict[str, Counter] = defaultdict(Counter)
    for anchor, business_id, records in votes:
        claims[anchor][business_id] += records
    taken: dict[str, str] = {}
    history = []
    for anchor in sorted(sizes, key=lambda a: (-sizes[a], a)):
        ranked = [b for b, _ in claims[anchor].most_common() if b not in taken]
        business_id = ranked[0] if ranked else _minted_id(anchor, code)
        if not ranked and claims[anchor]:
            history.append(("split", business_id, claims[anchor].most_common(1)[0][0], sizes[anchor]))
        history += [("merge", business_id, other, claims[anchor][other]) for other in ranked[1:]]
        while business_id in taken:  # a minted id already held (a split from a business with that anchor)
            business_id = _minted_id(business_id + anchor, code)
        taken[business_id] = anchor
    con.register("_ids", pa.table({"anchor": list(taken.values()), "business_id": list(taken)}))
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


def resolve_businesses(con: duckdb.DuckDBPyConnection, subdistrict: str | None = None) -> dict[str, int]:
    """Rebuild core.business_records, core.businesses and quality.business_review, new ids minted for
    ``subdistrict`` (default: the warehouse's own); returns counts. When the records, the reviewers' decisions and
    the code are as the latest linking left them (core.identity_basis), the tables stand as they are."""
    con.execute(TABLES_SQL)
    code = subdistrict_code(con, subdistrict)
    _stage_records(con)
    con.execute(DECISIONS_SQL)
    basis = linking_basis(con, "SELECT * FROM _business_records", "business_decisions")
    why = why_link_again(con, "business", basis, OUTPUTS)
    if why is None:  # nothing new for businesses
        record_basis(con, "business", basis, why)
        return _counts(con)
    signatures = con.execute(
        "SELECT DISTINCT credit_code, legal_name, shop_name, phone, house_id FROM _business_records ORDER BY ALL"
    ).fetchall()
    links = link_signatures(signatures, business_decisions(con))
    con.register(
        "_links",
        pa.table(
            {
                "credit_code": [s[0] for s in signatures],
                "legal_name": [s[1] for s in signatures],
                "shop_name": [s[2] for s in signatures],
                "phone": [s[3] for s in signatures],
                "house_id": [s[4] for s in signatures],
                "anchor": [link.business.anchor for link in links],
                "match_rule": [link.rule for link in links],
                "match_weight": pa.array([link.weight for link in links], pa.float64()),
                "evidence": [link.evidence for link in links],
                "doubtful": [link.doubtful for link in links],
                "candidate_houses": [sorted(link.business.houses) for link in links],
            }
        ),
    )
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _business_links AS
        SELECT r.*, l.anchor, l.match_rule, l.match_weight, l.evidence, l.doubtful
        FROM _business_records r JOIN _links l
          ON l.credit_code IS NOT DISTINCT FROM r.credit_code AND l.legal_name IS NOT DISTINCT FROM r.legal_name
         AND l.shop_name IS NOT DISTINCT FROM r.shop_name AND l.phone IS NOT DISTINCT FROM r.phone
         AND l.house_id IS NOT DISTINCT FROM r.house_id""")
    con.unregister("_links")
    _keep_ids(con, code)
    con.execute("""
        CREATE OR REPLACE TABLE core.business_records AS
        SELECT l.record_id, l._source, l._delivery_id, l._row_number, l._sheet, i.business_id, l.match_rule,
               l.match_weight,
               l.evidence, l.legal_name, l.shop_name, l.house_id, l.valid_from, l.valid_to, l.status
        FROM _business_links l JOIN _business_ids i USING (anchor)
        ORDER BY i.business_id, l._source, l._row_number
    """)
    _write_businesses(con)
    con.execute("""
        CREATE OR REPLACE TABLE quality.business_review AS
        SELECT i.business_id, l.match_rule, l.evidence, coalesce(l.shop_name, l.legal_name) AS name, l.house_id,
               b.legal_name, b.sign_name, count(*) AS records, list(DISTINCT l._source ORDER BY l._source) AS sources
        FROM _business_links l JOIN _business_ids i USING (anchor) JOIN core.businesses b USING (business_id)
        WHERE l.doubtful OR (l.credit_code IS NOT NULL AND l.match_rule <> 'credit_code')
        GROUP BY ALL ORDER BY records DESC, name
    """)
    record_basis(con, "business", basis, why)  # once the tables stand on it
    return _counts(con)


OUTPUTS = ("core.business_records", "core.businesses", "quality.business_review")


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    figures = ("records", "businesses", "review")
    return {
        figure: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for figure, t in zip(figures, OUTPUTS, strict=True)
    }


def _write_businesses(con: duckdb.DuckDBPyConnection) -> None:
    """One row per business: its most-written legal and sign names, its credit code, house and trade."""
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
    con.execute("""
        CREATE OR REPLACE TABLE core.businesses AS
        SELECT b.business_id, b.legal_name, b.sign_name, b.credit_code, b.house_id, t.category, b.sources,
               b.registered_on, b.is_deregistered, b.records
        FROM _businesses b JOIN _trades t USING (business_id) ORDER BY b.business_id""")
    con.unregister("_trades")
