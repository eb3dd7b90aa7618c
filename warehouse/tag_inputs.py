"""What tag rules read: every staged record of a kind in one table, with its house and its keys.

tags.person_records, link_records, business_records, event_records and house_records hold every
staged row of that record kind (all sources, canonical columns, NULL where a source has none) plus
``house_id`` and ``match_level`` from core.address_matches and ``is_current`` (the row is in the
latest delivery of a snapshot source, or the source delivers changes). Keys, until identity
resolution provides core.people and core.businesses:

- ``person_id``: the validated 18-digit ID number (15-digit numbers lifted to 18); a row without
  one (masked, missing) takes the ID number of the same name at the same house, where that is unique;
- ``business_id``: the unified social credit code; an event naming none takes the business
  registered at its house.

An event or house record whose address names only a building is repeated for every house of it
(``is_building_wide``): a waste-sorting check of 1号楼 is about all of 1号楼's households.
"""
from __future__ import annotations

from collections.abc import Mapping

import duckdb

ENTITY_KEYS = {"house": "house_id", "person": "person_id", "business": "business_id"}

# The 18th character of a resident ID number (GB 11643): weights of the first 17 digits, mod 11.
_MACROS = """
CREATE OR REPLACE TEMP MACRO id_check(body) AS substr('10X98765432', (list_sum(list_transform(range(17),
    lambda i: CAST(substr(body, i + 1, 1) AS INTEGER) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1])) % 11)::BIGINT + 1, 1);
CREATE OR REPLACE TEMP MACRO id18(n) AS CASE
    WHEN regexp_full_match(n, '[0-9]{17}[0-9X]') AND id_check(substr(n, 1, 17)) = substr(n, 18, 1) THEN n
    WHEN regexp_full_match(n, '[0-9]{15}') THEN substr(n, 1, 6) || '19' || substr(n, 7, 9)
        || id_check(substr(n, 1, 6) || '19' || substr(n, 7, 9))
    END;
"""


def _union(con: duckdb.DuckDBPyConnection, sources: list[str]) -> str:
    """Every staged row of the sources, canonical columns by name, with provenance and currency."""
    staged = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'").fetchall()}
    parts = [f"SELECT * EXCLUDE (_file_hash, _extra) FROM staging.\"{s}\"" for s in sources if s in staged]
    return " UNION ALL BY NAME ".join(parts) if parts else (
        "SELECT NULL::VARCHAR AS _source, NULL::VARCHAR AS _delivery_id, NULL::VARCHAR AS _file_name, "
        "NULL::VARCHAR AS _sheet, NULL::BIGINT AS _row_number WHERE false")


def _matched(kind_sql: str, building_wide: bool) -> str:
    """Rows with their house (and, if building_wide, one row per house of a building-level match)."""
    houses = ("CASE WHEN m.match_level = 'building' THEN m.candidates ELSE [m.house_id] END"
              if building_wide else "[m.house_id]")
    return f"""
        SELECT r.* EXCLUDE (_source, _delivery_id, _file_name, _sheet, _row_number),
               r._source AS source, r._delivery_id AS delivery_id, r._file_name AS file_name, r._sheet AS sheet,
               r._row_number AS row_number, r._delivery_id IN (SELECT delivery_id FROM _current) AS is_current,
               unnest(CASE WHEN len({houses}) = 0 THEN [NULL] ELSE {houses} END) AS house_id,
               coalesce(m.match_level, 'none') AS match_level,
               coalesce(m.match_level = 'building', false) AS is_building_wide
        FROM ({kind_sql}) r
        LEFT JOIN core.address_matches m ON m.source = r._source AND m._delivery_id = r._delivery_id
             AND m._sheet IS NOT DISTINCT FROM r._sheet AND m._row_number = r._row_number"""


