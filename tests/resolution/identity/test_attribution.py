"""Work orders and other events attributed to their house and business: the text reader, and the
whole sample world against truth."""

import os
from pathlib import Path

import duckdb
import pytest

from benchmarks.business_linking import attribution_figures, load_truth
from data_samples.generator.generate import SAMPLES
from resolution.identity.attribution import BusinessIndex, _address_part

SAMPLE_ROOT = Path(os.environ.get("HOUSEKEY_TEST_SAMPLES", SAMPLES))


@pytest.fixture
def warehouse(full_warehouse) -> Path:
    """The sample world run through the whole pipeline (businesses, attributions and links), shared by the session."""
    return full_warehouse


@pytest.fixture
def index() -> BusinessIndex:
    names = [
        ("B1", "上海蓝山餐饮管理有限公司"),
        ("B1", "蓝山咖啡(长乐路店)"),
        ("B2", "上海蓝山餐饮管理有限公司"),
        ("B2", "蓝山咖啡"),
        ("B3", "一叶面馆"),
        ("B4", "木子便利店(雁荡路店)"),
    ]
    houses = {"B1": "H1", "B2": "H2", "B3": "H3", "B4": "H4"}
    doors = {"H1": "长乐路80号", "H2": "进贤路119号", "H3": "嘉善路86号", "H4": "雁荡路39号", "H5": "嘉善路86号"}
    return BusinessIndex(names, houses, doors)


def test_a_shop_named_in_text_is_found_by_sign_and_branch(index):
    found = index.mentioned("市民反映木子便利店(雁荡路店)夜间经营噪音很大，影响休息。", None)
    assert found.business_id == "B4" and found.rule == "named_in_text"
    assert index.mentioned("来电人称蓝山咖啡（长乐路店）油烟直排", None).business_id == "B1"


def test_two_shops_of_one_sign_are_told_apart_by_the_event_house_or_left_alone(index):
    assert index.mentioned("蓝山咖啡门口垃圾乱堆", "H2").business_id == "B2"
    unsure = index.mentioned("蓝山咖啡门口垃圾乱堆", None)
    assert unsure.business_id is None and unsure.rule == "ambiguous"


def test_the_noodle_shop_downstairs_is_the_one_at_the_callers_door(index):
    found = index.mentioned("来电人称楼下面馆油烟很大", "H5")
    assert found.business_id == "B3" and found.rule == "nearby_in_text"
    assert index.mentioned("来电人称楼下面馆油烟很大", "H1") is None


def test_the_address_a_caller_opens_with():
    assert _address_part("绍兴路52弄1号101楼道堆放杂物，存在消防隐患。") == "绍兴路52弄1号101"
    assert _address_part("市民反映嘉善路８０弄3号102室对面疑似群租") == "市民反映嘉善路80弄3号102室"


