"""`housekey address parse` and `match`: one address per line in, one JSON object per line out."""

import json
from pathlib import Path

import duckdb
import typer
from typer.testing import CliRunner

from commands.address import register


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A stand-in for the housekey command."""

    register(app)
    return app


def test_one_json_object_per_input_line():
    lines = ["上海市卢湾区长乐路372弄5号402室", "長樂路三百七十二弄５號４０２", ""]
    result = CliRunner().invoke(_app(), ["address", "parse"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["input"] for r in records] == lines
    assert records[0]["normalized"] == "上海市黄浦区长乐路372弄5号402室"
    assert records[0]["elements"][1] == {"label": "district", "text": "卢湾区", "start": 3, "end": 6}
    for record in records:
        assert set(record) == {"input", "normalized", "elements"}
        for element in record["elements"]:
            assert record["input"][element["start"] : element["end"]] == element["text"]
    assert records[2]["elements"] == []


def test_output_keeps_chinese_characters_unescaped():
    result = CliRunner().invoke(_app(), ["address", "parse"], input="长乐路1号\n")
    assert "长乐路" in result.output and "\\u" not in result.output


def test_components_on_request():
    result = CliRunner().invoke(_app(), ["address", "parse", "--components"], input="长乐路372弄5号402室\n")
    assert json.loads(result.output)["components"] == {
        "road": "长乐路",
        "lane_no": "372",
        "building_no": "5",
        "room_no": "402",
    }


def test_match_answers_each_line_against_the_warehouse_register(tmp_path, monkeypatch):
    """`housekey address match` on the hand-written wild register: a house, a road beside the register's,
    a landmark, and a reviewer's decision that wins as it does in a run."""
    warehouse = tmp_path / "housekey.duckdb"
    register_csv = Path(__file__).parent / "wild" / "register.csv"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA core")
        con.execute("CREATE TABLE core.houses AS SELECT * FROM read_csv(?, all_varchar = true)", [str(register_csv)])
        door = con.execute("SELECT house_id FROM core.houses WHERE road = '陕西南路' AND door_no = '20'").fetchone()[0]
        con.execute(
            "CREATE TABLE core.address_decisions AS SELECT '陕西南路20号后门口' AS address, ? AS house_id, 'wang' AS decided_by",
            [door],
        )
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(warehouse))
    lines = ["陕西南路20号", "陕西北路20号", "陕西南路20号对面", "陕西南路20号后门口"]
    result = CliRunner().invoke(_app(), ["address", "match"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["input"] for r in records] == lines
    assert set(records[0]) == {
        "input",
        "house_id",
        "match_level",
        "score",
        "margin",
        "reason",
        "candidates",
        "district",
        "town",
    }
    assert (records[0]["house_id"], records[0]["match_level"]) == (door, "door")
    assert (records[1]["house_id"], records[1]["match_level"], records[1]["district"]) == (
        None,
        "out_of_area",
        "静安区",
    )
    assert "陕西北路" in records[1]["reason"]
    assert records[2]["house_id"] is None and records[2]["candidates"] == [door] and "对面" in records[2]["reason"]
    assert (records[3]["house_id"], records[3]["reason"]) == (door, "decided by wang")
