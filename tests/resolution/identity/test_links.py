"""core.links from resolved records: kinds, validity dates and sources, with and without people."""

from datetime import date

import duckdb
import pytest

from resolution.identity.links import build_links
from tests.resolution.identity.test_attribution import _differ
from warehouse.raw import record_id_sql

PROVENANCE = "_source VARCHAR, _delivery_id VARCHAR, _row_number BIGINT, _sheet VARCHAR"
RESOLVED = f"{PROVENANCE}, record_id VARCHAR GENERATED ALWAYS AS ({record_id_sql()})"  # an identity table's
# a record backbone table (core.<kind>_rows): the record with its house
ROWS = (
    "source VARCHAR, delivery_id VARCHAR, row_number BIGINT, sheet VARCHAR, valid_from DATE, valid_to DATE, "
    "house_id VARCHAR, match_level VARCHAR, "
    f"record_id VARCHAR GENERATED ALWAYS AS ({record_id_sql('delivery_id', 'sheet', 'row_number')})"
)


@pytest.fixture
def con(tmp_path):
    """A small warehouse: one business at H1 seen twice, one work order about it, two leases of one tenant."""
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as connection:
        connection.execute(f"""
            CREATE SCHEMA core; CREATE SCHEMA meta;
            CREATE TABLE meta.deliveries (delivery_id VARCHAR, source VARCHAR, file_name VARCHAR, loaded_at TIMESTAMP,
                                          observed_on DATE);
            INSERT INTO meta.deliveries VALUES ('r:1', 'rental_registration', '房屋租赁登记_2025.xlsx', '2026-11-01', '2026-11-01'),
                                               ('r:2', 'rental_registration', '房屋租赁登记_2026.xlsx', '2026-11-01', '2026-11-01');
            CREATE TABLE core.business_records ({RESOLVED}, business_id VARCHAR, house_id VARCHAR, valid_from DATE);
            INSERT INTO core.business_records VALUES
                ('market_entities', 'm:1', 1, NULL, 'B1', 'H1', DATE '2019-03-01'),
                ('food_licences', 'f:1', 7, NULL, 'B1', 'H1', DATE '2021-05-01');
            CREATE TABLE core.event_attributions ({RESOLVED}, event_id VARCHAR, house_id VARCHAR, business_id VARCHAR,
                                                  occurred_at TIMESTAMP, closed_at TIMESTAMP);
            INSERT INTO core.event_attributions VALUES
                ('hotline_12345', 'h:1', 2, '工单明细', 'hotline_12345:1', 'H1', 'B1', '2026-05-01 09:00', '2026-05-03 10:00');
            CREATE TABLE core.link_rows ({ROWS});
            INSERT INTO core.link_rows VALUES
                ('rental_registration', 'r:1', 2, '2025-01', DATE '2025-01-01', DATE '2025-12-31', 'H2', 'room'),
                ('rental_registration', 'r:2', 2, '2026-01', DATE '2026-01-01', DATE '2026-12-31', 'H2', 'room');
            CREATE TABLE core.person_rows ({ROWS});
        """)
        yield connection


def test_business_and_event_links_carry_dates_and_sources(con):
    assert build_links(con) == {"event_business": 1, "event_house": 1, "premises": 1}
    premises = con.execute(
        "SELECT business_id, house_id, valid_from, sources, records FROM core.links WHERE link_kind = 'premises'"
    ).fetchone()
    assert premises == ("B1", "H1", date(2019, 3, 1), ["food_licences", "market_entities"], 2)
    about = con.execute(
        "SELECT event_id, business_id, house_id, valid_from::VARCHAR, valid_to::VARCHAR FROM core.links "
        "WHERE link_kind = 'event_business'"
    ).fetchone()
    assert about == ("hotline_12345:1", "B1", "H1", "2026-05-01", "2026-05-03")


def test_a_tenant_with_two_leases_is_one_link_spanning_both(con):
    con.execute(f"""CREATE TABLE core.person_records ({RESOLVED}, person_id VARCHAR);
                    INSERT INTO core.person_records VALUES ('rental_registration', 'r:1', 2, '2025-01', 'P1'),
                                                           ('rental_registration', 'r:2', 2, '2026-01', 'P1')""")
    assert build_links(con)["tenant"] == 1
    tenant = con.execute(
        "SELECT person_id, house_id, valid_from::VARCHAR, valid_to::VARCHAR, sources, records "
        "FROM core.links WHERE link_kind = 'tenant'"
    ).fetchone()
    assert tenant == ("P1", "H2", "2025-01-01", "2026-12-31", ["rental_registration"], 2)


