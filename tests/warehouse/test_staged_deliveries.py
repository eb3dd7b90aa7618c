"""Staging a source's new deliveries alone (warehouse/staged_deliveries.py) gives what restaging every delivery
gives: the same staged rows in the same order, the same quarantine rows and the same meta.validations, delivery
by delivery, for a changes and a snapshot source; a spec change restages the source whole."""

import textwrap

import pytest
from stdnum.cn import ric

from connectors.spec import load_spec
from tests.quality.test_gate import PERSON
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.staging import stage


def valid_id(n: int) -> str:
    body = f"31010119800101{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def people(first: int, count: int) -> list[tuple[str, str, str]]:
    return [(f"人{n}", valid_id(n), "1980-01-01") for n in range(first, first + count)]


WRONG_CHECK = valid_id(1)[:17] + ("0" if valid_id(1)[17] != "0" else "1")
DELIVERIES = (
    # ids 1-20; a repeated key (row-level), a future birth date (the value alone, by the suite), a date nobody
    # reads (the value alone, by staging), a wrong check character (the row)
    (
        "2026-08.csv",
        [
            *people(1, 20),
            ("重复", valid_id(3), "1980-01-01"),
            ("未来", valid_id(21), "2999-01-01"),
            ("乱写", valid_id(22), "一九八零"),
            ("校验", WRONG_CHECK, "1980-01-01"),
        ],
    ),
    # ids 11-30: half of them keys the first delivery had, repeated within this one too
    ("2026-09.csv", [*people(11, 20), ("又一", valid_id(15), "1980-01-01"), ("", valid_id(40), "1980-01-01")]),
    # most rows fail: held whole
    ("2026-10.csv", [*people(41, 4), *(("", valid_id(n), "1980-01-01") for n in range(45, 52))]),
    # a few rows: a snapshot much smaller than the current one is held on its evidence
    ("2026-11.csv", people(60, 3)),
    ("2026-12.csv", [*people(1, 25), ("重复", valid_id(2), "1980-01-01")]),
)


