"""The quality gate on real files and the real warehouse: failing rows quarantined with their rule,
failing values of other columns quarantined alone (their rows staged without them), good rows staged,
a delivery above the threshold held whole, results kept per delivery."""

import textwrap

import pytest
from stdnum.cn import ric, uscc

from connectors.spec import load_spec
from warehouse.accounting import row_accounts
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.staging import stage

PERSON = """
    name: residents
    title: 实有人口
    owner: 公安分局
    level: M
    format: csv
    files: "*.csv"
    record_kind: person
    record_key: [身份证号]
    columns:
      姓名: {to: name}
      身份证号: {to: id_number}
      出生日期: {to: birth_date}
"""


def valid_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


GOOD = [valid_id(f"31010119800101{i:03d}") for i in range(1, 30)]
WRONG_CHECK = GOOD[0][:17] + ("0" if GOOD[0][17] != "0" else "1")


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    folder = tmp_path / "landing" / "residents"
    folder.mkdir(parents=True)
    (tmp_path / "residents.yaml").write_text(textwrap.dedent(PERSON), encoding="utf-8")
    spec = load_spec(tmp_path / "residents.yaml")

    def deliver(name: str, rows: list[tuple[str, str, str]]) -> None:
        lines = ["姓名,身份证号,出生日期", *(",".join(row) for row in rows)]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    con = connect(tmp_path / "wh.duckdb")
    yield spec, deliver, con
    con.close()


def _quarantine(con):
    return con.execute(
        "SELECT file_name, row_number, column_name, rule, value, reason FROM quality.quarantine "
        "ORDER BY file_name, row_number, rule"
    ).fetchall()


def test_failing_rows_go_to_quarantine_with_their_rule_and_the_rest_are_staged(warehouse):
    spec, deliver, con = warehouse
    rows = [
        ("张三", GOOD[0], "1980-01-01"),
        ("李四", GOOD[1], "1980-01-01"),
        ("王五", GOOD[2], "1980-01-01"),
        ("赵六", GOOD[3], "1980-01-01"),
        ("孙七", GOOD[4], "1980-01-01"),
        ("周八", GOOD[5], "1980-01-01"),
        ("吴九", GOOD[6], "2999-01-01"),  # born in the future: the birth date alone is quarantined
        ("郑十", WRONG_CHECK, "1980-01-01"),
        ("", GOOD[7], "1980-01-01"),  # no name
        ("张三", GOOD[0], "1980-01-01"),  # the same person keyed in twice
        ("钱一", GOOD[8], "1980-01-01"),
        ("冯二", GOOD[8][:6] + "********" + GOOD[8][14:], "1980-01-01"),
    ]
    rows += [(f"人{i}", GOOD[i], "1980-01-01") for i in range(9, 19)]  # 3 of 22 rows fail: 14%, under 20%
    deliver("2026-11.csv", rows)
    land_source(con, spec)
    result = stage(con, spec)
    assert _quarantine(con) == [
        (
            "2026-11.csv",
            8,
            "出生日期",  # quarantined alone: named by its delivered column, as staging's own cells are
            "suite:person.birth_date_range",
            "2999-01-01",
            "birth date before 1900 or in the future",
        ),
        (
            "2026-11.csv",
            9,
            "id_number",
            "suite:person.id_number_checksum",
            WRONG_CHECK,
            "the ID number's check character or birth date is wrong",
        ),
        ("2026-11.csv", 10, "name", "suite:person.name_required", None, "name is required and empty"),
        (
            "2026-11.csv",
            11,
            "id_number",
            "suite:person.record_key_unique",
            GOOD[0],
            "the same record key appears earlier in this delivery (row 2)",
        ),
    ]
    assert (result.rows_raw, result.rows_staged, result.rows_quarantined, result.held) == (22, 19, 3, ())
    keyed = "SELECT count(*) FROM {} WHERE {} = {}delivery_id || '#' || {}row_number"
    assert con.execute(keyed.format("quality.quarantine", "record_id", "", "")).fetchone() == (4,)
    assert con.execute(keyed.format("staging.residents", "_record_id", "_", "_")).fetchone() == (19,)
    staged = {n for (n,) in con.execute("SELECT name FROM staging.residents WHERE _row_number <= 13").fetchall()}
    assert staged == {
        "张三",
        "李四",
        "王五",
        "赵六",
        "孙七",
        "周八",
        "吴九",
        "钱一",
        "冯二",
    }  # the masked number passes
    assert con.execute("SELECT birth_date FROM staging.residents WHERE name = '吴九'").fetchone() == (None,)
    (account,) = row_accounts(con, ["residents"])
    assert account.balanced and (account.delivered, account.staged, account.quarantined, account.held) == (22, 19, 3, 0)
    assert account.values_quarantined == 1


