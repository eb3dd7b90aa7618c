"""A tag input table whose inputs are as at its last build is left as it is (meta.tag_inputs_basis), and every
tag input table then equals one built whole."""

from datetime import date

import duckdb

from connectors.spec import load_registry
from warehouse import tag_inputs
from warehouse.tag_inputs import build_tag_inputs

TABLES = ("person_records", "link_records", "business_records", "event_records", "house_records", "residents")
DAY = date(2026, 11, 1)


def _build(path, day: date = DAY) -> list[str]:
    """Build the tag inputs on ``path``; the tables written."""
    written, replace = [], tag_inputs.replace_changed

    def replace_changed(con, table, *args):
        written.append(table.removeprefix("tags."))
        return replace(con, table, *args)

    tag_inputs.replace_changed = replace_changed
    try:
        with duckdb.connect(str(path)) as con:
            build_tag_inputs(con, load_registry(), day)
    finally:
        tag_inputs.replace_changed = replace
    return written


def _assert_same(path, whole) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(f"ATTACH '{whole}' AS whole (READ_ONLY)")
        for table in TABLES:
            kept, built = f"tags.{table}", f"whole.tags.{table}"
            for one, other in ((kept, built), (built, kept)):
                assert con.execute(f"SELECT count(*) FROM (FROM {one} EXCEPT ALL FROM {other})").fetchone()[0] == 0
            count = "SELECT count(*) FROM {}"
            assert con.execute(count.format(kept)).fetchone() == con.execute(count.format(built)).fetchone()


def _whole(path, day: date = DAY):
    """A copy of ``path`` with its tag inputs built whole."""
    whole = path.with_name("whole.duckdb")
    whole.write_bytes(path.read_bytes())
    with duckdb.connect(str(whole)) as con:
        for table in TABLES:
            con.execute(f"DROP TABLE IF EXISTS tags.{table}")
        con.execute(f"DROP TABLE IF EXISTS {tag_inputs.BASIS}")
    assert _build(whole, day) == list(TABLES)
    return whole


def test_only_the_kinds_whose_inputs_changed_are_built_and_all_equal_a_whole_build(warehouse_copy):
    _build(warehouse_copy)
    assert _build(warehouse_copy) == []  # nothing new: nothing read again
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("DELETE FROM core.event_rows WHERE hash(record_id) % 5 = 0")
    assert _build(warehouse_copy) == ["event_records"]
    _assert_same(warehouse_copy, _whole(warehouse_copy))
    # a delivery of an event source comes or goes: its rows' currency changes, the other kinds' does not
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute(
            "DELETE FROM meta.deliveries WHERE delivery_id = "
            "(SELECT min(delivery_id) FROM core.event_rows WHERE source = 'grid_patrols')"
        )
    assert _build(warehouse_copy) == ["event_records"]
    _assert_same(warehouse_copy, _whole(warehouse_copy))
    # a person's identity changes: every kind keyed on people is built again, and residents
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("DELETE FROM core.person_records WHERE hash(record_id) % 7 = 0")
    assert _build(warehouse_copy) == ["person_records", "link_records", "event_records", "residents"]
    _assert_same(warehouse_copy, _whole(warehouse_copy))
    # a table changed since its build is built again; a new run day builds every kind again
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("DELETE FROM tags.house_records WHERE hash(record_id) % 3 = 0")
    assert _build(warehouse_copy) == ["house_records"]
    assert _build(warehouse_copy, date(2026, 12, 1)) == list(TABLES)
    _assert_same(warehouse_copy, _whole(warehouse_copy, date(2026, 12, 1)))
