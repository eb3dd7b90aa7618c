"""Schema drift: a delivery whose columns were added, removed or renamed against its spec."""

import json
import textwrap
from pathlib import Path

import pytest

from connectors.drift import detect_drift
from connectors.spec import SourceSpec, load_spec
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
    contract: {contract}
    record_kind: person
    columns:
      姓名: {{to: name}}
      身份证号: {{to: id_number}}
      手机号码: {{to: phone, aliases: [联系电话]}}
"""


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    folder = tmp_path / "landing" / "residents"
    folder.mkdir(parents=True)

    def spec(contract: str) -> SourceSpec:
        path = tmp_path / "residents.yaml"
        path.write_text(textwrap.dedent(SPEC.format(contract=contract)), encoding="utf-8")
        return load_spec(path)

    def deliver(name: str, text: str) -> Path:
        (folder / name).write_text(text, encoding="utf-8")
        return folder / name

    con = connect()
    yield spec, deliver, con
    con.close()


def test_drift_names_added_missing_and_renamed_columns(setup):
    spec, _, _ = setup
    drift = detect_drift(spec("evolve"), ["姓名", "联系电话", "民族"])
    assert drift.added == ("民族",)
    assert drift.missing == ("身份证号",)
    assert drift.renamed == (("手机号码", "联系电话"),)
    assert drift.describe() == "added 民族; missing 身份证号; renamed 手机号码 → 联系电话"


def test_evolve_loads_reports_and_spills_unknown_columns(setup):
    spec, deliver, con = setup
    residents = spec("evolve")
    deliver("2026-10.csv", "姓名,身份证号,联系电话\n张三,310101195001011236,13812345678\n")
    deliver("2026-11.csv", "姓名,身份证号,手机号码,民族\n李四,310101195001011236,13912345678,汉\n")
    landing = land_source(con, residents)
    assert [r.status for r in landing.deliveries] == ["loaded", "loaded"]
    assert "schema drift: added 民族" in landing.deliveries[1].notes[-1]
    drift = con.execute("SELECT file_name, added, renamed, action FROM meta.schema_drift ORDER BY file_name").fetchall()
    assert drift == [("2026-10.csv", [], ["手机号码 → 联系电话"], "loaded"), ("2026-11.csv", ["民族"], [], "loaded")]
    stage(con, residents)
    staged = con.execute("SELECT name, phone, _extra FROM staging.residents ORDER BY _file_name").fetchall()
    assert [(n, p) for n, p, _ in staged] == [("张三", "13812345678"), ("李四", "13912345678")]
    assert json.loads(staged[1][2]) == {"民族": "汉"}


def test_stop_holds_the_delivery_back_until_the_spec_is_updated(setup):
    spec, deliver, con = setup
    deliver("2026-11.csv", "姓名,身份证号,手机号码,民族\n李四,310101195001011236,13912345678,汉\n")
    (held,) = land_source(con, spec("stop")).deliveries
    assert held.status == "failed"
    assert "schema drift against the spec (added 民族)" in held.notes[0]
    assert "connectors/sources/residents.yaml" in held.notes[0]
    assert con.execute("SELECT rule FROM quality.quarantine").fetchall() == [("schema_drift",)]
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw'").fetchone() == (0,)

    (loaded,) = land_source(con, spec("evolve")).deliveries  # the district changed its mind: now it loads
    assert loaded.status == "loaded" and loaded.rows_loaded == 1
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone() == (0,)
    assert con.execute("SELECT action FROM meta.schema_drift").fetchall() == [("loaded",)]