def test_a_mover_lives_at_the_old_house_until_the_day_before_the_move(con):
    """In the May snapshot P2 lives at H3; in the November one at H4, registered there 2025-08-10: living at H3
    ends 2025-08-09, at H4 it holds; P3, at H3 in May only (moved away, no new address known), ends the day
    before the first snapshot without them."""
    con.execute(f"""
        INSERT INTO core.person_rows VALUES ('actual_residents', 'a:5', 2, NULL, DATE '2010-03-01', NULL, 'H3', 'room'),
            ('actual_residents', 'a:5', 3, NULL, DATE '2012-01-01', NULL, 'H3', 'room'),
            ('actual_residents', 'a:11', 2, NULL, DATE '2025-08-10', NULL, 'H4', 'door');
        INSERT INTO meta.deliveries VALUES ('a:5', 'actual_residents', '实有人口_202505.csv', '2026-11-01 08:00', '2025-05-01'),
                                           ('a:11', 'actual_residents', '实有人口_202511.csv', '2026-11-01 08:01', '2025-11-01');
        CREATE TABLE core.person_records ({RESOLVED}, person_id VARCHAR);
        INSERT INTO core.person_records VALUES ('actual_residents', 'a:5', 2, NULL, 'P2'),
            ('actual_residents', 'a:5', 3, NULL, 'P3'), ('actual_residents', 'a:11', 2, NULL, 'P2')""")
    assert build_links(con)["living"] == 3
    living = con.execute(
        "SELECT person_id, house_id, valid_from::VARCHAR, valid_to::VARCHAR FROM core.links "
        "WHERE link_kind = 'living' ORDER BY person_id, house_id"
    ).fetchall()
    assert living == [
        ("P2", "H3", "2010-03-01", "2025-08-09"),
        ("P2", "H4", "2025-08-10", None),
        ("P3", "H3", "2012-01-01", "2025-10-31"),
    ]
    on = (
        "SELECT person_id FROM core.links WHERE link_kind = 'living' AND house_id = ? AND valid_from <= ? "
        "AND (valid_to IS NULL OR valid_to >= ?) ORDER BY 1"
    )
    assert con.execute(on, ["H3", date(2025, 6, 1), date(2025, 6, 1)]).fetchall() == [("P2",), ("P3",)]
    assert con.execute(on, ["H3", date(2025, 9, 1), date(2025, 9, 1)]).fetchall() == [("P3",)]
    assert con.execute(on, ["H4", date(2025, 9, 1), date(2025, 9, 1)]).fetchall() == [("P2",)]


def test_a_late_old_snapshot_fills_history_and_one_after_the_run_day_waits(con):
    """May and November 2025 snapshots, then a late August one (P2 still at H3, P4 there only) and one describing
    2026-12 (P2 at H5): P2's move stays 2025-08-10 and H4 holds; P4 lived at H3 until the day before November's;
    the December snapshot is not history yet on the run day 2026-11-01, and is on 2026-12-01."""
    con.execute(f"""
        INSERT INTO core.person_rows VALUES ('actual_residents', 'a:5', 2, NULL, DATE '2010-03-01', NULL, 'H3', 'room'),
            ('actual_residents', 'a:11', 2, NULL, DATE '2025-08-10', NULL, 'H4', 'room'),
            ('actual_residents', 'a:8', 2, NULL, DATE '2010-03-01', NULL, 'H3', 'room'),
            ('actual_residents', 'a:8', 3, NULL, DATE '2020-01-01', NULL, 'H3', 'room'),
            ('actual_residents', 'a:12', 2, NULL, DATE '2026-11-20', NULL, 'H5', 'room');
        INSERT INTO meta.deliveries VALUES ('a:5', 'actual_residents', '实有人口_202505.csv', '2026-11-01 08:00', '2025-05-01'),
            ('a:11', 'actual_residents', '实有人口_202511.csv', '2026-11-01 08:01', '2025-11-01'),
            ('a:8', 'actual_residents', '实有人口_202508.csv', '2026-11-01 08:02', '2025-08-01'),
            ('a:12', 'actual_residents', '实有人口_202612.csv', '2026-11-01 08:03', '2026-12-01');
        CREATE TABLE core.person_records ({RESOLVED}, person_id VARCHAR);
        INSERT INTO core.person_records VALUES ('actual_residents', 'a:5', 2, NULL, 'P2'), ('actual_residents', 'a:11', 2, NULL, 'P2'),
            ('actual_residents', 'a:8', 2, NULL, 'P2'), ('actual_residents', 'a:8', 3, NULL, 'P4'),
            ('actual_residents', 'a:12', 2, NULL, 'P2')""")
    living = (
        "SELECT person_id, house_id, valid_from::VARCHAR, valid_to::VARCHAR FROM core.links "
        "WHERE link_kind = 'living' ORDER BY person_id, house_id"
    )
    build_links(con, as_of=date(2026, 11, 1))
    assert con.execute(living).fetchall() == [
        ("P2", "H3", "2010-03-01", "2025-08-09"),
        ("P2", "H4", "2025-08-10", None),
        ("P4", "H3", "2020-01-01", "2025-10-31"),
    ]
    build_links(con, as_of=date(2026, 12, 1))
    assert con.execute(living).fetchall()[1:3] == [
        ("P2", "H4", "2025-08-10", "2026-11-19"),
        ("P2", "H5", "2026-11-20", None),
    ]


def test_links_updated_by_rows_equal_links_built_whole(warehouse_copy):
    """Events gone, moved to another house or business, a person's records gone and one more day of history: the
    links a run updates (only the differing rows; the person ties again only when what they are made of changed)
    are those built whole."""
    with duckdb.connect(str(warehouse_copy)) as con:
        build_links(con)
        con.execute("DELETE FROM core.event_attributions WHERE hash(record_id) % 10 = 0")
        con.execute("UPDATE core.event_attributions SET house_id = NULL WHERE hash(record_id) % 10 = 1")
        con.execute("UPDATE core.event_attributions SET business_id = NULL WHERE hash(record_id) % 10 = 2")
        con.execute("DELETE FROM core.business_records WHERE hash(record_id) % 10 = 3")
        build_links(con)  # the person ties kept: nothing they read changed
        kept = con.execute("SELECT count(*) FROM meta.links_basis").fetchone()[0]
        con.execute("CREATE TABLE main.updated AS FROM core.links")
        con.execute("DROP TABLE core.links")
        build_links(con)
        assert kept == 1 and _differ(con, "main.updated", "core.links") == 0
        con.execute("DELETE FROM core.person_records WHERE hash(record_id) % 10 = 4")
        build_links(con, as_of=date(2026, 12, 1))
        con.execute("CREATE OR REPLACE TABLE main.updated AS FROM core.links")
        con.execute("DROP TABLE core.links")
        build_links(con, as_of=date(2026, 12, 1))
        assert _differ(con, "main.updated", "core.links") == 0
