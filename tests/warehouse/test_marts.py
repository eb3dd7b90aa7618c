"""The analyst marts on the sample world, checked against the generator's truth where it knows the answer."""

from pathlib import Path

import duckdb
import pytest
import yaml

from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from warehouse.marts.events import SEVERITY_FILE
from warehouse.marts.lists import load_lists

TRUTH = SAMPLES / "truth"


@pytest.fixture(scope="module")
def con(full_warehouse: Path):
    connection = duckdb.connect(str(full_warehouse), read_only=True)
    for name in ("people", "events", "houses", "businesses"):
        connection.execute(
            f"CREATE TEMP VIEW truth_{name} AS SELECT * FROM read_csv('{TRUTH / name}.csv', all_varchar=true)"
        )
    yield connection
    connection.close()


def test_every_attributed_event_is_in_the_events_mart_once(con):
    events, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) FROM marts.events").fetchone()
    attributed = "SELECT count(*) FROM core.event_attributions WHERE house_rule <> 'out of area'"  # not ours
    assert events == distinct == con.execute(attributed).fetchone()[0]


def test_severity_follows_the_declared_rules(con):
    graded = dict(
        con.execute("""SELECT source || '/' || coalesce(severity, '-'), count(*) FROM marts.events
                                 WHERE source IN ('urban_management_cases', 'hotline_12345') GROUP BY 1""").fetchall()
    )
    truth_complaints = con.execute("SELECT count(*) FROM truth_events WHERE kind = 'complaint'").fetchone()[0]
    assert (
        graded["urban_management_cases/serious"]
        == con.execute("SELECT count(*) FROM truth_events WHERE kind = 'urban_case'").fetchone()[0]
    )
    assert graded["hotline_12345/serious"] + graded["hotline_12345/minor"] == truth_complaints
    verified = con.execute(
        "SELECT count(*) FROM marts.events WHERE source = 'hotline_12345' AND result LIKE '%情况属实%'"
    ).fetchone()[0]
    assert graded["hotline_12345/serious"] == verified > 0
    # a patrol that found nothing is no incident
    assert (
        con.execute("SELECT count(*) FROM marts.events WHERE category = '无异常' AND severity IS NOT NULL").fetchone()[
            0
        ]
        == 0
    )


def test_complaint_pareto_of_the_subdistrict_counts_the_truths_complaints(con):
    pareto = con.execute("""SELECT category, complaints FROM marts.complaint_pareto WHERE scope = 'subdistrict'
                            ORDER BY category_rank""").fetchall()
    truth = con.execute("""SELECT category, count(*) AS n FROM truth_events WHERE kind = 'complaint'
                           GROUP BY category ORDER BY n DESC, category""").fetchall()
    assert pareto == truth


def test_every_pareto_adds_up_and_its_vital_few_reach_eighty_percent(con):
    for (
        scope,
        code,
        shares,
        vital,
    ) in con.execute("""SELECT scope, scope_code, list(cumulative_share ORDER BY category_rank),
                                                            list(is_vital_few ORDER BY category_rank)
                                                     FROM marts.complaint_pareto GROUP BY ALL""").fetchall():
        assert shares[-1] == pytest.approx(1.0), (scope, code)
        last_vital = max(i for i, v in enumerate(vital) if v)
        assert shares[last_vital] >= 0.8 and all(vital[: last_vital + 1]) and not any(vital[last_vital + 1 :]), (
            scope,
            code,
        )
    assert {r[0] for r in con.execute("SELECT DISTINCT scope FROM marts.complaint_pareto").fetchall()} == {
        "subdistrict",
        "committee",
        "grid",
    }


def test_the_most_complained_about_businesses_are_the_truths(con):
    top = con.execute("""SELECT b.credit_code, count(*) AS n FROM marts.events e JOIN core.businesses b USING (business_id)
                         WHERE e.source = 'hotline_12345' GROUP BY ALL ORDER BY n DESC, 1 LIMIT 3""").fetchall()
    truth = con.execute("""SELECT b.credit_code, count(*) AS n FROM truth_events e JOIN truth_businesses b USING (business_id)
                           WHERE e.kind = 'complaint' GROUP BY ALL ORDER BY n DESC, 1 LIMIT 3""").fetchall()
    assert top == truth


def test_hotspots_count_the_events_attributed_to_them(con):
    mismatched = con.execute("""
        SELECT h.target_id FROM marts.hotspots h JOIN (
            SELECT coalesce(business_id, house_id) AS target_id, count(*) FILTER (severity = 'minor') AS minor,
                   count(*) FILTER (severity = 'serious') AS serious
            FROM marts.events WHERE severity IS NOT NULL GROUP BY 1) e USING (target_id)
        WHERE h.minor_events <> e.minor OR h.serious_events <> e.serious OR h.events <> e.minor + e.serious""").fetchall()
    assert mismatched == []
    assert con.execute("SELECT count(*) FROM marts.hotspots WHERE target_kind = 'business'").fetchone()[0] > 0


