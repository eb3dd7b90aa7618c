"""The CSV reader on real files: encodings, quoted newlines, ragged rows, blank lines, edge files."""

from __future__ import annotations

import codecs

import pytest

from connectors.readers import ReadError, Unreadable
from connectors.readers.csv import read
from connectors.spec import SourceSpec


def _spec(**extra) -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "residents",
            "title": "实有人口",
            "owner": "公安",
            "level": "M",
            "format": "csv",
            "record_kind": "person",
            "columns": {"姓名": {"to": "name"}, "身份证号": {"to": "id_number"}},
            **extra,
        }
    )


def test_gbk_csv_values_kept_as_written(tmp_path):
    path = tmp_path / "residents.csv"
    text = "姓名,身份证号,门牌,备注\r\n张三,310101195001011234,'0012, 带空格 \r\n李四,,00123,\r\n"
    path.write_bytes(text.encode("gbk"))
    delivered = read(path, _spec())
    part = delivered.parts[0]
    assert delivered.encoding == "gbk"
    assert part.header == ["姓名", "身份证号", "门牌", "备注"]
    assert part.rows == [["张三", "310101195001011234", "'0012", " 带空格 "], ["李四", None, "00123", None]]
    assert part.row_numbers == [2, 3]
    assert part.sheet is None and delivered.unreadable == []


def test_quoted_newlines_and_blank_lines_keep_physical_line_numbers(tmp_path):
    path = tmp_path / "hotline.csv"
    path.write_text('姓名,诉求\n\n张三,"楼上漏水\n已报物业"\n,\n李四,"噪音,""深夜"""\n\n', encoding="utf-8")
    part = read(path, _spec()).parts[0]
    assert part.rows == [["张三", "楼上漏水\n已报物业"], ["李四", '噪音,"深夜"']]
    assert part.row_numbers == [3, 6]


def test_ragged_rows_are_unreadable_not_dropped(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("姓名,身份证号,电话\n张三,1,2\n李四,3\n王五,4,5,6\n赵六,7,8,,\n", encoding="utf-8")
    delivered = read(path, _spec())
    assert delivered.parts[0].rows == [["张三", "1", "2"], ["赵六", "7", "8"]]
    assert delivered.parts[0].row_numbers == [2, 5]
    assert delivered.unreadable == [
        Unreadable(3, "row has 2 fields, header has 3", "李四,3"),
        Unreadable(4, "row has 4 fields, header has 3", "王五,4,5,6"),
    ]


def test_unterminated_quote_at_the_end_is_unreadable(tmp_path):
    path = tmp_path / "open_quote.csv"
    path.write_text('姓名,诉求\n张三,"漏水\n李四,噪音\n', encoding="utf-8")
    delivered = read(path, _spec())
    assert delivered.parts[0].rows == []
    assert delivered.unreadable == [
        Unreadable(2, "unterminated quote runs to the end of the file", '张三,"漏水\n李四,噪音')
    ]


def test_utf16_unicode_text_is_tab_separated(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "姓名\t身份证号\r\n张三\t310101195001011234\r\n".encode("utf-16-le"))
    delivered = read(path, _spec())
    assert delivered.encoding == "utf-16-le"
    assert delivered.parts[0].rows == [["张三", "310101195001011234"]]


def test_utf8_bom_does_not_stick_to_the_first_header(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_bytes(codecs.BOM_UTF8 + "姓名,身份证号\n张三,1\n".encode())
    delivered = read(path, _spec())
    assert (delivered.encoding, delivered.parts[0].header) == ("utf-8-sig", ["姓名", "身份证号"])


def test_spec_delimiter_and_quotechar(tmp_path):
    path = tmp_path / "pipes.csv"
    path.write_text("姓名|地址\n张三|'长乐路|100弄'\n", encoding="utf-8")
    part = read(path, _spec(csv={"delimiter": "|", "quotechar": "'"})).parts[0]
    assert part.rows == [["张三", "长乐路|100弄"]]


def test_undecodable_bytes_make_their_row_unreadable(tmp_path):
    path = tmp_path / "bad_byte.csv"
    good = "姓名,地址\n张三,黄浦区长乐路\n".encode("gbk")
    path.write_bytes(good + "李四,静安区".encode("gbk") + b"\xff\n" + "王五,徐汇区\n".encode("gbk"))
    delivered = read(path, _spec())
    assert delivered.parts[0].rows == [["张三", "黄浦区长乐路"], ["王五", "徐汇区"]]
    assert delivered.unreadable == [Unreadable(3, "undecodable bytes for encoding gb18030", "李四,静安区\ufffd")]
    assert delivered.notes == ["1 undecodable byte sequences for gb18030"]


def test_header_only_file_has_no_rows(tmp_path):
    path = tmp_path / "header_only.csv"
    path.write_text("姓名,身份证号\n", encoding="utf-8")
    part = read(path, _spec()).parts[0]
    assert (part.header, part.rows, part.row_numbers) == (["姓名", "身份证号"], [], [])


@pytest.mark.parametrize("content", [b"", b"\r\n\n  \n"])
def test_empty_file_is_an_error_naming_it(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(ReadError, match="is empty") as error:
        read(path, _spec())
    assert str(path) in str(error.value)


def test_workbook_named_csv_is_binary(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(ReadError) as error:
        read(path, _spec())
    assert str(error.value).startswith(f"file {path} is binary, not text")
