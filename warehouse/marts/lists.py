"""marts.problem_list, need_list and service_list (问题清单、需求清单、服务清单): one row per house, person or
business holding, now, a tag that schemas/community_lists.yaml puts on the list, with the house it
hangs off (a person's home from tags.residents) and the committee and grid that look after it.

A member's rows are rebuilt only when what they are made of changed (warehouse/marts/changed_keys.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from schemas.yaml_text import load_yaml
from warehouse.database import quote_literal
from warehouse.marts.changed_keys import Scope, rebuild, write_rows

LISTS_FILE = Path(__file__).resolve().parents[2] / "schemas" / "community_lists.yaml"

# The members {only[column]} keeps (all, or those whose inputs changed) with the tags they hold now.
HOLDERS = """
    SELECT 'house' AS entity, house_id AS member_id, house_id, NULL AS person_id, NULL AS business_id, NULL AS name,
           tag_code, valid_from FROM tags.house_tags WHERE valid_to IS NULL AND {only['house:' || house_id]}
    UNION ALL
    SELECT 'person', t.person_id, coalesce(r.house_id, p.house_id), t.person_id, NULL, coalesce(r.name, p.name),
           t.tag_code, t.valid_from
    FROM tags.person_tags t LEFT JOIN tags.residents r USING (person_id)
    LEFT JOIN (SELECT person_id, mode(house_id ORDER BY house_id) AS house_id, mode(name ORDER BY name) AS name FROM tags.person_records
               WHERE house_id IS NOT NULL AND {only['person:' || person_id]} GROUP BY person_id) p USING (person_id)
    WHERE t.valid_to IS NULL AND {only['person:' || t.person_id]}
    UNION ALL
    SELECT 'business', t.business_id, b.house_id, NULL, t.business_id, b.name, t.tag_code, t.valid_from
    FROM tags.business_tags t
    LEFT JOIN (SELECT business_id, mode(house_id ORDER BY house_id) AS house_id,
                      mode(coalesce(shop_name, legal_name) ORDER BY coalesce(shop_name, legal_name)) AS name
               FROM tags.business_records WHERE {only['business:' || business_id]} GROUP BY business_id) b USING (business_id)
    WHERE t.valid_to IS NULL AND {only['business:' || t.business_id]}
"""
MEMBER = "entity || ':' || member_id"
# Every input row a member's rows read, hashed, for the members holding a listed tag now (one that comes to hold
# one brings a new tag row); the register and the tag catalogue are the basis.
INPUTS_SQL = """
WITH
people AS (SELECT person_id, tag_code, valid_from FROM tags.person_tags WHERE valid_to IS NULL AND tag_code IN ({codes})),
businesses AS (
    SELECT business_id, tag_code, valid_from FROM tags.business_tags WHERE valid_to IS NULL AND tag_code IN ({codes})
)
SELECT 'house:' || house_id AS key, hash(tag_code, valid_from) AS h FROM tags.house_tags
WHERE valid_to IS NULL AND tag_code IN ({codes})
UNION ALL SELECT 'person:' || person_id, hash(tag_code, valid_from) FROM people
UNION ALL SELECT 'business:' || business_id, hash(tag_code, valid_from) FROM businesses
UNION ALL
SELECT 'person:' || person_id, hash('resident', house_id, name) FROM tags.residents
WHERE person_id IN (SELECT person_id FROM people)
UNION ALL
SELECT 'person:' || person_id, hash('record', house_id, name) FROM tags.person_records
WHERE house_id IS NOT NULL AND person_id IN (SELECT person_id FROM people)
UNION ALL
SELECT 'business:' || business_id, hash(house_id, shop_name, legal_name) FROM tags.business_records
WHERE business_id IN (SELECT business_id FROM businesses)
"""


def load_lists() -> dict[str, list[str]]:
    """List name (problem, need, service) -> the tag codes that put a member on it."""
    return load_yaml(LISTS_FILE.read_text(encoding="utf-8"))


def build_lists(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Bring marts.<list>_list up to date for every declared list, rebuilding the members whose inputs changed;
    returns their row counts."""
    lists = load_lists()
    params = {"codes": sorted({code for codes in lists.values() for code in codes})}

    def write(whole: bool) -> None:
        # the holders of every listed tag, found once: their homes and names cost most, and the lists share them
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE listed_members AS
            SELECT m.entity, m.member_id, m.person_id, m.business_id, m.house_id, m.name, h.canonical_address AS address,
                   h.committee_code, h.committee_name, h.grid_code, m.tag_code, c.name_zh AS item,
                   c.department, m.valid_from::DATE AS listed_since
            FROM ({HOLDERS.format(only=Scope(whole))}) m JOIN tags.catalogue c USING (tag_code)
            LEFT JOIN core.houses h USING (house_id)
            WHERE m.tag_code IN (SELECT unnest($codes::VARCHAR[]))""",
            params,
        )
        for name, codes in lists.items():
            rows = "SELECT * FROM listed_members WHERE tag_code IN (SELECT unnest($codes::VARCHAR[]))"
            write_rows(
                con, f"{name}_list", MEMBER, rows, {"codes": codes}, whole, "committee_code, tag_code, member_id"
            )
        con.execute("DROP TABLE listed_members")

    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    inputs = INPUTS_SQL.format(codes=", ".join(map(quote_literal, params["codes"])))
    rebuild(con, "lists", [f"{name}_list" for name in lists], inputs, params, write)
    return {f"{name}_list": con.execute(f"SELECT count(*) FROM marts.{name}_list").fetchone()[0] for name in lists}