def test_work_orders_reach_the_true_house_and_business(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        load_truth(con, SAMPLE_ROOT)
        orders = attribution_figures(con, ["hotline_12345"])
        events = attribution_figures(con)
    assert orders["house_accuracy"] >= 0.97
    assert orders["business_accuracy"] >= 0.95 and orders["business_events"] > 50
    assert orders["business_false_rate"] <= 0.02
    assert events["business_accuracy"] >= 0.99 and events["house_accuracy_where_address_names_it"] >= 0.99


def test_attributed_sources_show_complaints_about_one_shop_together(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        top = con.execute(
            "SELECT business_id, events, categories FROM core.attributed_sources "
            "WHERE source = 'hotline_12345' AND business_id IS NOT NULL ORDER BY events DESC LIMIT 1"
        ).fetchone()
        ids = con.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM core.event_attributions WHERE _source = 'hotline_12345'"
        ).fetchone()
    _business_id, events, categories = top
    assert events >= 5 and categories >= 3  # the hotspot: several kinds of complaint, one source
    assert ids[0] == ids[1]


def test_links_hold_businesses_and_events_with_dates(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kinds = dict(con.execute("SELECT link_kind, count(*) FROM core.links GROUP BY 1").fetchall())
        undated = con.execute(
            "SELECT count(*) FROM core.links WHERE link_kind LIKE 'event%' AND valid_from IS NULL "
            "AND 'shopfront_inspections' NOT IN sources"
        ).fetchone()[0]
        people = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'core' AND table_name = 'person_records'"
        ).fetchone()[0]
    assert kinds["premises"] >= 60 and kinds["event_business"] > 4000 and kinds["event_house"] > 10_000
    assert undated < 100
    if people:
        assert kinds.get("registered", 0) > 1000 and kinds.get("tenant", 0) > 100 and kinds.get("owner", 0) > 100


def test_a_work_order_about_another_subdistrict_gets_no_house_and_no_shop_of_ours(warehouse):
    """12345 rows the city dispatched here by mistake (truth: out_of_area), the place in the address column or only
    in the free text: address matching calls each out of area, and none becomes an event, a house or a shop here."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(
            "CREATE TEMP TABLE outside AS SELECT * FROM read_csv(?, all_varchar = true) WHERE names = 'out_of_area'",
            [str(SAMPLE_ROOT / "truth" / "records.csv")],
        )
        rows = con.execute("""
            SELECT m.address, m.match_level, m.match_reason, a.record_id IS NOT NULL
            FROM outside t JOIN core.address_matches m
              ON t.source = m.source AND t.file = m._file_name AND coalesce(t.sheet, '') = coalesce(m._sheet, '')
             AND t.row_number = m._row_number::VARCHAR
            LEFT JOIN core.event_attributions a USING (record_id)
            WHERE t.source = 'hotline_12345'""").fetchall()
    assert len(rows) >= 5
    assert all(level == "out_of_area" and not attributed for _, level, _, attributed in rows), rows
    assert any(address is None and reason.startswith("from the free text") for address, _, reason, _ in rows), rows


def _differ(con: duckdb.DuckDBPyConnection, one: str, other: str) -> int:
    return con.execute(
        f"SELECT (SELECT count(*) FROM (FROM {one} EXCEPT ALL FROM {other})) "
        f"+ (SELECT count(*) FROM (FROM {other} EXCEPT ALL FROM {one}))"
    ).fetchone()[0]


def test_a_run_attributes_only_the_events_whose_inputs_changed_and_equals_attributing_all(warehouse_copy):
    """An event whose row, business index, register and code are as they were keeps its earlier attribution
    (an evidence text written over it stays); a changed or new one is attributed again; the result is what
    attributing every event gives."""
    from connectors.spec import load_registry
    from resolution.identity.attribution import attribute_events

    events = [spec for spec in load_registry().values() if spec.record_kind == "event"]
    with duckdb.connect(str(warehouse_copy)) as con:
        kept, changed = con.execute(
            "SELECT min(record_id), max(record_id) FROM core.event_attributions WHERE _source = 'hotline_12345'"
        ).fetchone()
        con.execute(
            "UPDATE core.event_attributions SET evidence = 'written over' WHERE record_id IN (?, ?)", [kept, changed]
        )
        # a text changed (the event's inputs) and events gone: as a new delivery of the source would change them
        con.execute(
            "UPDATE core.event_rows SET description = '市民反映楼下面馆油烟很大' WHERE record_id = ?", [changed]
        )
        con.execute(
            "DELETE FROM core.event_rows WHERE hash(record_id) % 20 = 3 AND record_id NOT IN (?, ?)", [kept, changed]
        )
        # a column attribution does not read: the row still changes with it
        (recategorised,) = con.execute(
            "SELECT min(record_id) FROM core.event_rows WHERE record_id NOT IN (?, ?)", [kept, changed]
        ).fetchone()
        con.execute("UPDATE core.event_rows SET category = '另一类' WHERE record_id = ?", [recategorised])
        attribute_events(con, events)
        assert con.execute(
            "SELECT category FROM core.event_attributions WHERE record_id = ?", [recategorised]
        ).fetchall() == [("另一类",)]
        evidence = dict(
            con.execute(
                "SELECT record_id, evidence FROM core.event_attributions WHERE record_id IN (?, ?)", [kept, changed]
            ).fetchall()
        )
        assert evidence[kept] == "written over" and evidence[changed] != "written over"
        con.execute("CREATE TABLE incremental AS FROM core.event_attributions WHERE record_id <> ?", [kept])
        con.execute("DROP TABLE core.attribution_inputs")  # no earlier inputs: every event is attributed
        attribute_events(con, events)
        con.execute("CREATE TABLE everything AS FROM core.event_attributions WHERE record_id <> ?", [kept])
        assert _differ(con, "incremental", "everything") == 0
        assert (
            con.execute("SELECT count(*) FROM core.event_attributions").fetchone()[0]
            == con.execute("SELECT count(*) FROM core.event_rows").fetchone()[0]
        )
