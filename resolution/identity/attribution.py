"""Work orders and other events -> the house and, where one is meant, the business they are about.

``core.event_attributions`` holds one row per staged event. The house is the event's own address
match, or failing a room or door, the address written in its free text ("来电人称雁荡路39号油烟直
排"). The business, strongest evidence first: the event's credit code; its shop-name column (already
linked in ``core.business_records``); a shop named in the free text ("木子便利店(雁荡路店)", "橙子服
饰", "楼下面馆"), resolved among known businesses by branch and house; else the one business at the
event's house. ``core.attributed_sources`` groups each source's events by what they are attributed
to: five unrelated-looking 12345 complaints about one noodle stall are one row with five events.

An event is attributed once: ``core.attribution_inputs`` keeps, per record, a hash of everything its attribution
read (its own columns, the business index, the register and the code). A later run copies the attribution of every
record whose hash is unchanged and attributes only the others, so a delivery costs its own events, not all of them;
the hash covers every column of the event's row, so the rows of those records are kept where they are and only the
others' are deleted and written (the table is written whole when no record is reused).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from connectors.spec import SourceSpec
from resolution.address.batch import match_addresses
from resolution.address.free_text import opening_address
from resolution.address.records import records_table
from resolution.address.register import Register
from resolution.identity.business_names import SIGN_WORDS, branch, brand, normalize_name
from warehouse.catalogue import table_exists
from warehouse.database import quote_literal, transaction
from warehouse.fingerprint import REPO_ROOT, code_digest

_MENTION = re.compile(f"({'|'.join(SIGN_WORDS)})(?:店)?(?:\\(([^()]{{1,12}}?)店\\))?")
_RELATIVE = ("楼下", "隔壁", "对面", "旁边", "楼下的", "隔壁的", "对面的", "门口的")
_LEVELS = {"room": 3, "door": 2}
OUT_OF_AREA = "out of area"  # the house_rule of an event about another subdistrict's place


@dataclass(frozen=True)
class Attribution:
    business_id: str | None
    rule: str
    score: float
    evidence: str


class BusinessIndex:
    """Known businesses by (brand, sign word) and by house, for finding the shop a text names."""

    def __init__(self, names: list[tuple[str, str]], houses: dict[str, str], doors: dict[str, str]):
        self.by_brand: dict[tuple[str, str | None], set[str]] = defaultdict(set)
        self.names: dict[str, set[str]] = defaultdict(set)
        for business_id, name in names:
            text = normalize_name(name)
            word = next((w for w in SIGN_WORDS if re.sub(r"\(.*\)$", "", text).endswith(w)), None)
            self.by_brand[(brand(text), word)].add(business_id)
            self.names[business_id].add(text)
        self.house = houses  # business_id -> house_id
        self.door = doors  # house_id -> the door it is at (road and number)
        self.at_house: dict[str, list[str]] = defaultdict(list)
        for business_id, house_id in houses.items():
            self.at_house[house_id].append(business_id)

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection) -> BusinessIndex:
        names = con.execute("""
            SELECT DISTINCT business_id, name FROM (
                SELECT business_id, shop_name AS name FROM core.business_records
                UNION ALL SELECT business_id, legal_name FROM core.business_records)
            WHERE name IS NOT NULL""").fetchall()
        houses = dict(
            con.execute(
                "SELECT business_id, house_id FROM core.businesses WHERE house_id IS NOT NULL AND NOT is_deregistered"
            ).fetchall()
        )
        doors = dict(
            con.execute(
                "SELECT house_id, road || coalesce(lane_no || '弄', '') || coalesce(door_no || '号', '') "
                "FROM core.houses"
            ).fetchall()
        )
        return cls(names, houses, doors)

    def mentioned(self, text: str, house_id: str | None) -> Attribution | None:
        """The business a free text names, told apart by branch and by the event's house."""
        text = normalize_name(text)
        for m in _MENTION.finditer(text):
            word, branch_road = m.group(1), m.group(2)
            before = text[max(0, m.start() - 6) : m.start()]
            k = next((k for k in range(len(before)) if (before[k:], word) in self.by_brand), None)  # longest brand
            if k is None:
                if before.endswith(_RELATIVE) and house_id:
                    return self._nearby(word, house_id)
                continue
            found, shop = self.by_brand[(before[k:], word)], before[k:] + m.group(0)
            candidates = sorted(found)
            if branch_road and len(candidates) > 1:
                candidates = [
                    b
                    for b in candidates
                    if any(branch(n) == branch_road for n in self.names[b])
                    or self.door.get(self.house.get(b, ""), "").startswith(branch_road)
                ] or candidates
            if len(candidates) > 1 and house_id:
                candidates = [b for b in candidates if self.house.get(b) == house_id] or candidates
            if len(candidates) == 1:
                at_house = self.house.get(candidates[0]) == house_id
                return Attribution(
                    candidates[0],
                    "named_in_text",
                    0.95 if at_house else 0.9,
                    f"text names {shop}" + ("; at the event's house" if at_house else ""),
                )
            return Attribution(None, "ambiguous", 0.0, f"text names {shop}: {len(candidates)} businesses")
        return None

    def _nearby(self, word: str, house_id: str) -> Attribution | None:
        """楼下面馆: the business of that trade at the event's door."""
        door = self.door.get(house_id)
        near = [
            b
            for b, h in self.house.items()
            if self.door.get(h) == door and any(re.sub(r"\(.*\)$", "", n).endswith(word) for n in self.names[b])
        ]
        if len(near) == 1:
            return Attribution(near[0], "nearby_in_text", 0.8, f"text names the {word} near the event's door")
        return None

    def only_at(self, house_id: str | None) -> Attribution | None:
        here = self.at_house.get(house_id or "", [])
        if len(here) == 1:
            return Attribution(here[0], "house", 0.7, "the only business at the event's house")
        return None