@pytest.fixture
def landing(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    folder = tmp_path / "landing" / "residents"
    folder.mkdir(parents=True)

    def spec(delivery: str, title: str = "实有人口"):
        text = textwrap.dedent(PERSON).replace("实有人口", title) + f"delivery: {delivery}\n"
        (tmp_path / "residents.yaml").write_text(text, encoding="utf-8")
        return load_spec(tmp_path / "residents.yaml")

    def deliver(name: str, rows: list[tuple[str, str, str]]) -> None:
        lines = ["姓名,身份证号,出生日期", *(",".join(row) for row in rows)]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    # the code's digest is part of the basis: others' edits in the tree between two stagings must not restage
    monkeypatch.setattr("warehouse.staged_deliveries.staging_code", lambda: "the code")
    con = connect(tmp_path / "wh.duckdb")
    yield spec, deliver, con
    con.close()


OUTPUTS = {
    "staged": "SELECT * FROM staging.residents",
    "quarantine": "SELECT * EXCLUDE (quarantined_at) FROM quality.quarantine WHERE source = 'residents'",
    "validations": "SELECT * EXCLUDE (validated_at) FROM meta.validations WHERE source = 'residents'",
}


def _keep(con, name: str) -> None:
    con.execute(f"CREATE OR REPLACE TABLE kept_{name} AS {OUTPUTS[name]}")


def _differences(con, name: str) -> tuple[int, int]:
    """Rows of the output not in the kept copy, and rows of the kept copy not in the output (EXCEPT ALL)."""
    now, kept = f"({OUTPUTS[name]})", f"kept_{name}"
    return (
        con.execute(f"SELECT count(*) FROM ({now} EXCEPT ALL SELECT * FROM {kept})").fetchone()[0],
        con.execute(f"SELECT count(*) FROM (SELECT * FROM {kept} EXCEPT ALL {now})").fetchone()[0],
    )


@pytest.mark.parametrize("delivery", ["changes", "snapshot"])
def test_deliveries_staged_one_at_a_time_equal_a_full_restaging(landing, delivery):
    spec, deliver, con = landing
    spec = spec(delivery)
    results = []
    for name, rows in DELIVERIES:
        deliver(name, rows)
        land_source(con, spec)
        results.append(stage(con, spec))
    assert [r.incremental for r in results] == [False, True, True, True, True]
    staged_in_order = con.execute("SELECT * FROM staging.residents").fetchall()
    for name in OUTPUTS:
        _keep(con, name)

    con.execute("DELETE FROM meta.staged_deliveries")  # forgotten: the next staging restages every delivery
    full = stage(con, spec)

    assert not full.incremental
    assert {name: _differences(con, name) for name in OUTPUTS} == dict.fromkeys(OUTPUTS, (0, 0))
    assert con.execute("SELECT * FROM staging.residents").fetchall() == staged_in_order  # in the same order
    assert full.held == results[-1].held and (full.rows_staged, full.rows_quarantined) == (
        results[-1].rows_staged,
        results[-1].rows_quarantined,
    )
    # what the deliveries were made to show is there
    held = {h.file_name for h in full.held}
    assert held == ({"2026-10.csv", "2026-11.csv"} if delivery == "snapshot" else {"2026-10.csv"})
    rules = dict(
        con.execute(
            "SELECT rule || ':' || file_name, count(*) FROM quality.quarantine WHERE rule <> 'suite:delivery_held' "
            "GROUP BY ALL"
        ).fetchall()
    )
    assert rules["suite:person.record_key_unique:2026-08.csv"] == 1
    assert rules["suite:person.record_key_unique:2026-09.csv"] == 1
    assert rules["suite:person.record_key_unique:2026-12.csv"] == 1
    assert rules["suite:person.birth_date_range:2026-08.csv"] == 1
    assert rules["transform_date:2026-08.csv"] == 1
    assert rules["suite:person.id_number_checksum:2026-08.csv"] == 1
    # a key of an earlier delivery is no repeat: the first delivery's ids 11-20 are staged again from the second
    assert con.execute("SELECT count(*) FROM staging.residents WHERE name = '人15'").fetchone() == (
        3 if "2026-12.csv" not in held else 2,
    )


@pytest.mark.parametrize("change", ["spec", "code", "run day", "an earlier delivery", "none"])
def test_anything_but_new_deliveries_changed_restages_every_delivery(landing, monkeypatch, change):
    spec, deliver, con = landing
    for name, rows in DELIVERIES[:2]:
        deliver(name, rows)
        land_source(con, spec("changes"))
        assert stage(con, spec("changes")).incremental == (name != DELIVERIES[0][0])
    deliver(*DELIVERIES[4])
    land_source(con, spec("changes"))
    source = spec("changes", title="实有人口（新）") if change == "spec" else spec("changes")
    if change == "code":
        monkeypatch.setattr("warehouse.staged_deliveries.staging_code", lambda: "other code")
    if change == "run day":
        monkeypatch.setenv("HOUSEKEY_AS_OF", "2027-01-01")
    if change == "an earlier delivery":
        con.execute("DELETE FROM raw.residents WHERE _file_name = '2026-08.csv' AND _row_number = 2")
    assert stage(con, source).incremental == (change == "none")
    assert stage(con, source).incremental  # nothing new since: what the restaging covered is kept


def test_a_table_wide_rule_that_failed_restages_every_delivery(landing):
    spec, deliver, con = landing
    nameless = spec("changes")  # the suite requires a name the spec no longer maps: every delivery is held
    nameless = nameless.model_copy(update={"columns": {k: v for k, v in nameless.columns.items() if k != "姓名"}})
    results = []
    for name, rows in DELIVERIES[:3]:
        deliver(name, rows)
        land_source(con, nameless)
        results.append(stage(con, nameless))
    assert [r.incremental for r in results] == [False, False, False]
    assert {h.file_name for h in results[-1].held} == {name for name, _ in DELIVERIES[:3]}
