"""Properties of the readers over generated tables: what a department writes is what lands.

Any table of text cells written as CSV in any of the encodings departments use reads back identical;
any cell text written to an xlsx sheet reads back as written (IDs with leading zeros and long digit
strings stay text); a fixed-width file cut by its layout gives back its values."""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.readers import read_delivery
from connectors.spec import SourceSpec

HEADER = ["姓名", "身份证号", "备注"]
# GB2312 characters only, so every encoding below can write them (and none reads as mojibake)
_CHINESE = "张王李赵刘陈杨黄周吴三四五六路弄号室楼单元长乐瑞金二居委会独居低保残疾"
_DIGITS = "0123456789"
cell = st.text(st.sampled_from(_CHINESE + _DIGITS + "abcXYZ ,\"'\n-/（）：、"), min_size=1, max_size=12)
id_like = st.text(st.sampled_from(_DIGITS), min_size=1, max_size=20)
# a row with at least one visible character: blank rows are skipped by design
row = st.tuples(cell | id_like, id_like, cell).map(list).filter(lambda r: any(v.strip() for v in r))
table = st.lists(row, min_size=1, max_size=15)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _spec(**fields) -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "ledger",
            "title": "台账",
            "owner": "居委会",
            "level": "S",
            "record_kind": "person",
            "columns": {"姓名": {"to": "name"}, "身份证号": {"to": "id_number"}, "备注": {"to": "note"}},
            **fields,
        }
    )


@PROPERTY
@given(rows=table, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]))
def test_csv_in_any_encoding_reads_back_identical(tmp_path, rows, encoding):
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    path = tmp_path / "ledger.csv"
    path.write_bytes(text.getvalue().encode(encoding))
    delivered = read_delivery(path, _spec(format="csv", encoding=encoding, csv={"delimiter": ","}))
    assert delivered.unreadable == []
    (part,) = delivered.parts
    assert part.header == HEADER
    assert part.rows == rows


@PROPERTY
@given(rows=table)
def test_utf8_csv_is_detected_and_reads_back_identical(tmp_path, rows):
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    path = tmp_path / "ledger.csv"
    path.write_bytes(text.getvalue().encode("utf-8"))
    (part,) = read_delivery(path, _spec(format="csv")).parts
    assert part.rows == rows


@PROPERTY
# "=..." would be written as a formula, and openpyxl writes a blank cell (" ") without
# xml:space="preserve", so its space is rightly dropped by any XML reader
@given(rows=table.filter(lambda rows: all(v.strip() and not v.startswith("=") for r in rows for v in r)))
def test_xlsx_cell_text_reads_back_as_written(tmp_path, rows):
    from openpyxl import Workbook

    book = Workbook()
    for values in [HEADER, *rows]:
        book.active.append(values)
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    (part,) = read_delivery(path, _spec(format="excel")).parts
    assert part.header == HEADER
    assert part.rows == rows
    assert part.row_numbers == list(range(2, len(rows) + 2))


WIDTHS = [6, 18, 10]
fixed_cell = st.text(st.sampled_from(_CHINESE + _DIGITS + "abc-"), min_size=1)


@PROPERTY
@given(
    rows=st.lists(
        st.tuples(*(fixed_cell.filter(lambda v, w=w: len(v) <= w) for w in WIDTHS)).map(list), min_size=1, max_size=15
    )
)
def test_fixed_width_round_trip(tmp_path, rows):
    path = tmp_path / "ledger.txt"
    lines = ("".join(v.ljust(w) for v, w in zip(r, WIDTHS, strict=False)) for r in rows)
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    layout = [{"name": n, "width": w} for n, w in zip(HEADER, WIDTHS, strict=False)]
    delivered = read_delivery(path, _spec(format="fixed_width", encoding="gb18030", fixed_width={"fields": layout}))
    assert delivered.unreadable == []
    assert delivered.parts[0].rows == rows
