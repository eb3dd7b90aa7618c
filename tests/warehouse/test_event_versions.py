"""A work order pulled twice by a cursor source (open, then closed) is one event in marts.events, its
current version, with both versions kept in marts.event_versions."""

import duckdb

from warehouse.database import create_bookkeeping
from warehouse.marts.events import build_events
from warehouse.raw import record_id_sql


def test_a_changed_event_is_one_current_row_with_its_history():
    con = duckdb.connect()
    create_bookkeeping(con)
    con.execute(f"""
        CREATE SCHEMA core; CREATE SCHEMA tags;
        CREATE TABLE core.houses (house_id VARCHAR, committee_code VARCHAR, committee_name VARCHAR, grid_code VARCHAR);
        INSERT INTO core.houses VALUES ('H1', '310101023001', '一居', 'G1');
        CREATE TABLE core.event_attributions (event_id VARCHAR, _source VARCHAR, _delivery_id VARCHAR, _sheet VARCHAR,
            _row_number BIGINT, category VARCHAR, occurred_at TIMESTAMP, closed_at TIMESTAMP, house_id VARCHAR,
            business_id VARCHAR, house_rule VARCHAR, record_id VARCHAR GENERATED ALWAYS AS ({record_id_sql()}));
        CREATE TABLE tags.event_records (source VARCHAR, delivery_id VARCHAR, sheet VARCHAR, row_number BIGINT,
            event_ref VARCHAR, category VARCHAR, status VARCHAR, result VARCHAR, grid_code VARCHAR,
            occurred_at TIMESTAMP, closed_at TIMESTAMP, is_building_wide BOOLEAN, house_id VARCHAR, business_id VARCHAR,
            record_id VARCHAR GENERATED ALWAYS AS ({record_id_sql("delivery_id", "sheet", "row_number")}));
        INSERT INTO meta.deliveries (delivery_id, source, file_name, status, loaded_at) VALUES
            ('d1', 'property_repairs', 'mariadb:property_repairs', 'loaded', '2026-03-01 02:00:00+00'),
            ('d2', 'property_repairs', 'mariadb:property_repairs', 'loaded', '2026-03-02 02:00:00+00');
        INSERT INTO core.event_attributions VALUES
            ('property_repairs:R1', 'property_repairs', 'd1', NULL, 1, '漏水', '2026-02-28 09:00', NULL, 'H1', NULL, 'address (room)'),
            ('property_repairs:R2', 'property_repairs', 'd1', NULL, 2, '灯坏', '2026-02-28 10:00', NULL, 'H1', NULL, 'address (room)'),
            ('property_repairs:R1', 'property_repairs', 'd2', NULL, 1, '漏水', '2026-02-28 09:00', '2026-03-01 16:00', 'H1', NULL,
             'address (room)');
        INSERT INTO tags.event_records VALUES
            ('property_repairs', 'd1', NULL, 1, 'R1', '漏水', '待处理', NULL, NULL, '2026-02-28 09:00', NULL, false, 'H1', NULL),
            ('property_repairs', 'd1', NULL, 2, 'R2', '灯坏', '待处理', NULL, NULL, '2026-02-28 10:00', NULL, false, 'H1', NULL),
            ('property_repairs', 'd2', NULL, 1, 'R1', '漏水', '已完成', NULL, NULL, '2026-02-28 09:00', '2026-03-01 16:00', false, 'H1', NULL);
    """)
    assert build_events(con) == 2
    assert con.execute(
        "SELECT event_id, status, closed_at IS NOT NULL FROM marts.events ORDER BY event_id"
    ).fetchall() == [("property_repairs:R1", "已完成", True), ("property_repairs:R2", "待处理", False)]
    versions = con.execute(
        "SELECT status, delivery_id, is_current, valid_to::VARCHAR FROM marts.event_versions "
        "WHERE event_id = 'property_repairs:R1' ORDER BY valid_from"
    ).fetchall()
    assert [v[:3] for v in versions] == [("待处理", "d1", False), ("已完成", "d2", True)]
    assert versions[0][3].startswith("2026-03-02") and versions[1][3] is None
