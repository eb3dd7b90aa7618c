"""Business time: every delivery gets the day it describes (``observed_on``); "current" is the latest observed
accepted snapshot on the run day, not the latest loaded; freshness counts from the business date."""

import os
import textwrap
from datetime import date

import duckdb
import pytest
from stdnum.cn import ric

from connectors.spec import load_spec
from quality.report import describe
from warehouse.business_time import date_in_name, fill_observed_on, last_observed, mark_current
from warehouse.database import connect
from warehouse.freshness import source_freshness
from warehouse.intake import land_source
from warehouse.marts.freshness import build_source_freshness
from warehouse.migrations import apply_migrations
from warehouse.staging import stage

SPEC = """
    name: residents
    title: 实有人口
    owner: 公安分局
    level: M
    format: csv
    files: "*.csv"
    delivery: snapshot
    freshness_days: 35
    record_kind: person
    record_key: [身份证号]
    columns:
      姓名: {to: name}
      身份证号: {to: id_number}
      出生日期: {to: birth_date}
      统计日期: {to: valid_from}
"""
PEOPLE = [
    (f"人{i}", body + ric.calc_check_digit(body + "0"), "1980-01-01")
    for i, body in enumerate(f"31010119800101{i:03d}" for i in range(1, 41))
]
SETTLED = 1_700_000_000  # a modification time long past: the file is complete


@pytest.mark.parametrize(
    "file_name, day",
    [
        ("实有人口_202610.csv", date(2026, 10, 1)),
        ("HJRK_20261101.txt", date(2026, 11, 1)),
        ("patrol_2026-05-04.jsonl", date(2026, 5, 4)),
        ("食品经营许可_202611_重发.csv", date(2026, 11, 1)),
        ("12345工单_瑞金二路街道_202511.xlsx", date(2025, 11, 1)),
        ("2026-10.csv", date(2026, 10, 1)),
        ("适老化改造申请_瑞金二路街道_2026.xlsx", None),
        ("名单_20260231.csv", None),
        ("批次1202611999.csv", None),
    ],
)
def test_the_day_a_file_name_gives(file_name, day):
    assert date_in_name(file_name) == day


