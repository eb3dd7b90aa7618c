"""`housekey address parse`: one address per line in, one JSON object per line out."""

import json

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