def build_tag_inputs(con: duckdb.DuckDBPyConnection, registry: Mapping) -> None:
    """(Re)build the tags.*_records tables from staging and core.address_matches."""
    con.execute("CREATE SCHEMA IF NOT EXISTS tags")
    con.execute(_MACROS)
    snapshots = [name for name, spec in registry.items() if spec.delivery == "snapshot"]
    con.execute("""CREATE OR REPLACE TEMP TABLE _current AS
        SELECT delivery_id FROM meta.deliveries WHERE status = 'loaded' AND source NOT IN (SELECT unnest(?::VARCHAR[]))
        UNION ALL
        SELECT arg_max(delivery_id, loaded_at) FROM meta.deliveries
        WHERE status = 'loaded' AND source IN (SELECT unnest(?::VARCHAR[])) GROUP BY source""", [snapshots, snapshots])
    by_kind = {kind: [n for n, s in registry.items() if s.record_kind == kind]
               for kind in ("person", "link", "business", "event", "house")}
    for kind, sources in by_kind.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE _{kind} AS {_matched(_union(con, sources), kind in ('event', 'house'))}")
    for kind in ("person", "link", "event"):
        if "id_number" not in _columns(con, f"_{kind}"):
            con.execute(f"ALTER TABLE _{kind} ADD COLUMN id_number VARCHAR")
    # Names at houses with a valid ID number: the key of rows that lack one.
    con.execute("""CREATE OR REPLACE TEMP TABLE _known AS
        SELECT name, house_id, any_value(person_id) AS person_id FROM (
            SELECT name, house_id, id18(id_number) AS person_id FROM _person
            UNION ALL SELECT name, house_id, id18(id_number) FROM _link
            UNION ALL SELECT person_name, house_id, id18(id_number) FROM _event WHERE NOT is_building_wide)
        WHERE person_id IS NOT NULL AND house_id IS NOT NULL AND name IS NOT NULL
        GROUP BY ALL HAVING count(DISTINCT person_id) = 1""")
    con.execute("""CREATE OR REPLACE TABLE tags.person_records AS
        SELECT p.* EXCLUDE (birth_date), coalesce(id18(p.id_number), k.person_id) AS person_id,
               coalesce(p.birth_date, try_strptime(substr(coalesce(id18(p.id_number), k.person_id), 7, 8), '%Y%m%d')::DATE)
                   AS birth_date
        FROM _person p LEFT JOIN _known k USING (name, house_id)""")
    con.execute("""CREATE OR REPLACE TABLE tags.link_records AS
        SELECT l.*, coalesce(id18(l.id_number), k.person_id) AS person_id,
               id18(l.counterpart_id_number) AS counterpart_person_id
        FROM _link l LEFT JOIN _known k USING (name, house_id)""")
    con.execute("""CREATE OR REPLACE TABLE tags.business_records AS
        SELECT *, credit_code AS business_id FROM _business""")
    # The business trading at a house: registered and not deregistered, the latest if several.
    con.execute("""CREATE OR REPLACE TEMP TABLE _trading AS
        SELECT house_id, arg_max(business_id, coalesce(valid_from, DATE '1900-01-01')) AS business_id
        FROM tags.business_records
        WHERE house_id IS NOT NULL AND business_id IS NOT NULL AND coalesce(status, '') NOT LIKE '%注销%'
        GROUP BY house_id""")
    con.execute(f"""CREATE OR REPLACE TABLE tags.event_records AS
        SELECT e.*, coalesce(id18(e.id_number), k.person_id) AS person_id,
               {'coalesce(e.credit_code, t.business_id)' if 'credit_code' in _columns(con, '_event') else 't.business_id'}
                   AS business_id
        FROM _event e LEFT JOIN _known k ON k.name = e.person_name AND k.house_id = e.house_id
        LEFT JOIN _trading t ON t.house_id = e.house_id AND NOT e.is_building_wide""")
    con.execute("CREATE OR REPLACE TABLE tags.house_records AS SELECT * FROM _house")
    build_residents(con)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}


RESIDENTS_SOURCE = "actual_residents"


def build_residents(con: duckdb.DuckDBPyConnection) -> None:
    """tags.residents: who lives where now, from the latest 实有人口 snapshot, one row per person."""
    con.execute(f"""CREATE OR REPLACE TABLE tags.residents AS
        SELECT person_id, mode(house_id) AS house_id, any_value(birth_date) AS birth_date, mode(sex) AS sex,
               mode(status) AS residence_reason, any_value(name) AS name
        FROM tags.person_records
        WHERE source = '{RESIDENTS_SOURCE}' AND is_current AND person_id IS NOT NULL AND house_id IS NOT NULL
        GROUP BY person_id""")