def test_results_are_kept_per_delivery_and_a_second_run_changes_nothing(warehouse):
    spec, deliver, con = warehouse
    deliver(
        "2026-10.csv",
        [("张三", GOOD[0], "1980-01-01"), ("李四", GOOD[1], "1980-01-01")] * 1
        + [(f"人{i}", GOOD[i], "1980-01-01") for i in range(2, 9)],
    )
    deliver(
        "2026-11.csv",
        [("张三", GOOD[0], "1980-01-01"), ("吴九", GOOD[6], "2999-01-01")]
        + [(f"人{i}", GOOD[i], "1980-01-01") for i in range(2, 6)],
    )
    land_source(con, spec)
    stage(con, spec)
    query = (
        "SELECT d.file_name, v.rule, v.success, v.element_count, v.unexpected_count FROM meta.validations v "
        "JOIN meta.deliveries d USING (delivery_id) WHERE v.rule IN ('birth_date_range', 'delivery_threshold') "
        "ORDER BY 1, 2"
    )
    first = con.execute(query).fetchall()
    assert first == [
        ("2026-10.csv", "birth_date_range", True, 9, 0),
        ("2026-10.csv", "delivery_threshold", True, 9, 0),
        ("2026-11.csv", "birth_date_range", False, 6, 1),
        ("2026-11.csv", "delivery_threshold", True, 6, 0),  # a value quarantined alone fails no row
    ]
    quarantined = _quarantine(con)
    stage(con, spec)
    assert con.execute(query).fetchall() == first and _quarantine(con) == quarantined


def test_a_delivery_above_the_threshold_is_held_whole_and_the_others_go_on(warehouse):
    spec, deliver, con = warehouse
    deliver("2026-10.csv", [(f"人{i}", GOOD[i], "1980-01-01") for i in range(9)])
    # 3 of 9 rows fail whole (33%): above the 20% threshold; a birth date quarantined alone costs no row
    deliver(
        "2026-11.csv",
        [(f"人{i}", GOOD[i], "1980-01-01") for i in range(5)]
        + [("人5", GOOD[5], "2999-01-01"), ("坏1", WRONG_CHECK, "1980-01-01"), ("", GOOD[7], "1980-01-01")]
        + [("坏3", GOOD[8][:17] + ("0" if GOOD[8][17] != "0" else "1"), "1980-01-01")],
    )
    land_source(con, spec)
    result = stage(con, spec)
    (held,) = result.held
    assert held.message == (
        "residents: delivery 2026-11.csv held, not staged: 3 of 9 rows (33%) failed, above the threshold of 20%"
    )
    assert con.execute("SELECT DISTINCT _file_name FROM staging.residents").fetchall() == [("2026-10.csv",)]
    rules = dict(con.execute("SELECT rule, count(*) FROM quality.quarantine GROUP BY rule").fetchall())
    assert rules == {
        "suite:delivery_held": 6,
        "suite:person.id_number_checksum": 2,
        "suite:person.name_required": 1,
        "suite:person.birth_date_range": 1,
    }
    (account,) = row_accounts(con, ["residents"])
    assert account.balanced and (account.delivered, account.staged, account.quarantined, account.held) == (18, 9, 9, 6)


