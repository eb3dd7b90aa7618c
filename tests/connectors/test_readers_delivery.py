"""read_delivery: dispatch on the spec's format, and headers every column can be addressed by."""

from __future__ import annotations

import pytest

from connectors.readers import ReadError, read_delivery, unique_header
from connectors.spec import SourceSpec


def _spec(fmt: str, **extra) -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "volunteers",
            "title": "志愿者",
            "owner": "居委会",
            "level": "S",
            "format": fmt,
            "record_kind": "person",
            "columns": {"姓名": {"to": "name"}},
            **extra,
        }
    )


def test_unique_header_names_empty_and_repeated_columns():
    assert unique_header([" 姓名 ", "", "电话", "电话", None, "电话_2", "电话"]) == [
        "姓名",
        "列2",
        "电话",
        "电话_2",
        "列5",
        "电话_2_2",
        "电话_3",
    ]


def test_csv_delivery_gets_unique_header(tmp_path):
    path = tmp_path / "volunteers.csv"
    path.write_text("姓名,电话,,电话\n张三,1,x,2\n", encoding="utf-8")
    delivered = read_delivery(path, _spec("csv"))
    assert delivered.parts[0].header == ["姓名", "电话", "列3", "电话_2"]
    assert delivered.parts[0].rows == [["张三", "1", "x", "2"]]


def test_jsonl_is_dispatched_to_the_json_reader(tmp_path):
    path = tmp_path / "volunteers.jsonl"
    path.write_text('{"姓名": "张三"}\n', encoding="utf-8")
    assert read_delivery(path, _spec("jsonl")).parts[0].rows == [["张三"]]


def test_missing_file(tmp_path):
    path = tmp_path / "gone.csv"
    with pytest.raises(ReadError, match=f"file {path} does not exist"):
        read_delivery(path, _spec("csv"))


def test_database_sources_are_not_files(tmp_path):
    spec = _spec("postgres", sql={"table": "t", "url_env": "X"})
    with pytest.raises(ReadError, match="use readers.sql.pull"):
        read_delivery(tmp_path / "x", spec)
