"""Source roles: what the marts count a source as is declared in its spec, so a second complaint channel
is onboarded by a YAML file alone, graded and counted wherever complaints are."""

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize

from connectors import spec as spec_module
from connectors.spec import SpecError, load_registry, load_spec, register_source, sources_with
from data_samples.generator.generate import SAMPLES
from pipelines.definitions import pipeline_assets, warehouse_resources

REPO = Path(__file__).resolve().parents[2]

# the mayor's mailbox: a second complaint channel, described as a district would (no roles but complaints)
MAILBOX_SPEC = """\
name: mayor_mailbox
title: 区长信箱来信
owner: 区信访办
level: D
format: csv
files: "区长信箱_*.csv"
settle_seconds: 0
delivery: changes
record_kind: event
record_key: [信件编号]
columns:
  信件编号: {to: event_ref}
  来信时间: {to: occurred_at}
  来信地址: {to: address}
  问题分类: {to: category}
  来信内容: {to: description}
roles: {events: complaints}
"""
LETTERS = [  # (the row of the register's first homes, category): two letters at one home, one at the next
    (0, "噪音扰民"),
    (0, "噪音扰民"),
    (1, "违规用电"),
]


def test_the_registry_names_its_roles():
    assert register_source() == "address_register"
    assert sources_with(events="complaints") == ["hotline_12345"]
    assert sources_with(events="patrols") == ["grid_patrols"]
    assert load_registry()["grid_patrols"].roles.no_finding == "无异常"
    assert sources_with(residents=True) == ["actual_residents"]


def test_a_role_the_record_kind_cannot_play_names_the_field(tmp_path):
    path = tmp_path / "mayor_mailbox.yaml"
    path.write_text(MAILBOX_SPEC.replace("{events: complaints}", "{house_register: true}"), encoding="utf-8")
    with pytest.raises(SpecError, match="roles.house_register is for record kind house, not event"):
        load_spec(path)


def test_a_second_house_register_is_refused(tmp_path):
    shutil.copy(REPO / "connectors" / "sources" / "address_register.yaml", tmp_path)
    flood_points = (REPO / "connectors" / "sources" / "flood_risk_points.yaml").read_text(encoding="utf-8")
    (tmp_path / "flood_risk_points.yaml").write_text(flood_points + "roles: {house_register: true}\n", encoding="utf-8")
    with pytest.raises(SpecError, match="only one source can be the house register"):
        load_registry(tmp_path)


def _mailbox_delivery(folder: Path) -> list[str]:
    """The mailbox's October letters at the register's first homes; returns those homes' house ids."""
    with (SAMPLES / "landing" / "address_register" / "标准地址库_202611.csv").open(encoding="utf-8") as f:
        homes = [row for row in csv.DictReader(f) if row["房屋类型"] == "住宅"][:2]
    folder.mkdir(parents=True)
    with (folder / "区长信箱_202610.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["信件编号", "来信时间", "来信地址", "问题分类", "来信内容"])
        for n, (home, category) in enumerate(LETTERS, start=1):
            address = homes[home]["标准地址"]
            out.writerow([f"XX2026{n:04d}", f"2026-10-{n + 10} 09:30", address, category, f"{address}{category}"])
    return [home["地址编码"] for home in homes]


def test_a_second_complaint_source_is_counted_by_its_spec_alone(tmp_path, monkeypatch):
    """The registry plus the mailbox's spec; the register, the hotline and the mailbox run."""
    registry_folder = tmp_path / "sources"
    shutil.copytree(REPO / "connectors" / "sources", registry_folder)
    (registry_folder / "mayor_mailbox.yaml").write_text(MAILBOX_SPEC, encoding="utf-8")
    monkeypatch.setattr(spec_module, "SOURCES_DIR", registry_folder)  # the registry the marts read
    landing = tmp_path / "landing"
    for name in ("address_register", "hotline_12345"):
        shutil.copytree(SAMPLES / "landing" / name, landing / name)
    house_a, house_b = _mailbox_delivery(landing / "mayor_mailbox")
    monkeypatch.setenv("HOUSEKEY_LANDING", str(landing))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    registry = load_registry()
    assert sources_with(events="complaints") == ["hotline_12345", "mayor_mailbox"]
    running = {name: registry[name] for name in ("address_register", "hotline_12345", "mayor_mailbox")}
    assets = [a for a in pipeline_assets(running) if not any(key.path[0] == "publish" for key in a.keys)]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(assets, resources=warehouse_resources(), instance=instance, raise_on_error=False)
    assert result.success, [event.step_key for event in result.all_events if event.is_step_failure]

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        letters = con.execute(
            "SELECT house_id, committee_code, severity FROM marts.events WHERE source = 'mayor_mailbox' ORDER BY event_id"
        ).fetchall()
        assert [(house, severity) for house, _, severity in letters] == [
            (house_a, "minor"),
            (house_a, "minor"),
            (house_b, "minor"),
        ]
        committee = letters[0][1]

        def hotline(where: str, *values, table: str = "marts.events") -> int:
            """The hotline's own work orders among those counted."""
            sql = f"SELECT count(*) FROM {table} WHERE source = 'hotline_12345' AND {where}"
            return con.execute(sql, list(values)).fetchone()[0]

        at_a = con.execute("SELECT complaints FROM marts.house_profiles WHERE house_id = ?", [house_a]).fetchone()[0]
        assert at_a == hotline("house_id = ? AND NOT is_building_wide", house_a, table="tags.event_records") + 2
        in_committee = con.execute(
            "SELECT complaints FROM marts.committee_stats WHERE committee_code = ?", [committee]
        ).fetchone()[0]
        assert in_committee == hotline("committee_code = ?", committee) + len(LETTERS)
        pareto = dict(
            con.execute(
                "SELECT category, complaints FROM marts.complaint_pareto WHERE scope = 'committee' AND scope_code = ?",
                [committee],
            ).fetchall()
        )
        for category, letters_of_it in (("噪音扰民", 2), ("违规用电", 1)):
            assert (
                pareto[category] == hotline("committee_code = ? AND category = ?", committee, category) + letters_of_it
            )
        everywhere = con.execute(
            "SELECT sum(complaints) FROM marts.complaint_pareto WHERE scope = 'subdistrict'"
        ).fetchone()[0]
        assert everywhere == hotline("category IS NOT NULL") + len(LETTERS)
