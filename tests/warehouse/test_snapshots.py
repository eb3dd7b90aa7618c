"""Snapshots need evidence: an empty, header-only, mostly quarantined or cut-short snapshot is held with a named
reason and never becomes current; the snapshot before it stays current until a complete one replaces it.

Real files through the real landing, staging and quality gate; "current" is what tags and links read
(warehouse/business_time.py mark_current)."""

import os
import textwrap

import pytest
from stdnum.cn import ric

from connectors.spec import load_spec
from quality.gate import stopped_deliveries
from warehouse.accounting import row_accounts
from warehouse.business_time import mark_current
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.staging import stage

SPEC = """
    name: residents
    title: 实有人口
    owner: 公安分局
    level: M
    format: csv
    files: "*.csv"
    delivery: snapshot
    record_kind: person
    record_key: [身份证号]
    columns:
      姓名: {to: name}
      身份证号: {to: id_number}
      出生日期: {to: birth_date}
"""
HEADER = "姓名,身份证号,出生日期"
PEOPLE = [
    (f"人{i}", body + ric.calc_check_digit(body + "0"), "1980-01-01")
    for i, body in enumerate(f"31010119800101{i:03d}" for i in range(1, 41))
]
SETTLED = 1_700_000_000  # a modification time long past: the file is complete, not still being written


@pytest.fixture
def residents(tmp_path, monkeypatch):
    """(deliver, run, con, spec for extra settings): deliver(name, text) drops a file, run(spec) lands and stages."""
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    folder = tmp_path / "landing" / "residents"
    folder.mkdir(parents=True)

    def spec(extra: str = ""):
        (tmp_path / "residents.yaml").write_text(textwrap.dedent(SPEC) + textwrap.dedent(extra), encoding="utf-8")
        return load_spec(tmp_path / "residents.yaml")

    def deliver(name: str, text: str) -> None:
        (folder / name).write_text(text, encoding="utf-8")
        os.utime(folder / name, (SETTLED, SETTLED))

    def run(source=None) -> None:
        source = source or spec()
        land_source(con, source)
        stage(con, source)

    con = connect(tmp_path / "wh.duckdb")
    yield deliver, run, con, spec
    con.close()


def rows(people) -> str:
    return "\n".join([HEADER, *(",".join(p) for p in people)]) + "\n"


def current(con, spec) -> tuple[str, int]:
    """The current snapshot's file and how many of its rows are staged."""
    mark_current(con, {"residents": spec})
    return con.execute("""SELECT d.file_name, (SELECT count(*) FROM staging.residents s WHERE s._delivery_id = d.delivery_id)
                          FROM current_deliveries c JOIN meta.deliveries d USING (delivery_id)
                          WHERE d.status = 'loaded'""").fetchone()


def held(con) -> dict[str, str]:
    return dict(
        con.execute("""SELECT d.file_name, v.note FROM meta.validations v JOIN meta.deliveries d USING (delivery_id)
                               WHERE v.rule = 'delivery_threshold' AND NOT v.success""").fetchall()
    )


def balanced(con) -> bool:
    (account,) = row_accounts(con, ["residents"])
    return account.balanced