def event_id_sql(spec: SourceSpec) -> str:
    """The SQL for an event's id: the source's own key where it has one (hashed when it is several
    columns, which may hold a name), else the row's place in its delivery."""
    keys = [spec.columns[k].to for k in spec.record_key]
    if keys == ["event_ref"]:
        return f"'{spec.name}:' || s.event_ref"
    if keys:
        return f"'{spec.name}:' || md5(concat_ws('|', {', '.join(f's.{k}::VARCHAR' for k in keys)}))[:16]"
    return "s.delivery_id || ':' || coalesce(s.sheet || ':', '') || s.row_number"


def _stage_events(con: duckdb.DuckDBPyConnection, specs: list[SourceSpec]) -> None:
    """``_events``: every event record of these sources (core.event_rows) with its id, text, credit code,
    address match and linked business."""
    event_id = "CASE " + " ".join(f"WHEN s.source = {quote_literal(s.name)} THEN {event_id_sql(s)}" for s in specs)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _events AS
        SELECT s.record_id, s.source AS _source, s.delivery_id AS _delivery_id, s.row_number AS _row_number,
               s.sheet AS _sheet, {event_id + " END" if specs else "NULL::VARCHAR"} AS event_id, s.category,
               s.occurred_at::TIMESTAMP AS occurred_at, s.closed_at::TIMESTAMP AS closed_at, s.credit_code,
               s.description, s.house_id AS address_house, s.match_level, br.business_id AS linked
        FROM {records_table("event")} s LEFT JOIN core.business_records br USING (record_id)
        WHERE list_contains(?::VARCHAR[], s.source)
        ORDER BY s.source, s.delivery_id, s.sheet, s.row_number""",
        [[spec.name for spec in specs]],
    )


def _house_from_text(con: duckdb.DuckDBPyConnection, texts: list[str]) -> dict[str, tuple[str, str]]:
    """The house an address written inside free text names (room or door level only), or (None,
    "out_of_area") when it lies outside the subdistrict: the address its sentence opens with, else the
    whole text, matched as address resolution matches a staged address."""
    if not texts:
        return {}
    register = Register.from_warehouse(con)
    opening = {text: _address_part(text) for text in texts}
    found: dict[str, tuple[str, str]] = {}
    for written in (opening, {text: text for text in texts if opening[text] != text}):
        left = [text for text in written if text not in found]
        for text, match in zip(left, match_addresses([written[text] for text in left], register), strict=True):
            if match.match_level == "out_of_area":
                found[text] = (None, "out_of_area")
            elif match.house_id and match.match_level in _LEVELS and not match.needs_review:
                found[text] = (match.house_id, match.match_level)
    return found


def _address_part(text: str) -> str:
    """The address a caller's sentence opens with ("绍兴路52弄1号101楼道堆放杂物" -> "绍兴路52弄1号101")."""
    return opening_address(normalize_name(text))


