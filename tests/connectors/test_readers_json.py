"""The JSON and JSON lines reader on real files."""

from __future__ import annotations

import pytest

from connectors.readers import ReadError, Unreadable
from connectors.readers.json import read
from connectors.spec import SourceSpec


def _spec(fmt: str = "json", **extra) -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "market_entities",
            "title": "市场主体登记",
            "owner": "市场监管局",
            "level": "M",
            "format": fmt,
            "record_kind": "business",
            "columns": {"统一社会信用代码": {"to": "credit_code"}, "名称": {"to": "legal_name"}},
            **extra,
        }
    )


def test_records_at_a_dotted_path_with_nested_values_kept_as_json_text(tmp_path):
    path = tmp_path / "entities.json"
    path.write_text(
        '{"code": 0, "data": {"total": 3, "items": ['
        '{"统一社会信用代码": "91310101MA1FPX1234", "名称": "老王面馆", "注册资本": 1.10, "法人证件": 310101195001011234,'
        ' "经营范围": ["餐饮", "食品销售"], "地址": {"区": "黄浦区", "路": "长乐路"}},'
        ' "not an object",'
        ' {"名称": "小李咖啡", "个体": true, "注销日期": null, "备注": "", "统一社会信用代码": "92310101MA1FPX5678"}'
        "]}}",
        encoding="utf-8",
    )
    delivered = read(path, _spec(json={"records_path": "data.items"}))
    [part] = delivered.parts
    assert part.header == [
        "统一社会信用代码",
        "名称",
        "注册资本",
        "法人证件",
        "经营范围",
        "地址",
        "个体",
        "注销日期",
        "备注",
    ]
    assert part.rows == [
        [
            "91310101MA1FPX1234",
            "老王面馆",
            "1.10",
            "310101195001011234",
            '["餐饮","食品销售"]',
            '{"区":"黄浦区","路":"长乐路"}',
            None,
            None,
            None,
        ],
        ["92310101MA1FPX5678", "小李咖啡", None, None, None, None, "true", None, None],
    ]
    assert part.row_numbers == [1, 3]
    assert delivered.unreadable == [Unreadable(2, "record is not a JSON object", '"not an object"')]


def test_a_top_level_list(tmp_path):
    path = tmp_path / "list.json"
    path.write_text('[{"名称": "甲"}, {"名称": "乙", "电话": "021-12345678"}]', encoding="utf-8")
    part = read(path, _spec()).parts[0]
    assert (part.header, part.rows, part.row_numbers) == (
        ["名称", "电话"],
        [["甲", None], ["乙", "021-12345678"]],
        [1, 2],
    )


def test_missing_records_path_names_file_and_path(tmp_path):
    path = tmp_path / "entities.json"
    path.write_text('{"data": {"rows": []}}', encoding="utf-8")
    with pytest.raises(ReadError, match=r"has no records at 'data.items' \(missing 'items'\)") as error:
        read(path, _spec(json={"records_path": "data.items"}))
    assert str(path) in str(error.value)


def test_invalid_json_document(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"名称": "甲"},', encoding="utf-8")
    with pytest.raises(ReadError, match=f"file {path} is not valid JSON"):
        read(path, _spec())


def test_json_lines_with_a_broken_line(tmp_path):
    path = tmp_path / "patrol.jsonl"
    path.write_text(
        '{"名称": "老王面馆", "巡查": {"结果": "合格"}}\n'
        "\n"
        '{"名称": "小李咖啡", "外摆": tru\n'
        "[1, 2]\n"
        '{"名称": "阿强水果", "分数": 9.50}\n',
        encoding="utf-8",
    )
    delivered = read(path, _spec("jsonl"))
    [part] = delivered.parts
    assert part.header == ["名称", "巡查", "分数"]
    assert part.rows == [["老王面馆", '{"结果":"合格"}', None], ["阿强水果", None, "9.50"]]
    assert part.row_numbers == [1, 5]
    broken, not_object = delivered.unreadable
    assert (broken.row_number, broken.raw) == (3, '{"名称": "小李咖啡", "外摆": tru')
    assert broken.reason.startswith("not valid JSON: Expecting value")
    assert not_object == Unreadable(4, "line is not a JSON object", "[1, 2]")


def test_gbk_json_lines(tmp_path):
    path = tmp_path / "patrol_gbk.jsonl"
    path.write_bytes('{"名称": "黄浦区长乐路老王面馆", "结果": "整改"}\n'.encode("gbk"))
    delivered = read(path, _spec("jsonl"))
    assert (delivered.encoding, delivered.parts[0].rows) == ("gbk", [["黄浦区长乐路老王面馆", "整改"]])


def test_empty_json_file(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ReadError, match=f"file {path} is empty"):
        read(path, _spec())


def test_an_exploded_list_makes_each_member_a_row_after_its_household_carrying_only_what_is_named(tmp_path):
    path = tmp_path / "households.json"
    path.write_text(
        '{"rows": ['
        '{"hh": "001", "hzxm": "杨磊", "hzsfz": "310101199203309573", "zz": "思南路22号501室",'
        ' "cy": [{"xm": "沈峰", "sfz": "310101198811253441"}, 7, {"xm": "杨依", "zz": "永嘉路8弄3号"}]},'
        ' "not an object",'
        ' {"hh": "002", "hzxm": "俞桂", "zz": "永嘉路8弄3号301室", "cy": []},'
        ' {"hh": "003", "hzxm": "韩雪", "cy": "none"}'
        "]}",
        encoding="utf-8",
    )
    delivered = read(path, _spec(json={"records_path": "rows", "explode": "cy", "carry": ["hh", "zz"]}))
    [part] = delivered.parts
    rows = [dict(zip(part.header, row, strict=True)) for row in part.rows]
    by_number = dict(zip(part.row_numbers, rows, strict=True))
    # reading order: the household, its members (an item that is no object keeps its number), the next record
    assert part.row_numbers == [1, 2, 4, 6, 7]
    assert [(u.row_number, u.reason) for u in delivered.unreadable] == [
        (3, "item 2 of 'cy' is not a JSON object"),
        (5, "record is not a JSON object"),
    ]
    head, member, moved = by_number[1], by_number[2], by_number[4]
    assert head["hzsfz"] == "310101199203309573" and head["xm"] is None and head.get("cy") is None
    # a member carries the household number and address, never the head's name or ID number
    assert (member["hh"], member["zz"], member["xm"], member["sfz"]) == (
        "001",
        "思南路22号501室",
        "沈峰",
        "310101198811253441",
    )
    assert member["hzxm"] is None and member["hzsfz"] is None
    assert (moved["xm"], moved["zz"]) == ("杨依", "永嘉路8弄3号")  # a member's own value beats the carried one
    assert (by_number[6]["hzxm"], by_number[7]["cy"]) == ("俞桂", "none")  # no list: the record's row as it is
    again = read(path, _spec(json={"records_path": "rows", "explode": "cy", "carry": ["hh", "zz"]}))
    assert again.parts[0].row_numbers == part.row_numbers and again.parts[0].rows == part.rows
