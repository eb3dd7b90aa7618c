"""marts.problem_list, need_list and service_list (问题清单、需求清单、服务清单): one row per house, person or
business holding, now, a tag that schemas/community_lists.yaml puts on the list, with the house it
hangs off (a person's home from tags.residents) and the committee and grid that look after it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from schemas.yaml_text import load_yaml

LISTS_FILE = Path(__file__).resolve().parents[2] / "schemas" / "community_lists.yaml"

HOLDERS = """
    SELECT 'house' AS entity, house_id AS member_id, house_id, NULL AS person_id, NULL AS business_id, NULL AS name,
           tag_code, valid_from FROM tags.house_tags WHERE valid_to IS NULL
    UNION ALL
    SELECT 'person', t.person_id, coalesce(r.house_id, p.house_id), t.person_id, NULL, coalesce(r.name, p.name),
           t.tag_code, t.valid_from
    FROM tags.person_tags t LEFT JOIN tags.residents r USING (person_id)
    LEFT JOIN (SELECT person_id, mode(house_id ORDER BY house_id) AS house_id, mode(name ORDER BY name) AS name FROM tags.person_records
               WHERE house_id IS NOT NULL GROUP BY person_id) p USING (person_id)
    WHERE t.valid_to IS NULL
    UNION ALL
    SELECT 'business', t.business_id, b.house_id, NULL, t.business_id, b.name, t.tag_code, t.valid_from
    FROM tags.business_tags t
    LEFT JOIN (SELECT business_id, mode(house_id ORDER BY house_id) AS house_id,
                      mode(coalesce(shop_name, legal_name) ORDER BY coalesce(shop_name, legal_name)) AS name
               FROM tags.business_records GROUP BY business_id) b USING (business_id)
    WHERE t.valid_to IS NULL
"""


def load_lists() -> dict[str, list[str]]:
    """List name (problem, need, service) -> the tag codes that put a member on it."""
    return load_yaml(LISTS_FILE.read_text(encoding="utf-8"))


def build_lists(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)build marts.<list>_list for every declared list; returns their row counts."""
    lists = load_lists()
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    # the holders of every listed tag, found once: their homes and names cost most, and the lists share them
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE listed_members AS
        SELECT m.entity, m.member_id, m.person_id, m.business_id, m.house_id, m.name, h.canonical_address AS address,
               h.committee_code, h.committee_name, h.grid_code, m.tag_code, c.name_zh AS item,
               c.department, m.valid_from::DATE AS listed_since
        FROM ({HOLDERS}) m JOIN tags.catalogue c USING (tag_code) LEFT JOIN core.houses h USING (house_id)
        WHERE m.tag_code IN (SELECT unnest(?::VARCHAR[]))""",
        [sorted({code for codes in lists.values() for code in codes})],
    )
    counts = {}
    for name, codes in lists.items():
        con.execute(
            f"""CREATE OR REPLACE TABLE marts.{name}_list AS
            SELECT * FROM listed_members WHERE tag_code IN (SELECT unnest(?::VARCHAR[]))
            ORDER BY committee_code, tag_code, member_id""",
            [codes],
        )
        counts[f"{name}_list"] = con.execute(f"SELECT count(*) FROM marts.{name}_list").fetchone()[0]
    con.execute("DROP TABLE listed_members")
    return counts