def test_a_header_only_snapshot_is_held_and_the_one_before_stays_current(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202610.csv", rows(PEOPLE[:30]))
    run()
    assert current(con, spec()) == ("实有人口_202610.csv", 30)
    deliver("实有人口_202611.csv", HEADER + "\n")
    run()
    assert held(con) == {
        "实有人口_202611.csv": "residents: delivery 实有人口_202611.csv held, not staged: an empty snapshot "
        "(a header only, or nothing); the current snapshot stays"
    }
    assert current(con, spec()) == ("实有人口_202610.csv", 30)
    assert stopped_deliveries(con, spec()) == list(held(con).values())  # the source says it is held
    assert balanced(con)


def test_an_empty_file_never_becomes_current(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202610.csv", rows(PEOPLE[:30]))
    deliver("实有人口_202611.csv", "")
    run()
    (status,) = con.execute("SELECT status FROM meta.deliveries WHERE file_name = '实有人口_202611.csv'").fetchone()
    assert status == "failed" or "实有人口_202611.csv" in held(con)  # unreadable or held: named either way
    assert current(con, spec()) == ("实有人口_202610.csv", 30)


def test_a_snapshot_whose_rows_are_all_quarantined_is_held(residents):
    """Every record key unreadable: each row is quarantined by staging, none reaches the suite (an unreadable
    birth date would cost the value alone)."""
    deliver, run, con, spec = residents
    deliver("实有人口_202610.csv", rows(PEOPLE[:30]))
    run()
    deliver("实有人口_202611.csv", rows([(name, "不详", born) for name, _, born in PEOPLE[:30]]))
    run()
    assert held(con)["实有人口_202611.csv"].endswith("30 of 30 rows (100%) failed, above the threshold of 20%")
    assert current(con, spec()) == ("实有人口_202610.csv", 30)
    assert balanced(con)


def test_a_mostly_quarantined_snapshot_is_held_at_the_specs_share(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202610.csv", rows(PEOPLE[:30]))
    bad = [(name, number[:17] + ("0" if number[17] != "0" else "1"), born) for name, number, born in PEOPLE[:30]]
    deliver("实有人口_202611.csv", rows(PEOPLE[:20] + bad[20:]))  # 10 of 30 check characters wrong: 33%
    run()
    assert held(con)["实有人口_202611.csv"].endswith("10 of 30 rows (33%) failed, above the threshold of 20%")
    assert current(con, spec()) == ("实有人口_202610.csv", 30)
    lenient = spec("evidence: {held_above: 0.5}\n")  # the spec may allow more
    run(lenient)
    assert held(con) == {} and current(con, lenient) == ("实有人口_202611.csv", 20)


def test_a_snapshot_picked_up_part_written_is_held_until_the_complete_file_replaces_it(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202610.csv", rows(PEOPLE[:30]))
    run()
    deliver("实有人口_202611.csv", rows(PEOPLE[:12]))  # 40% of it written when the run took it
    run()
    assert held(con) == {
        "实有人口_202611.csv": "residents: delivery 实有人口_202611.csv held, not staged: 12 rows, under "
        "50% of the 30 of the current snapshot 实有人口_202610.csv (cut short, "
        "or still being written?); the current snapshot stays"
    }
    assert current(con, spec()) == ("实有人口_202610.csv", 30)
    assert len(stopped_deliveries(con, spec())) == 1
    deliver("实有人口_202611.csv", rows(PEOPLE[:31]))  # the completed file, under the same name
    run()
    assert current(con, spec()) == ("实有人口_202611.csv", 31)
    assert stopped_deliveries(con, spec()) == []  # the held part-written file was replaced
    assert balanced(con)


def test_an_operator_can_release_a_held_snapshot_or_lower_the_share(residents):
    deliver, run, con, spec = residents
    deliver("实有人口_202610.csv", rows(PEOPLE[:30]))
    run()
    deliver("实有人口_202611.csv", rows(PEOPLE[:12]))  # the subdistrict really did shrink
    run()
    (delivery_id,) = con.execute(
        "SELECT delivery_id FROM meta.deliveries WHERE file_name = '实有人口_202611.csv'"
    ).fetchone()
    released = spec(f"evidence: {{released: ['{delivery_id}']}}\n")
    run(released)
    assert current(con, released) == ("实有人口_202611.csv", 12) and held(con) == {}
    (note,) = con.execute(
        "SELECT note FROM meta.validations WHERE delivery_id = ? AND rule = 'delivery_threshold'", [delivery_id]
    ).fetchone()
    assert note.startswith("released by the operator (evidence.released in the spec): 12 rows, under 50%")
    trusting = spec("evidence: {min_share_of_current: 0.3}\n")
    run(trusting)
    assert current(con, trusting) == ("实有人口_202611.csv", 12)