@pytest.fixture
def residents(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_AS_OF", "2026-11-01")
    folder = tmp_path / "landing" / "residents"
    folder.mkdir(parents=True)

    def spec(extra: str = ""):
        (tmp_path / "residents.yaml").write_text(textwrap.dedent(SPEC) + textwrap.dedent(extra), encoding="utf-8")
        return load_spec(tmp_path / "residents.yaml")

    def deliver(name: str, people, counted_on: str = "") -> None:
        lines = ["姓名,身份证号,出生日期,统计日期", *(",".join((*p, counted_on)) for p in people)]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.utime(folder / name, (SETTLED, SETTLED))

    def run(source=None) -> None:
        land_source(con, source or spec())
        stage(con, source or spec())

    con = connect(tmp_path / "wh.duckdb")
    yield deliver, run, con, spec
    con.close()


def observed(con) -> dict[str, date]:
    return dict(con.execute("SELECT file_name, observed_on FROM meta.deliveries").fetchall())


def current(con, spec, as_of: date | None = None) -> str:
    mark_current(con, {"residents": spec}, as_of)
    return con.execute(
        "SELECT d.file_name FROM current_deliveries JOIN meta.deliveries d USING (delivery_id) "
        "WHERE d.status = 'loaded'"
    ).fetchone()[0]


def test_a_late_old_snapshot_fills_history_and_leaves_the_current_one(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202610.csv", PEOPLE[:30])
    deliver("实有人口_202611.csv", PEOPLE[:32])
    run()
    assert current(con, spec()) == "实有人口_202611.csv"
    deliver("实有人口_202609.csv", PEOPLE[:28])  # September's, sent after November's
    run()
    assert current(con, spec()) == "实有人口_202611.csv"
    assert observed(con)["实有人口_202609.csv"] == date(2026, 9, 1)
    staged = dict(con.execute("SELECT _file_name, count(*) FROM staging.residents GROUP BY 1").fetchall())
    assert staged == {"实有人口_202609.csv": 28, "实有人口_202610.csv": 30, "实有人口_202611.csv": 32}  # history kept
    assert current(con, spec(), as_of=date(2026, 9, 15)) == "实有人口_202609.csv"  # and it was current then


def test_a_snapshot_describing_a_day_after_the_run_day_is_not_current_yet(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202611.csv", PEOPLE[:30])
    deliver("实有人口_202612.csv", PEOPLE[:31])
    run()
    assert current(con, spec()) == "实有人口_202611.csv"  # the run day is 2026-11-01
    assert current(con, spec(), as_of=date(2026, 12, 1)) == "实有人口_202612.csv"


def test_the_business_date_comes_from_a_column_when_the_spec_names_one(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202611.csv", PEOPLE[:30], counted_on="2026年10月28日")
    run(spec("business_date_column: 统计日期\n"))
    assert observed(con) == {"实有人口_202611.csv": date(2026, 10, 28)}


def test_without_a_date_the_business_date_is_the_load_day_bounded_by_the_run_day_with_a_note(residents):
    deliver, run, con, _spec = residents
    deliver("实有人口.csv", PEOPLE[:30])
    run()
    ((day, notes, loaded),) = con.execute("SELECT observed_on, notes, loaded_at::DATE FROM meta.deliveries").fetchall()
    assert day == min(loaded, date(2026, 11, 1))  # a run pinned to 2026-11-01 lands as of its day
    assert "business date: no date in the file name; observed_on is the day it was loaded" in notes


def test_freshness_is_the_run_day_minus_the_latest_business_date_in_the_mart_and_the_report(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202609.csv", PEOPLE[:30])
    deliver("实有人口_202610.csv", PEOPLE[:31])
    deliver("实有人口_202611.csv", PEOPLE[:3])  # held: it cannot make the source look fresh
    run()
    con.execute(
        "CREATE SCHEMA IF NOT EXISTS core; CREATE TABLE core.address_matches "
        "(source VARCHAR, house_id VARCHAR, match_level VARCHAR)"
    )
    build_source_freshness(con, {"residents": spec()})
    ((last, age, stale),) = con.execute(
        "SELECT last_observed_on, age_days, is_stale FROM marts.source_freshness"
    ).fetchall()
    assert (last, age, stale) == (date(2026, 10, 1), 31, False)  # loaded today, but it describes October
    assert last_observed(con) == {"residents": last}
    assert describe(source_freshness(con, {"residents": spec()})["residents"]) == (
        "on time (last 31 days ago, expected every 35)",
        "ok",
    )
    build_source_freshness(con, {"residents": spec()}, today=date(2026, 12, 1))
    assert con.execute("SELECT age_days, is_stale FROM marts.source_freshness").fetchone() == (61, True)
    later = source_freshness(con, {"residents": spec()}, date(2026, 12, 1))["residents"]
    assert describe(later) == ("late by 26 days (last 61 days ago, expected every 35)", "bad") and later.is_stale


def test_a_warehouse_made_before_business_dates_gets_them(tmp_path, residents):
    _deliver, _run, _, spec = residents
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:  # meta.deliveries as it was, without observed_on
        old.execute("""CREATE SCHEMA meta; CREATE TABLE meta.deliveries (delivery_id VARCHAR NOT NULL, source VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL, file_hash VARCHAR, file_bytes BIGINT, encoding VARCHAR, rows_delivered BIGINT NOT NULL DEFAULT 0,
            rows_loaded BIGINT NOT NULL DEFAULT 0, rows_quarantined BIGINT NOT NULL DEFAULT 0, notes VARCHAR,
            status VARCHAR NOT NULL, loaded_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp);
            INSERT INTO meta.deliveries (delivery_id, source, file_name, status, loaded_at) VALUES
                ('residents:a', 'residents', '实有人口_202610.csv', 'loaded', TIMESTAMPTZ '2026-10-20 09:00:00+08'),
                ('residents:b', 'residents', '实有人口.csv', 'loaded', TIMESTAMPTZ '2026-10-25 09:00:00+08')""")
        list(apply_migrations(old))  # `housekey migrate` adds the column
    with connect(path) as con:  # the next landing fills it
        assert fill_observed_on(con, spec()) == 2
        assert dict(con.execute("SELECT file_name, observed_on FROM meta.deliveries").fetchall()) == {
            "实有人口_202610.csv": date(2026, 10, 1),
            "实有人口.csv": date(2026, 10, 25),
        }


# The acceptance: the sample's 实有人口 with identity, links and tags, run by the real pipeline.
SOURCES = ("address_register", "actual_residents", "market_entities", "renovation_filings")
LEFT_IN_SEPTEMBER = 3


def _september(landing) -> None:
    """实有人口_202609.csv from October's: without who registered since September 1, with three people who left
    in September (listed in September only)."""
    import csv

    with open(landing / "actual_residents" / "实有人口_202610.csv", encoding="gbk", newline="") as f:
        header, *body = list(csv.reader(f))
    registered, number = header.index("登记日期"), header.index("公民身份号码")
    body = [row for row in body if row[registered] < "2026-09-01"]
    for n in range(LEFT_IN_SEPTEMBER):
        row = list(body[n])
        base = f"31010119900101{n + 901:03d}"
        row[header.index("姓名")], row[number] = f"离开{'甲乙丙'[n]}", base + ric.calc_check_digit(base + "0")
        body.append(row)
    with open(landing / "actual_residents" / "实有人口_202609.csv", "w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([header, *body])


def _figures(path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            "residents": set(con.execute("SELECT person_id, house_id FROM tags.residents").fetchall()),
            "tagged": set(
                con.execute(
                    "SELECT person_id, valid_from FROM tags.person_tags "
                    "WHERE tag_code = 'actual_resident' AND valid_to IS NULL"
                ).fetchall()
            ),
            "closed": con.execute(
                "SELECT count(*) FROM tags.person_tags WHERE tag_code = 'actual_resident' AND valid_to IS NOT NULL"
            ).fetchone()[0],
            "left": con.execute("""SELECT p.name, l.valid_to FROM core.links l JOIN core.people p USING (person_id)
                                   WHERE l.link_kind = 'living' AND p.name LIKE '离开%' ORDER BY 1""").fetchall(),
            "september": con.execute("""SELECT count(*), count(*) FILTER (is_current) FROM tags.person_records
                                        WHERE file_name = '实有人口_202609.csv'""").fetchone(),
            "held": con.execute("""SELECT d.file_name FROM meta.validations v JOIN meta.deliveries d USING (delivery_id)
                                   WHERE v.rule = 'delivery_threshold' AND NOT v.success""").fetchall(),
        }


@pytest.fixture(scope="module")
def late_september(tmp_path_factory):
    import shutil

    from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

    from connectors.spec import load_registry
    from data_samples.generator.generate import SAMPLES
    from pipelines.definitions import pipeline_assets, run_selection, warehouse_resources

    root = tmp_path_factory.mktemp("late")
    landing, warehouse = root / "landing", root / "housekey.duckdb"
    for source in SOURCES:
        shutil.copytree(SAMPLES / "landing" / source, landing / source)
    registry = {name: spec for name, spec in load_registry().items() if name in SOURCES}
    wanted = AssetSelection.assets(AssetKey(["tags", "catalogue"]), AssetKey(["core", "links"])).upstream()
    assets = [a for a in pipeline_assets(registry) if not any(key.path[0] == "publish" for key in a.keys)]
    # after the first run only 实有人口 gets new files: the later runs land and stage it alone, as `run --source` does
    residents_only = wanted & AssetSelection.assets(*run_selection(assets, {"actual_residents"}))

    def run(selection: AssetSelection) -> dict:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("HOUSEKEY_LANDING", str(landing))
            env.setenv("HOUSEKEY_WAREHOUSE", str(warehouse))
            env.setenv("HOUSEKEY_AS_OF", "2026-11-01")
            assert materialize(
                assets, selection=selection, resources=warehouse_resources(), instance=DagsterInstance.ephemeral()
            ).success
        return _figures(warehouse)

    before = run(wanted)
    _september(landing)
    os.utime(landing / "actual_residents" / "实有人口_202609.csv", (SETTLED, SETTLED))
    after = run(residents_only)
    _part_written(landing)
    return before, after, run(residents_only)


def _part_written(landing) -> None:
    """November's snapshot sent again, picked up with 40% of its lines written."""
    folder = landing / "actual_residents"
    lines = (folder / "实有人口_202611.csv").read_bytes().splitlines(keepends=True)
    (folder / "实有人口_202611_重发.csv").write_bytes(b"".join(lines[: len(lines) * 2 // 5]))
    os.utime(folder / "实有人口_202611_重发.csv", (SETTLED, SETTLED))


def test_a_late_september_snapshot_leaves_current_residents_and_tags_unchanged(late_september):
    before, after, _ = late_september
    print(
        f"residents {len(before['residents']):,} -> {len(after['residents']):,}; open actual_resident tags "
        f"{len(before['tagged']):,} -> {len(after['tagged']):,}; September rows {after['september']}"
    )
    assert len(before["residents"]) > 2500
    assert after["residents"] == before["residents"]
    assert after["tagged"] == before["tagged"] and after["closed"] == before["closed"] == 0  # no membership moved
    rows, current = after["september"]
    assert rows > 2000 and current == 0  # September is history, not the present
    assert after["left"] == [(f"离开{c}", date(2026, 9, 30)) for c in "丙乙甲"]  # lived there until October's snapshot


def test_a_snapshot_picked_up_part_written_changes_no_resident_and_no_tag(late_september):
    before, _, part_written = late_september
    print(
        f"after a 40%-written snapshot: residents {len(part_written['residents']):,}, open actual_resident tags "
        f"{len(part_written['tagged']):,}"
    )
    assert part_written["residents"] == before["residents"] and part_written["tagged"] == before["tagged"]
    assert part_written["held"] == [("实有人口_202611_重发.csv",)]
