"""Encoding detection on real files: BOMs, GBK, GB18030, UTF-16 without BOM, mojibake, binary."""

from __future__ import annotations

import codecs
import zipfile

import pytest

from connectors.readers import ReadError
from connectors.readers.encoding import decode_file

TEXT = "姓名,身份证号,地址\n张三,310101195001011234,上海市黄浦区南京东路街道长乐路100弄5号\n"


def test_utf8_bom_is_detected_and_removed(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + TEXT.encode("utf-8"))
    decoded = decode_file(path)
    assert (decoded.text, decoded.encoding, decoded.replaced) == (TEXT, "utf-8-sig", 0)


def test_plain_utf8(tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_bytes(TEXT.encode("utf-8"))
    assert decode_file(path).encoding == "utf-8"


def test_gbk_is_reported_as_gbk(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(TEXT.encode("gbk"))
    decoded = decode_file(path)
    assert (decoded.text, decoded.encoding) == (TEXT, "gbk")


def test_characters_outside_gbk_need_gb18030(tmp_path):
    text = TEXT + "𠮷野,310101199001011234,上海市黄浦区瑞金二路街道\n"
    path = tmp_path / "gb18030.csv"
    path.write_bytes(text.encode("gb18030"))
    decoded = decode_file(path)
    assert (decoded.text, decoded.encoding) == (text, "gb18030")


@pytest.mark.parametrize(
    ("codec", "bom", "expected"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("utf-16-le", b"", "utf-16-le"),
        ("utf-16-be", b"", "utf-16-be"),
    ],
)
def test_utf16_with_and_without_bom(tmp_path, codec, bom, expected):
    text = TEXT.replace(",", "\t")
    path = tmp_path / "unicode.txt"
    path.write_bytes(bom + text.encode(codec))
    decoded = decode_file(path)
    assert (decoded.text, decoded.encoding) == (text, expected)


def test_explicit_encoding_overrides_detection(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(TEXT.encode("gbk"))
    decoded = decode_file(path, "GB18030")
    assert (decoded.text, decoded.encoding) == (TEXT, "gb18030")


def test_utf8_read_as_gbk_is_mojibake(tmp_path):
    path = tmp_path / "declared_gbk.csv"
    path.write_bytes((TEXT * 3).encode("utf-8"))
    with pytest.raises(ReadError, match="does not read as gbk") as error:
        decode_file(path, "gbk")
    assert str(path) in str(error.value)


def test_gbk_read_as_utf8_is_refused(tmp_path):
    path = tmp_path / "declared_utf8.csv"
    path.write_bytes(TEXT.encode("gbk"))
    with pytest.raises(ReadError, match="undecodable or unlikely") as error:
        decode_file(path, "utf-8")
    assert str(path) in str(error.value)


def test_one_bad_byte_is_replaced_not_fatal(tmp_path):
    path = tmp_path / "one_bad.csv"
    path.write_bytes(TEXT.encode("gbk") + b"\xff" + TEXT.encode("gbk"))
    decoded = decode_file(path)
    assert (decoded.encoding, decoded.replaced) == ("gb18030", 1)


def test_unknown_explicit_encoding(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n")
    with pytest.raises(ReadError, match=r"unknown encoding 'klingon'"):
        decode_file(path, "klingon")


def test_xlsx_named_csv_is_binary(tmp_path):
    path = tmp_path / "export.csv"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ReadError) as error:
        decode_file(path)
    assert str(error.value).startswith(f"file {path} is binary, not text")


def test_nul_bytes_without_utf16_pattern_are_binary(tmp_path):
    path = tmp_path / "blob.csv"
    path.write_bytes(b"a,b\n" + bytes([0, 0, 0, 7, 1, 0, 0, 0, 9, 200]) * 40)
    with pytest.raises(ReadError, match=r"is binary, not text \(it holds NUL bytes\)"):
        decode_file(path)


def test_empty_file_decodes_to_nothing(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert decode_file(path).text == ""