_ATTRIBUTED = pa.schema(
    [
        ("record_id", pa.string()),
        ("house_id", pa.string()),
        ("house_rule", pa.string()),
        ("business_id", pa.string()),
        ("attribution_rule", pa.string()),
        ("score", pa.float64()),
        ("evidence", pa.string()),
    ]
)
INPUTS = "core.attribution_inputs"
_CODE = (REPO_ROOT / "resolution", REPO_ROOT / "schemas")  # the address matcher and its gazetteer included


def _context(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of what attributing any event reads besides its own row: the business index (names, houses,
    credit codes), the register (doors, and the houses free text is matched to) and the code."""
    index = con.execute("""
        SELECT (SELECT sum(hash(business_id, name)) FROM (SELECT DISTINCT business_id, name FROM (
                    SELECT business_id, shop_name AS name FROM core.business_records
                    UNION ALL SELECT business_id, legal_name FROM core.business_records) WHERE name IS NOT NULL)),
               (SELECT sum(hash(business_id, house_id, credit_code, is_deregistered)) FROM core.businesses),
               (SELECT sum(hash(*COLUMNS(*))) FROM core.houses)""").fetchone()
    return hashlib.sha256(json.dumps([str(part) for part in index] + [code_digest(_CODE)]).encode()).hexdigest()


def _reuse(con: duckdb.DuckDBPyConnection) -> None:
    """``_reused`` (record_id): the events attributed before whose inputs (``_inputs``) are as they were then."""
    if table_exists(con, "core", "attribution_inputs") and table_exists(con, "core", "event_attributions"):
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _reused AS SELECT a.record_id
            FROM core.event_attributions a JOIN {INPUTS} p USING (record_id) JOIN _inputs i USING (record_id)
            WHERE p.inputs = i.inputs""")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _reused (record_id VARCHAR)")