def test_early_warning_means_minor_events_piling_up_and_no_serious_one_yet(con):
    threshold = yaml.safe_load(SEVERITY_FILE.read_text(encoding="utf-8"))["early_warning"]["minor_events"]
    warned = con.execute("""SELECT count(*), min(minor_last_window), max(serious_last_window) FROM marts.hotspots
                            WHERE is_early_warning""").fetchone()
    assert warned[0] > 0 and warned[1] >= threshold and warned[2] == 0
    missed = con.execute(
        """SELECT count(*) FROM marts.hotspots WHERE NOT is_early_warning
                            AND minor_last_window >= ? AND serious_last_window = 0""",
        [threshold],
    ).fetchone()[0]
    assert missed == 0
    # Heinrich's base: minor events before the first serious one never exceed all minor events
    assert (
        con.execute("SELECT count(*) FROM marts.hotspots WHERE minor_before_first_serious > minor_events").fetchone()[0]
        == 0
    )


def test_committee_statistics_agree_with_the_truth(con):
    stats = con.execute(
        "SELECT committee_code, houses, elderly_living_alone FROM marts.committee_stats ORDER BY 1"
    ).fetchall()
    houses = dict(con.execute("SELECT committee_code, count(*) FROM truth_houses GROUP BY 1").fetchall())
    alone = dict(
        con.execute("""SELECT h.committee_code, count(*) FROM truth_people p JOIN truth_houses h
                                ON h.house_id = p.home_house_id WHERE p.flags LIKE '%elderly_alone%' GROUP BY 1""").fetchall()
    )
    assert [(code, n) for code, n, _ in stats] == sorted(houses.items())
    assert {code: n for code, _, n in stats if n} == alone
    residents = con.execute("SELECT sum(residents) FROM marts.committee_stats").fetchone()[0]
    assert residents == con.execute("SELECT sum(residents) FROM marts.grid_stats").fetchone()[0] > 0


def test_the_lists_hold_what_their_tags_hold_now(con):
    for name, codes in load_lists().items():
        listed = dict(con.execute(f"SELECT tag_code, count(*) FROM marts.{name}_list GROUP BY 1").fetchall())
        assert set(listed) <= set(codes), name
        assert sum(listed.values()) > 0, name
    alone = con.execute(
        "SELECT count(*), count(committee_code) FROM marts.need_list WHERE tag_code = 'elderly_living_alone'"
    ).fetchone()
    truth = con.execute("SELECT count(*) FROM truth_people WHERE flags LIKE '%elderly_alone%'").fetchone()[0]
    assert alone == (truth, truth)  # every elderly person living alone is listed, with the committee that cares


def test_freshness_and_coverage_per_source(con):
    rows = con.execute(
        "SELECT source, rows_staged, records_matched, match_share, is_stale FROM marts.source_freshness"
    ).fetchall()
    registry = load_registry()
    assert [r[0] for r in rows] == sorted(registry)
    for source, staged, matched, share, is_stale in rows:
        assert staged == con.execute(f'SELECT count(*) FROM staging."{source}"').fetchone()[0]
        assert share == pytest.approx(matched / staged, abs=1e-4) and 0 <= share <= 1
        assert not is_stale  # the test just delivered everything
    shares = {r[0]: r[3] for r in rows}
    assert shares["actual_residents"] == 1.0 and shares["waste_sorting"] < 0.5  # checks name buildings, not rooms


def test_every_mart_says_the_run_day_it_describes(con):
    marts = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'marts'"
    ).fetchall()
    assert len(marts) >= 10
    days = {name: con.execute(f'SELECT DISTINCT as_of::VARCHAR FROM marts."{name}"').fetchall() for (name,) in marts}
    assert {name: rows for name, rows in days.items() if rows not in ([("2026-11-01",)], [])} == {}


def test_each_list_holds_every_current_holder_of_its_tags_once_in_order(con):
    for name, codes in load_lists().items():
        held = con.execute(
            """SELECT tag_code, count(*) FROM (SELECT tag_code FROM tags.house_tags WHERE valid_to IS NULL
                   UNION ALL SELECT tag_code FROM tags.person_tags WHERE valid_to IS NULL
                   UNION ALL SELECT tag_code FROM tags.business_tags WHERE valid_to IS NULL)
               WHERE list_contains(?, tag_code) GROUP BY 1""",
            [codes],
        ).fetchall()
        listed = con.execute(f"SELECT tag_code, count(*) FROM marts.{name}_list GROUP BY 1").fetchall()
        assert sorted(listed) == sorted(held), name
        keys = con.execute(
            f"SELECT committee_code, tag_code, member_id FROM marts.{name}_list ORDER BY rowid"
        ).fetchall()
        assert keys == sorted(keys, key=lambda k: (k[0] is None, k[0] or "", k[1], k[2])), name
