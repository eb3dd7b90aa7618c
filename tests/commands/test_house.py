"""`housekey house ADDRESS` on the sample world: twenty addresses written by hand the way people type them, each
found as its house, with the people living there on the world's day the truth says (by their ID numbers)."""

import csv
import json

import duckdb
import pytest
from typer.testing import CliRunner

from commands.housekey import app

# (as a person writes it, the house the truth says)
ADDRESSES = [
    ("建德路54号思南坊1号楼1单元101", "310101023015000027"),
    ("瑞金二路四十八弄1号101", "310101023001000007"),
    ("黄浦区嘉善路54弄1号102室", "310101023010000002"),
    ("上海 陕西南路8弄2号 101室", "310101023001000003"),
    ("淮海中路18号雁荡坊1号楼1单元101室", "310101023005000034"),
    ("长乐路26弄2号101", "310101023003000044"),
    ("思南路22号南昌苑1号楼1单元102", "310101023002000017"),
    ("上海市黄浦区进贤路45弄1号301室", "310101023004000003"),
    ("香山路10号瑞金公寓1幢1单元101室", "310101023008000082"),
    ("巨鹿路4弄1号302", "310101023001000018"),
    ("建德路54号思南坊1号楼1单元201室", "310101023015000029"),
    ("复兴中路15弄1号101", "310101023006000023"),
    ("重庆南路29弄1号101室", "310101023010000006"),
    ("永嘉路4号香山苑1号楼1单元103", "310101023005000003"),
    ("雁荡路9弄1号202室", "310101023003000003"),
    ("陕西南路8弄1号102", "310101023001000002"),
    ("长乐路26弄1号102室", "310101023003000043"),
    ("皋兰路54弄2号102", "310101023016000010"),
    ("绍兴路36弄1号102室", "310101023002000010"),
    ("延安中路32弄1号前楼", "310101023011000022"),
    ("茂名南路６弄２号１０２室", "310101023011000004"),
]


@pytest.fixture(scope="module")
def residents(sample_world) -> dict[str, set[str]]:
    """The truth: the ID numbers of the people living in each house on the world's day."""
    living: dict[str, set[str]] = {}
    with open(sample_world / "truth" / "people.csv", encoding="utf-8") as file:
        for person in csv.DictReader(file):
            if person["home_house_id"]:
                living.setdefault(person["home_house_id"], set()).add(person["id_number"])
    return living


@pytest.mark.parametrize(("written", "house_id"), ADDRESSES)
def test_an_address_as_written_finds_its_house_and_who_lives_there(
    full_warehouse, residents, monkeypatch, written, house_id
):
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(full_warehouse))
    result = CliRunner().invoke(app, ["house", written, "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["house_id"] == house_id
    living = {p["person_id"] for p in found["people"] if p["link_kind"] == "living" and p["holds"]}
    with duckdb.connect(str(full_warehouse), read_only=True) as con:
        ids = {
            row[0]
            for row in con.execute(
                "SELECT id_number FROM core.people WHERE list_contains(?, person_id)", [sorted(living)]
            ).fetchall()
        }
    assert ids == residents[house_id]


def test_the_house_as_it_was_and_an_address_with_no_single_house(full_warehouse, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(full_warehouse))
    before = json.loads(CliRunner().invoke(app, ["house", "瑞金二路48弄3号101", "--json", "--on", "2026-01-01"]).stdout)
    assert not any(p["link_kind"] == "tenant" and p["holds"] for p in before["people"])  # the lease began 2026-06-19
    assert all(e["occurred_at"] < "2026-01-02" for e in before["events"])
    result = CliRunner().invoke(app, ["house", "瑞金二路48弄"])
    assert result.exit_code == 1 and "no single house" in result.output
