"""A tag whose rule, tables read, run day and code are as at its last evaluation keeps its memberships, and the
history that leaves equals the history of every tag evaluated (meta.tags_basis)."""

from datetime import date, datetime

import duckdb

from connectors.spec import load_registry
from warehouse import tags
from warehouse.tags import evaluate_tags, load_catalogue

TABLES = ("house_tags", "person_tags", "business_tags", "catalogue", "event_records", "person_records", "residents")
DAY = date(2026, 11, 1)


def _evaluate(path, run_id: str, as_of: date = DAY) -> list[str]:
    """Evaluate the catalogue on ``path``; the tags whose rule was run."""
    registry = load_registry()
    evaluated, rule = [], tags._members

    def members(con, tag):
        evaluated.append(tag.code)
        return rule(con, tag)

    tags._members = members
    try:
        with duckdb.connect(str(path)) as con:
            evaluate_tags(
                con, load_catalogue(known_sources=set(registry)), registry, as_of, run_id, datetime(2026, 11, 2)
            )
    finally:
        tags._members = rule
    return evaluated


def _assert_same_tags(path, whole, run_id: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(f"ATTACH '{whole}' AS whole (READ_ONLY)")
        evaluations = "SELECT * EXCLUDE (seconds) FROM {}tags.evaluations WHERE run_id = '" + run_id + "'"
        pairs = [(f"tags.{t}", f"whole.tags.{t}") for t in TABLES]
        pairs.append((f"({evaluations.format('')})", f"({evaluations.format('whole.')})"))
        for kept, built in pairs:
            for one, other in ((kept, built), (built, kept)):
                assert con.execute(f"SELECT count(*) FROM (FROM {one} EXCEPT ALL FROM {other})").fetchone()[0] == 0
            assert (
                con.execute(f"SELECT count(*) FROM {kept}").fetchone()
                == con.execute(f"SELECT count(*) FROM {built}").fetchone()
            )


def test_tags_kept_after_a_change_of_events_equal_every_tag_evaluated(warehouse_copy):
    """Events change: tags over events are evaluated again, the others kept, and every tags table is as when
    all are evaluated; a new run day evaluates every tag again."""
    _evaluate(warehouse_copy, "before")  # the basis of every tag
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("DELETE FROM core.event_rows WHERE hash(record_id) % 5 = 0")
    whole = warehouse_copy.with_name("whole.duckdb")
    whole.write_bytes(warehouse_copy.read_bytes())
    with duckdb.connect(str(whole)) as con:
        con.execute(f"DROP TABLE {tags.BASIS}")
    catalogue = load_catalogue(known_sources=set(load_registry()))
    assert len(_evaluate(whole, "after")) == len(catalogue)
    evaluated = _evaluate(warehouse_copy, "after")
    over_events = {t.code for t in catalogue if "tags.event_records" in t.rule}
    assert over_events <= set(evaluated) and len(evaluated) < len(catalogue)
    _assert_same_tags(warehouse_copy, whole, "after")
    # a month on, windows count back from another day: every tag is evaluated again
    assert len(_evaluate(warehouse_copy, "later", date(2026, 12, 1))) == len(catalogue)
    assert len(_evaluate(whole, "later", date(2026, 12, 1))) == len(catalogue)
    _assert_same_tags(warehouse_copy, whole, "later")


def test_a_rule_reading_what_cannot_be_digested_is_evaluated_every_run():
    con = duckdb.connect()
    assert tags._reads(
        con,
        "WITH x AS (SELECT house_id FROM tags.event_records) SELECT house_id FROM x JOIN core.houses USING (house_id)",
    ) == {"tags.event_records", "core.houses"}
    assert tags._reads(con, "SELECT house_id FROM listed") is None  # not schema-qualified
    assert tags._reads(con, "SELECT house_id FROM read_csv('houses.csv')") is None
    assert tags._reads(con, "SELECT house_id FROM tags.house_records WHERE random() < 0.5") is None
    assert tags._reads(con, "SELECT house_id FROM tags.house_records WHERE seen >= current_date - 30") is None
    assert tags._reads(con, "SELECT FROM WHERE") is None
