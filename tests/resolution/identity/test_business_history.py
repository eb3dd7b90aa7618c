"""core.business_history: periods of what the register said about a business, delivery by delivery."""

from datetime import date

import duckdb

from resolution.identity.business_history import build_business_history
from warehouse.raw import record_id_sql

PROVENANCE = "_source VARCHAR, _delivery_id VARCHAR, _row_number BIGINT, _sheet VARCHAR"
RESOLVED = f"{PROVENANCE}, record_id VARCHAR GENERATED ALWAYS AS ({record_id_sql()})"  # an identity table's


def test_a_renamed_and_moved_business_has_one_period_per_state(tmp_path):
    """Three monthly registers: B1 is 老王面馆 at H1 from 2019-03-01, still so in June, 王记面馆 at H2 in
    November; B2 is listed in May and June, deregistered (注销) in November; B3 drops out after May."""
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        con.execute(f"""
            CREATE SCHEMA core; CREATE SCHEMA meta;
            CREATE TABLE meta.deliveries (delivery_id VARCHAR, source VARCHAR, file_name VARCHAR, loaded_at TIMESTAMP,
                                          observed_on DATE);
            INSERT INTO meta.deliveries VALUES ('m:5', 'market_entities', '市场主体登记_20250501.json', '2026-11-01 08:00', '2025-05-01'),
                ('m:6', 'market_entities', '市场主体登记_20250601.json', '2026-11-01 08:01', '2025-06-01'),
                ('m:11', 'market_entities', '市场主体登记_20251101.json', '2026-11-01 08:02', '2025-11-01');
            CREATE TABLE core.business_rows (record_id VARCHAR, entity_type VARCHAR, category VARCHAR);
            CREATE TABLE core.business_records ({RESOLVED}, business_id VARCHAR, legal_name VARCHAR, shop_name VARCHAR,
                                                house_id VARCHAR, valid_from DATE, status VARCHAR);
            INSERT INTO core.business_records VALUES
                ('market_entities', 'm:5', 1, NULL, 'B1', '老王面馆', NULL, 'H1', DATE '2019-03-01', '存续'),
                ('market_entities', 'm:5', 2, NULL, 'B2', '黄浦区阿三小吃店', NULL, 'H5', DATE '2015-01-01', '存续'),
                ('market_entities', 'm:5', 3, NULL, 'B3', '上海某某贸易有限公司', NULL, 'H6', DATE '2016-01-01', '存续'),
                ('market_entities', 'm:6', 1, NULL, 'B1', '老王面馆', NULL, 'H1', DATE '2019-03-01', '存续'),
                ('market_entities', 'm:6', 2, NULL, 'B2', '黄浦区阿三小吃店', NULL, 'H5', DATE '2015-01-01', '存续'),
                ('market_entities', 'm:11', 1, NULL, 'B1', '王记面馆', NULL, 'H2', DATE '2019-03-01', '存续'),
                ('market_entities', 'm:11', 2, NULL, 'B2', '黄浦区阿三小吃店', NULL, 'H5', DATE '2015-01-01', '注销');
            INSERT INTO core.business_rows SELECT record_id,
                CASE WHEN business_id = 'B2' THEN '个体工商户' ELSE '有限责任公司' END, NULL FROM core.business_records;
        """)
        assert build_business_history(con) == 5
        rows = con.execute("""SELECT business_id, valid_from::VARCHAR, valid_to::VARCHAR, legal_name, house_id,
                                     is_deregistered, len(deliveries)
                              FROM core.business_history ORDER BY business_id, valid_from""").fetchall()
        assert rows == [
            ("B1", "2019-03-01", "2025-10-31", "老王面馆", "H1", False, 2),
            ("B1", "2025-11-01", None, "王记面馆", "H2", False, 1),
            ("B2", "2015-01-01", "2025-10-31", "黄浦区阿三小吃店", "H5", False, 2),
            ("B2", "2025-11-01", None, "黄浦区阿三小吃店", "H5", True, 1),
            ("B3", "2016-01-01", "2025-05-31", "上海某某贸易有限公司", "H6", False, 1),
        ]
        # what the register said on a day: B1's name and premises on 2025-06-15, and on 2025-12-01
        on = """SELECT legal_name, house_id FROM core.business_history WHERE business_id = 'B1'
                AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)"""
        assert con.execute(on, [date(2025, 6, 15)] * 2).fetchall() == [("老王面馆", "H1")]
        assert con.execute(on, [date(2025, 12, 1)] * 2).fetchall() == [("王记面馆", "H2")]
        # a run describing 2025-10-01: November's register is not history yet, B1 is still 老王面馆 at H1
        assert build_business_history(con, as_of=date(2025, 10, 1)) == 3
        assert con.execute(
            "SELECT legal_name, house_id, valid_to FROM core.business_history WHERE business_id = 'B1'"
        ).fetchall() == [("老王面馆", "H1", None)]
