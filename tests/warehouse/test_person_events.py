"""marts.person_profiles counts each event naming a person once, whatever roles they play in it and however many
houses its building-wide rows cover: on a warehouse of a few hand-written rows."""

from datetime import date

import duckdb

from warehouse.marts.person_profile import build_person_profiles

TABLES = {
    "core.people": "person_id VARCHAR, name VARCHAR, sex VARCHAR, birth_date DATE, id_number VARCHAR, phone VARCHAR",
    "core.city_person_ids": "person_id VARCHAR, city_person_id VARCHAR",
    "core.links": "person_id VARCHAR, house_id VARCHAR, link_kind VARCHAR, valid_from DATE, valid_to DATE",
    "core.houses": "house_id VARCHAR, canonical_address VARCHAR, committee_code VARCHAR, committee_name VARCHAR, "
    "grid_code VARCHAR",
    "core.person_records": "record_id VARCHAR, _source VARCHAR, _delivery_id VARCHAR, person_id VARCHAR",
    "core.person_counterparts": "record_id VARCHAR, _source VARCHAR, _delivery_id VARCHAR, person_id VARCHAR, "
    "party VARCHAR",
    "meta.deliveries": "delivery_id VARCHAR, loaded_at TIMESTAMP",
    "tags.residents": "person_id VARCHAR, house_id VARCHAR, residence_reason VARCHAR",
    "tags.person_tags": "person_id VARCHAR, tag_code VARCHAR, valid_to TIMESTAMP",
    "tags.catalogue": "tag_code VARCHAR, name_zh VARCHAR",
    "tags.event_records": "record_id VARCHAR, source VARCHAR, occurred_at TIMESTAMP",
}


def test_each_event_counts_once_in_every_role_the_person_plays():
    con = duckdb.connect()
    for schema in ("core", "meta", "tags"):
        con.execute(f"CREATE SCHEMA {schema}")
    for table, columns in TABLES.items():
        con.execute(f"CREATE TABLE {table} ({columns})")
    con.execute(
        "INSERT INTO core.people VALUES ('p1', '王芳', '女', DATE '1950-03-01', NULL, NULL), ('p2', '李强', NULL, NULL, NULL, NULL)"
    )
    con.execute("INSERT INTO meta.deliveries VALUES ('d1', TIMESTAMP '2026-10-01 08:00')")
    # c1: p1 called 12345 about a leak that the building-wide rows repeat for three houses
    # r1: p1 reported a repair where p2 is the subject; r2: p1 is both the other party and the reporter
    con.execute("""INSERT INTO core.person_records VALUES ('c1', 'hotline_12345', 'd1', 'p1'),
                   ('r1', 'property_repairs', 'd1', 'p2'), ('r2', 'property_repairs', 'd1', 'p2')""")
    con.execute("""INSERT INTO core.person_counterparts VALUES ('r1', 'property_repairs', 'd1', 'p1', 'reporter'),
                   ('r2', 'property_repairs', 'd1', 'p1', 'counterpart'), ('r2', 'property_repairs', 'd1', 'p1', 'reporter')""")
    con.execute("""INSERT INTO tags.event_records VALUES ('c1', 'hotline_12345', TIMESTAMP '2026-09-01 10:00'),
                   ('c1', 'hotline_12345', TIMESTAMP '2026-09-01 10:00'), ('c1', 'hotline_12345', TIMESTAMP '2026-09-01 10:00'),
                   ('r1', 'property_repairs', TIMESTAMP '2026-09-02 10:00'), ('r2', 'property_repairs', TIMESTAMP '2026-09-03 10:00')""")
    build_person_profiles(con, date(2026, 11, 1))
    counts = con.execute("""SELECT person_id, events, complaints, repairs, events_as_counterpart, events_as_reporter,
                                   last_event_at::VARCHAR, records FROM marts.person_profiles ORDER BY person_id""").fetchall()
    assert counts == [
        ("p1", 3, 1, 0, 1, 2, "2026-09-03 10:00:00", 4),  # repairs count the person they are about, not who reported
        ("p2", 2, 0, 2, 0, 0, "2026-09-03 10:00:00", 2),
    ]
