"""Readers stay bounded: a stray cell in column XFD and a 50 MB single-line file fail with a named
reason in seconds and under a fixed memory ceiling, and headers de-duplicate in linear time."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from connectors.readers import ReadError, read_delivery, unique_header
from connectors.spec import SourceSpec

REPO = Path(__file__).resolve().parents[2]
MEMORY_CEILING = 1 * 2**30  # the unbounded readers needed more than 8 GiB for the stray cell


def _spec(fmt: str, **extra) -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "volunteers",
            "title": "志愿者",
            "owner": "居委会",
            "level": "S",
            "format": fmt,
            "record_kind": "person",
            "columns": {"姓名": {"to": "name"}, "身份证号": {"to": "id_number"}},
            **extra,
        }
    )


def _read_capped(path: Path, fmt: str) -> str:
    """Read ``path`` in a child process whose address space is capped at MEMORY_CEILING; its output."""
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CEILING}, {MEMORY_CEILING}))
        from pathlib import Path
        from connectors.readers import ReadError, read_delivery
        from connectors.spec import SourceSpec
        spec = SourceSpec.model_validate({{"name": "x", "title": "t", "owner": "o", "level": "S", "format": "{fmt}",
                                          "record_kind": "person", "columns": {{"姓名": {{"to": "name"}}}}}})
        try:
            read_delivery(Path(sys.argv[1]), spec)
        except ReadError as error:
            print(error)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _with_stray_cell(workbook: bytes) -> bytes:
    """The workbook with a cell "x" at XFD5 and its dimension reaching it, byte for byte what xlsxwriter writes when
    given that cell (docProps/core.xml's creation time aside): once a sheet reaches column XFD, xlsxwriter looks up
    all 16,384 columns of every row it writes, 15 CPU seconds for these 20,000 rows."""
    stray = b'<c r="XFD5" t="inlineStr"><is><t>x</t></is></c>'
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert part.count(b'<dimension ref="A1:B20001"/>') == part.count(b'</row><row r="6">') == 1
                part = part.replace(b'<dimension ref="A1:B20001"/>', b'<dimension ref="A1:XFD20001"/>')
                part = part.replace(b'</row><row r="6">', stray + b'</row><row r="6">')
            target.writestr(item, part)
    return out.getvalue()


def test_a_stray_cell_in_column_xfd_fails_fast_in_bounded_memory(tmp_path):
    path = tmp_path / "名册.xlsx"
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = book.add_worksheet("名册")
    sheet.write_row(0, 0, ["姓名", "身份证号"])
    for row in range(1, 20_001):
        sheet.write_row(row, 0, ["张三", "310101198001011234"])
    book.close()
    path.write_bytes(_with_stray_cell(buffer.getvalue()))
    started = time.monotonic()
    message = _read_capped(path, "excel")
    assert time.monotonic() - started < 20
    assert f"file {path} sheet '名册' cell XFD5: past the limit of 1,000 columns" in message


def test_a_50_mb_single_line_file_fails_fast_in_bounded_memory(tmp_path):
    path = tmp_path / "名册.csv"
    path.write_bytes(b"a," * (25 * 2**20) + b"\n")
    started = time.monotonic()
    message = _read_capped(path, "csv")
    assert time.monotonic() - started < 20
    assert f"file {path} line 1 (the header) has 52,428,801 characters, past the limit of 16,777,216" in message


def test_limits_are_set_in_the_spec(tmp_path):
    path = tmp_path / "名册.csv"
    path.write_text(
        "姓名,身份证号,备注\n张三,310101198001011234,短\n李四,310101198001011234," + "长" * 50 + "\n", encoding="utf-8"
    )
    delivered = read_delivery(path, _spec("csv", limits={"max_cell_chars": 20}))
    assert delivered.parts[0].rows == [["张三", "310101198001011234", "短"]]
    (row,) = delivered.unreadable
    assert (row.row_number, row.column) == (3, "备注")
    assert "holds 50 characters, past the limit of 20 (max_cell_chars" in row.reason
    with pytest.raises(ReadError, match=r"line 1: the header has 3 columns, past the limit of 2 \(max_columns"):
        read_delivery(path, _spec("csv", limits={"max_columns": 2}))


def test_header_de_duplication_is_linear():
    started = time.monotonic()
    names = unique_header(["x"] * 200_000)
    assert names[:3] == ["x", "x_2", "x_3"] and names[-1] == "x_200000" and len(set(names)) == 200_000
    assert time.monotonic() - started < 2  # the quadratic version took hours


def test_invisible_characters_leave_headers_and_are_counted_in_values(tmp_path):
    path = tmp_path / "名册.csv"
    path.write_text(
        "姓名,身份\u200b证号\n张\u200b三,310101198001011234\n\u202e李四,310101198001011234\n", encoding="utf-8"
    )
    delivered = read_delivery(path, _spec("csv"))
    assert delivered.parts[0].header == ["姓名", "身份证号"]
    assert delivered.parts[0].rows[0][0] == "张\u200b三"  # raw keeps what was delivered; staging cleans
    assert any("header '身份\\u200b证号' of column 2: invisible characters removed" in n for n in delivered.notes)
    assert any("column '姓名': 2 values with invisible characters" in n for n in delivered.notes)
