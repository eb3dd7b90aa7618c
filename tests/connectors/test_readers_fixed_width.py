"""The fixed-width reader on a real GB18030 household-registration extract."""

from __future__ import annotations

import pytest

from connectors.readers import ReadError, Unreadable
from connectors.readers.fixed_width import read
from connectors.spec import SourceSpec


def _spec(encoding: str = "detect") -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "household_registration",
            "title": "户籍人口",
            "owner": "公安",
            "level": "N",
            "format": "fixed_width",
            "encoding": encoding,
            "record_kind": "person",
            "columns": {"姓名": {"to": "name"}, "身份证号": {"to": "id_number"}, "户号": {"to": "household_ref"}},
            "fixed_width": {
                "fields": [
                    {"name": "户号", "width": 6},
                    {"name": "姓名", "width": 4},
                    {"name": "身份证号", "width": 18},
                    {"name": "地址", "width": 8},
                ]
            },
        }
    )


def test_gb18030_layout_counts_characters_not_bytes(tmp_path):
    path = tmp_path / "hukou.txt"
    lines = [
        "000123张三  310101195001011234长乐路1001弄",
        "",
        "000123𠮷野花 31010119800101123X长乐路　　　　　",
        "   124李四  310101195001011234长乐路",
        "000125王五  310101195001011234长乐路1001弄5号",
        "      赵六  " + " " * 26,
    ]
    assert [len(line) for line in lines] == [36, 0, 36, 31, 38, 36]
    path.write_bytes("\r\n".join(lines).encode("gb18030") + b"\r\n")
    delivered = read(path, _spec())
    [part] = delivered.parts
    assert delivered.encoding == "gb18030"
    assert part.header == ["户号", "姓名", "身份证号", "地址"]
    assert part.rows == [
        ["000123", "张三", "310101195001011234", "长乐路1001弄"],
        ["000123", "𠮷野花", "31010119800101123X", "长乐路"],
        [None, "赵六", None, None],
    ]
    assert part.row_numbers == [1, 3, 6]
    assert delivered.unreadable == [
        Unreadable(4, "line has 31 characters, layout has 36", lines[3]),
        Unreadable(5, "line has 38 characters, layout has 36", lines[4]),
    ]


def test_explicit_encoding_is_used(tmp_path):
    path = tmp_path / "hukou_gbk.txt"
    path.write_bytes("000001张三  310101195001011234长乐路1001弄\n".encode("gbk"))
    delivered = read(path, _spec("gb18030"))
    assert (delivered.encoding, delivered.parts[0].rows[0][1]) == ("gb18030", "张三")


def test_empty_fixed_width_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ReadError, match=f"file {path} is empty"):
        read(path, _spec())