def _attribute(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> pa.Table:
    """The attribution of each (record_id, credit_code, description, address_house, match_level, linked)."""
    if not rows:
        return _ATTRIBUTED.empty_table()
    out = defaultdict(list)
    index = BusinessIndex.from_warehouse(con)
    by_code = dict(
        con.execute("SELECT credit_code, business_id FROM core.businesses WHERE credit_code IS NOT NULL").fetchall()
    )
    texts = sorted({d for *_, d, house, level, _ in rows if d and (house is None or level not in _LEVELS)})
    from_text = _house_from_text(con, texts)
    for record_id, code, text, house, level, linked in rows:
        house_rule = f"address ({level})" if level in _LEVELS and house else None
        outside = level == "out_of_area"
        if house_rule is None and text in from_text:
            house, text_level = from_text[text]
            house_rule = f"address in text ({text_level})"
            outside = text_level == "out_of_area"
        elif house_rule is None:
            house = None
        found = (
            Attribution(by_code[code], "credit_code", 1.0, f"credit code {code}")
            if code in by_code
            else Attribution(linked, "shop_name", 0.95, "the event's shop name, linked to the business")
            if linked
            else None
        )
        if outside:  # a shop named in a complaint about another subdistrict is not ours
            house, house_rule = None, OUT_OF_AREA
            found = found or Attribution(None, "none", 0.0, "the event's address is out of area")
        found = (
            found
            or (index.mentioned(text, house) if text else None)
            or index.only_at(house)
            or Attribution(None, "none", 0.0, "no business named or at the house")
        )
        if house is None and not outside and found.business_id and found.business_id in index.house:
            house, house_rule = index.house[found.business_id], "the business's house"
        for key, value in zip(
            _ATTRIBUTED.names,
            (record_id, house, house_rule or "none", found.business_id, found.rule, found.score, found.evidence),
            strict=True,
        ):
            out[key].append(value)
    return pa.table(out, schema=_ATTRIBUTED)


def attribute_events(con: duckdb.DuckDBPyConnection, specs: list[SourceSpec]) -> dict[str, int]:
    """Rebuild core.event_attributions and the core.attributed_sources view from the staged rows of
    these event sources (those in the warehouse), attributing only the events whose inputs changed; returns
    counts per attribution rule."""
    _stage_events(con, specs)
    con.execute(
        # every column of the event's row: an event whose inputs are as they were has the row it had
        f"CREATE OR REPLACE TEMP TABLE _inputs AS SELECT record_id, hash({', '.join(_EVENT_COLUMNS)}, "
        "credit_code, description, address_house, match_level, linked, ?::VARCHAR) AS inputs FROM _events",
        [_context(con)],
    )
    _reuse(con)
    rows = con.execute(
        "SELECT record_id, credit_code, description, address_house, match_level, linked FROM _events e "
        "WHERE NOT EXISTS (SELECT 1 FROM _reused r WHERE r.record_id = e.record_id) "
        "ORDER BY _source, _delivery_id, _sheet, _row_number"
    ).fetchall()
    con.register("_attributed", _attribute(con, rows))
    (reused,) = con.execute("SELECT count(*) FROM _reused").fetchone()
    with transaction(con):
        if reused:  # the rows of the events attributed again, or gone, replaced; the others kept as they are
            for table in ("core.event_attributions", INPUTS):
                con.execute(
                    f"DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM _reused r WHERE r.record_id = t.record_id)"
                )
            con.execute(f"INSERT INTO core.event_attributions {_rows('_attributed')}")
            con.execute(
                f"INSERT INTO {INPUTS} SELECT * FROM _inputs WHERE record_id IN (SELECT record_id FROM _attributed)"
            )
        else:
            con.execute(f"CREATE OR REPLACE TABLE core.event_attributions AS {_rows('_attributed')}")
            con.execute(f"CREATE OR REPLACE TABLE {INPUTS} AS SELECT * FROM _inputs")
    con.unregister("_attributed")
    con.execute("DROP TABLE _reused; DROP TABLE _inputs")
    con.execute(ATTRIBUTED_SOURCES_SQL)
    return dict(con.execute("SELECT attribution_rule, count(*) FROM core.event_attributions GROUP BY 1").fetchall())


_EVENT_COLUMNS = (
    "event_id",
    "record_id",
    "_source",
    "_delivery_id",
    "_row_number",
    "_sheet",
    "category",
    "occurred_at",
    "closed_at",
)


def _rows(attributed: str) -> str:
    """core.event_attributions' rows of the events ``attributed`` attributes, in the order they were delivered."""
    return f"""SELECT {", ".join(f"e.{c}" for c in _EVENT_COLUMNS)}, a.house_id, a.house_rule, a.business_id,
               a.attribution_rule, a.score, a.evidence
        FROM _events e JOIN {attributed} a USING (record_id)
        ORDER BY e._source, e._delivery_id, e._sheet, e._row_number"""


ATTRIBUTED_SOURCES_SQL = """
CREATE OR REPLACE VIEW core.attributed_sources AS
-- per source system, what its events point at: the business where one is meant, else the house
SELECT e._source AS source, coalesce(e.business_id, e.house_id) AS attributed_to, e.business_id,
       coalesce(b.house_id, e.house_id) AS house_id, b.sign_name, b.legal_name,
       count(DISTINCT e.event_id) AS events, count(DISTINCT e.category) AS categories,
       list(DISTINCT e.category ORDER BY e.category) AS what, min(e.occurred_at) AS first_at, max(e.occurred_at) AS last_at
FROM core.event_attributions e LEFT JOIN core.businesses b USING (business_id)
WHERE coalesce(e.business_id, e.house_id) IS NOT NULL
GROUP BY ALL
ORDER BY source, events DESC, attributed_to
"""