def test_a_column_unreadable_in_nearly_every_row_holds_its_delivery_naming_column_and_share(warehouse):
    spec, deliver, con = warehouse
    # 2 birth dates of 12 unreadable: bad values, quarantined alone; the delivery is staged
    deliver("2026-10.csv", [(f"人{i}", GOOD[i], "1980-01-01" if i > 1 else "不详") for i in range(12)])
    # every birth date but one written day first, a format nobody reads: 11 of 12 rows (92%)
    deliver("2026-11.csv", [(f"人{i}", GOOD[i], f"{i}/13/1980" if i else "1980-01-01") for i in range(12)])
    land_source(con, spec)
    result = stage(con, spec)
    (held,) = result.held
    assert held.message == (
        "residents: delivery 2026-11.csv held, not staged: column 出生日期 unreadable in 11 of 12 rows (92%), at or"
        " above 90%: a broken export (a column shifted, a format nobody reads), not bad values"
    )
    assert con.execute("SELECT DISTINCT _file_name FROM staging.residents").fetchall() == [("2026-10.csv",)]
    assert con.execute(
        "SELECT count(*) FILTER (is_row_kept), count(*) FILTER (rule = 'suite:delivery_held') FROM quality.quarantine"
        " WHERE file_name = '2026-11.csv'"
    ).fetchone() == (11, 12)
    (account,) = row_accounts(con, ["residents"])
    assert account.balanced and (account.delivered, account.staged, account.held) == (24, 12, 12)


def test_a_few_rows_with_every_value_of_a_column_unreadable_are_bad_values_not_a_broken_export(warehouse):
    spec, deliver, con = warehouse
    deliver("2026-11.csv", [(f"人{i}", GOOD[i], "不详") for i in range(4)])  # 4 rows: under the 5 that say "broken"
    land_source(con, spec)
    assert stage(con, spec).held == ()
    assert con.execute("SELECT count(*), count(birth_date) FROM staging.residents").fetchone() == (4, 0)


def test_a_required_column_the_spec_does_not_map_holds_every_delivery(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    (tmp_path / "landing" / "shops").mkdir(parents=True)
    code = "91310101MA1FL0000"
    (tmp_path / "landing" / "shops" / "a.csv").write_text(
        f"代码\n{code + uscc.calc_check_digit(code)}\n", encoding="utf-8"
    )
    (tmp_path / "shops.yaml").write_text(
        textwrap.dedent("""
        name: shops
        title: 商铺
        owner: 市场监管所
        level: D
        format: csv
        record_kind: business
        columns:
          代码: {to: credit_code}
    """),
        encoding="utf-8",
    )
    spec = load_spec(tmp_path / "shops.yaml")
    with connect(tmp_path / "wh.duckdb") as con:
        land_source(con, spec)
        (held,) = stage(con, spec).held
        assert "address_required: required column address is missing" in held.message
        assert con.execute("SELECT count(*) FROM staging.shops").fetchone() == (0,)


def test_a_small_or_empty_changes_delivery_is_not_held(warehouse):
    """Only a snapshot must be whole: a changes delivery carries what changed, however little."""
    spec, deliver, con = warehouse
    changes = spec.model_copy(update={"delivery": "changes"})
    deliver("2026-10.csv", [(f"人{i}", GOOD[i], "1980-01-01") for i in range(20)])
    deliver("2026-11.csv", [])
    deliver("2026-12.csv", [("新人", GOOD[25], "1980-01-01")])
    land_source(con, changes)
    assert stage(con, changes).held == ()
    assert con.execute("SELECT count(*) FROM staging.residents").fetchone() == (21,)
    empty, small = stage(con, spec).held  # the same files as snapshots: both would be held
    assert (empty.file_name, small.file_name) == ("2026-11.csv", "2026-12.csv")
    assert "an empty snapshot" in empty.message and "1 row, under 50% of the 20" in small.message
