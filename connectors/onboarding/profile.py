"""Profile a sample export with no spec yet: its format, encoding, sheets, header, and each column's shape.

The shapes (ID number, phone, date, address, name, ...) let ``draft`` map columns whose header
says little, and tell district IT what a column really holds before they write its spec. The file
is read by the pipeline's own readers, so what the profile shows is what a run will see.
"""

from __future__ import annotations

import csv
import json
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from stdnum.cn import uscc

from connectors.onboarding.sensitive import Verdict, column_verdict
from connectors.readers import Delivered, ReadError, read_delivery
from connectors.readers.encoding import decode_file
from connectors.readers.excel_cells import cell_text
from connectors.spec import SourceSpec
from schemas.identifiers import id_number_problem

SAMPLE_VALUES = 500
"""Values per column looked at for its shape; enough for a stable majority, fast on any export."""
SEPARATORS = "\t" + "".join(c for c in string.punctuation if c not in "\"'")
"""Characters csv.Sniffer may take for the field separator: a tab or any ASCII punctuation but quotes. Not a space
nor a letter: a file they would split is fixed-width."""
TITLE_LINES = 5
"""Lines above a text file's header (a title, a date of export) the separator is also looked for below."""
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤倪俞殷施郁"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "司徒")
_PLACE_ENDS = set("路街弄号室村苑楼里坊区镇巷园院店厂局站所")
_DATE = r"(19|20)\d{2}(?P<sep>[-/.])\d{1,2}((?P=sep)\d{1,2})?|(19|20)\d{2}年\d{1,2}月(\d{1,2}日)?"
_SHAPES = (  # tried in this order; the first full match names the value's shape
    (
        "id_number",
        re.compile(
            r"\d{6}(19|20)\d{2}[01]\d[0-3]\d\d{3}[\dX]|\d{6}\d{2}[01]\d[0-3]\d\d{3}"
            r"|(?=.{15}$|.{18}$)\d{1,14}\*{4,}\d{0,4}X?|\d\.\d+E\+1[4-7]"
        ),
    ),
    ("credit_code", re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")),
    ("phone", re.compile(r"1[3-9]\d{9}|1[3-9]\d\*{4}\d{4}|0?21\d{8}")),
    ("datetime", re.compile(rf"({_DATE})(日)?[ T]\d{{1,2}}:\d{{2}}(:\d{{2}}(\.\d+)?)?([+-]\d{{2}}:?\d{{2}}|Z)?")),
    ("date", re.compile(rf"{_DATE}|(19|20)\d{{2}}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")),
    ("integer", re.compile(r"-?\d{1,15}")),
    ("number", re.compile(r"-?\d+\.\d+|-?\d+(\.\d+)?\s*(㎡|平方米|元|m2|%)")),
    ("name", None),  # is_person_name; before address, as a name like 林楼生 holds an address character
    ("address", re.compile(r".{1,40}(路|街|弄|号|室|小区|公寓|大楼|新村|幢|栋|单元|楼|坊|里|苑)(.{0,40})")),
    ("code", re.compile(r"[男女]|[A-Za-z0-9][A-Za-z0-9\-_./]{1,30}")),
)
_EXCEL_SERIAL = range(20000, 60000)
"""Day numbers of 1954-2064 in Excel's 1900 system: a date cell that lost its format."""
_DATE_HEADER = re.compile(r"日期|时间|年月|[起止]$")
_LABEL_VALUE = re.compile(r".+[：:].+")
"""A cell like 填报单位：瑞金二路街道 is a note above the table, never a column header."""


@dataclass
class ColumnProfile:
    """What one delivered column holds."""

    name: str
    filled: float
    """Share of rows with a value."""
    distinct: float
    """Share of distinct values among filled rows (1.0: every value differs, a key candidate)."""
    shape: str
    """id_number, credit_code, phone, datetime, date, birth_date (the dates inside the rows' ID
    numbers), integer, number, address, name, code or text."""
    checksum_ok: float | None = None
    """ID numbers and credit codes only: share of full-length values whose check character is right."""
    samples: list[str] = field(default_factory=list)
    """Up to three distinct values, first seen first."""
    common: list[str] = field(default_factory=list)
    """Every distinct value when there are at most ten (a code list such as 男/女), else empty."""
    sensitive: Verdict | None = None
    """The sensitive identifier it holds (a bank card, a passport, ID numbers in a note), if any."""


@dataclass
class Profile:
    """What a sample export is and holds."""

    path: Path
    format: str
    encoding: str | None
    """Text encoding detected; None for workbooks."""
    delimiter: str | None = None
    header_row: int = 1
    """1-based row of the header (Excel: title rows above it are skipped)."""
    header_rows: int = 1
    """Rows the header spans: 2 for a merged two-row header."""
    sheets: list[str] = field(default_factory=list)
    records_path: str | None = None
    """JSON only: where the list of records sits inside the document."""
    explode: str | None = None
    """JSON only: the key of the records' nested lists of objects (a household's members), read as rows."""
    nested_columns: list[str] = field(default_factory=list)
    """JSON only: the columns the nested objects hold (the members' own keys), not their records'."""
    widths: list[int] = field(default_factory=list)
    """Fixed-width only: the field widths found from the columns of blanks."""
    rows: int = 0
    columns: list[ColumnProfile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def value_shape(value: str) -> str:
    """The shape of one value, 'text' when none fits."""
    v = value.strip().lstrip("'").upper()
    phone = re.sub(r"^(\+86|0086|86-)\s*|[\s()（）-]", "", v)
    for shape, pattern in _SHAPES:
        if is_person_name(v) if pattern is None else pattern.fullmatch(phone if shape == "phone" else v):
            if shape == "credit_code" and v.isdigit() and not uscc.is_valid(v):
                continue  # 18 digits without a valid check is some other code (an address code)
            return shape
    return "text"


def is_person_name(value: str) -> bool:
    """2-4 Chinese characters (a '·' allowed) starting with a common surname, not ending like a place."""
    if not re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", value) or len(value.replace("·", "")) > 4 or value[-1] in _PLACE_ENDS:
        return False
    return value[0] in _SURNAMES or value.startswith(_COMPOUND_SURNAMES)


def shape_of(values: list[str]) -> str:
    """The shape most values have (at least 60% of them), free text when none does.

    Five-digit numbers in a column that also holds dates are Excel serial dates, and count as dates.
    """
    looked = values[:SAMPLE_VALUES]
    shapes = [value_shape(v) for v in looked]
    counts = Counter(shapes)
    if counts["date"] or counts["datetime"]:
        serials = sum(s == "integer" and int(v) in _EXCEL_SERIAL for s, v in zip(shapes, looked, strict=False))
        counts["date"] += serials
        counts["integer"] -= serials
    if not counts:
        return "text"
    shape, count = counts.most_common(1)[0]
    return shape if count >= 0.6 * len(looked) else "text"


def checksum_share(values: list[str], shape: str) -> float | None:
    """Share of full-length ID numbers or credit codes (stdnum.cn.uscc) that validate; an ID number by the rules
    the quality gate applies (schemas/identifiers.py: a retired division such as 310103 卢湾区 is no error)."""
    check = {"id_number": lambda n: id_number_problem(n) is None, "credit_code": uscc.is_valid}.get(shape)
    full = [v.strip().lstrip("'") for v in values[:SAMPLE_VALUES] if len(v.strip().lstrip("'")) == 18]
    if check is None or not full:
        return None
    return sum(map(check, full)) / len(full)


def _format_of(path: Path, text: str | None) -> tuple[str, str | None]:
    """(format, delimiter) from the suffix, and for text files from the lines themselves."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return "excel", None
    if suffix in (".json", ".jsonl"):
        return suffix[1:], None
    lines = [line for line in (text or "").splitlines()[:50] if line.strip()]
    delimiter = _delimiter(lines)
    return ("csv", delimiter) if delimiter else ("fixed_width", None)


def _delimiter(lines: list[str]) -> str | None:
    """The field separator csv.Sniffer finds in the lines (a title row above the header allowed), None when none
    splits them alike: a fixed-width file. A character found only between digits (2026-10-01, 021-6632, 10:30)
    is inside values, not between them."""
    for titles in range(min(TITLE_LINES, len(lines) - 1) + 1):  # Sniffer wants nearly every line alike
        try:
            found = csv.Sniffer().sniff("\n".join(lines[titles:]), delimiters=SEPARATORS).delimiter
            break
        except csv.Error:
            continue
    else:
        return None
    between = re.compile(rf"(?<!\d){re.escape(found)}|{re.escape(found)}(?!\d)")
    return found if any(between.search(line) for line in lines) else None


def _widths(lines: list[str]) -> list[int]:
    """Fields of a fixed-width file: one ends where a run of columns blank in every line ends, where
    every line turns from digits to other characters or back (a code glued to a name) or from its
    padding to a value, and around an ID number glued to a code or a date."""
    width = max(map(len, lines))
    padded = [line.ljust(width) for line in lines]
    blank = [all(line[i] in _BLANKS for line in padded) for i in range(width)]

    def turns(i: int) -> bool:  # padding counts as the end of a field: 范建龙　1 and 欧阳娜娜1
        return all(_may_start(line[i - 1], line[i]) for line in padded) and any(
            line[i - 1] not in _BLANKS for line in padded
        )

    def id_inside(start: int, end: int) -> list[int]:  # an ID number glued to a sex code or a birth date
        for at in range(start, min(start + 3, end - 17)):
            if sum(value_shape(line[at : at + 18]) == "id_number" for line in padded) >= 0.9 * len(padded):
                return [i for i in (at, at + 18) if start < i < end]
        return []

    ends = [i for i in range(1, width) if (blank[i - 1] and not blank[i]) or turns(i)] + [width]
    ends = sorted(ends + [i for s, e in zip([0, *ends], ends, strict=False) for i in id_inside(s, e)])
    return [end - start for start, end in zip([0, *ends], ends, strict=False) if end > start]


_BLANKS = " \u3000"
"""Padding of fixed-width fields: a space, or the full-width space GBK systems pad Chinese text with."""


def _may_start(before: str, char: str) -> bool:
    """Whether a field may start at ``char``: after padding, or where digits turn into other
    characters or back, except letters into digits (DJ26100001 is one code)."""
    if char in _BLANKS:
        return False
    if before in _BLANKS:
        return True
    return _digitish(before) != _digitish(char) and not (before.isascii() and before.isalpha() and char.isdigit())


def _digitish(char: str) -> bool:
    return char.isdigit() or char in "Xx"


def _records_path(document, path: str | None = None) -> str | None:
    """The dotted path to the longest list of records in a JSON document (None: the document itself)."""
    if isinstance(document, list):
        return path
    found = (
        [
            (len(v) if isinstance(v, list) else 0, _records_path(v, f"{path}.{k}" if path else k))
            for k, v in document.items()
            if isinstance(v, (dict, list))
        ]
        if isinstance(document, dict)
        else []
    )
    return max(found, default=(0, path))[1]


def _nested_lists(delivered: Delivered) -> str | None:
    """The column holding, in every record that fills it, a list of objects (a household's members), the one
    filled in most records; None when there is none."""
    filled: Counter = Counter()
    for part in delivered.parts:
        for i, name in enumerate(part.header):
            values = [row[i] for row in part.rows if row[i] is not None]
            if values and all(v.startswith("[{") or v == "[]" for v in values) and any(v != "[]" for v in values):
                filled[name] += len(values)
    return filled.most_common(1)[0][0] if filled else None


def _merged_look(delivered: Delivered) -> bool:
    """Header names the reader had to invent (列3) or repeat (走访日期_2): a merged header read as one row."""
    return any(re.fullmatch(r"列\d+|.+_\d", h) for p in delivered.parts for h in p.header)


def _excel_header(path: Path) -> dict[str, dict]:
    """The header cells of the first visible sheet, as placeholder spec columns, so the reader finds
    the header below titles and notes (填报单位：...) on every sheet; {} leaves it to the reader.

    The header is the first row whose short text labels fill at least 60% of the widest row."""
    from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

    try:
        with CalamineWorkbook.from_path(path) as workbook:
            first = next(m.name for m in workbook.sheets_metadata if m.visible == SheetVisibleEnum.Visible)
            grid = [
                [cell_text(v) for v in row]
                for row in workbook.get_sheet_by_name(first).to_python(skip_empty_area=False, nrows=30)
            ]
    except (CalamineError, OSError, ValueError, StopIteration):
        return {}  # the real read below names the problem
    widest = max((sum(bool(c and c.strip()) for c in row) for row in grid), default=0)
    for row in grid:
        labels = [
            c.strip()
            for c in row
            if c
            and c.strip()
            and len(c.strip()) <= 30
            and not _LABEL_VALUE.fullmatch(c)
            and value_shape(c) in ("text", "name", "code", "address")
        ]
        if len(labels) >= max(2, 0.6 * widest):
            return {label: {"to": "note"} for label in labels}
    return {}


def _read(path: Path, fmt: str, options: dict) -> Delivered:
    """Read with a throwaway spec that fixes only the format (and, for workbooks, names the header
    cells found so the reader can locate it); the reader does the rest."""
    spec = SourceSpec.model_validate(
        {
            "name": "draft",
            "title": "draft",
            "owner": "?",
            "level": "S",
            "format": fmt,
            "record_kind": "person",
            "columns": {},
            **options,
        }
    )
    return read_delivery(path, spec)


def profile(path: Path) -> Profile:
    """Read a sample export the way the pipeline would and describe it; raises ReadError if it cannot."""
    text = encoding = None
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        if not path.is_file():
            raise ReadError(f"file {path} does not exist")
        decoded = decode_file(path)
        text, encoding = decoded.text, decoded.encoding
    fmt, delimiter = _format_of(path, text)
    found = Profile(path, fmt, encoding, delimiter)
    options: dict = {}
    if fmt == "csv":
        options["csv"] = {"delimiter": delimiter}
    elif fmt == "json":
        try:
            found.records_path = _records_path(json.loads(text))
        except json.JSONDecodeError as error:
            raise ReadError(f"file {path} is not valid JSON: {error}") from error
        options["json"] = {"records_path": found.records_path}
    elif fmt == "fixed_width":
        lines = [line for line in text.splitlines()[:500] if line.strip()]
        if not lines:
            raise ReadError(f"file {path} is empty")
        found.widths = _widths(lines)
        options["fixed_width"] = {"fields": [{"name": f"列{i + 1}", "width": w} for i, w in enumerate(found.widths)]}
    elif fmt == "excel":
        options["columns"] = _excel_header(path)
    delivered = _read(path, fmt, options)
    if fmt in ("json", "jsonl") and (nested := _nested_lists(delivered)):
        found.explode = nested
        exploded = _read(path, fmt, {"json": {**options.get("json", {}), "explode": nested}})
        (records,), (part,) = delivered.parts, exploded.parts
        found.nested_columns = [h for h in part.header if h not in records.header]
        delivered = exploded
    if fmt == "excel" and _merged_look(delivered):
        two_rows = _read(path, fmt, {**options, "excel": {"header_rows": 2}})
        if not _merged_look(two_rows):
            delivered, found.header_rows = two_rows, 2
    if not delivered.parts or not delivered.row_count:
        raise ReadError(f"file {path}: no table with rows found to profile")
    found.sheets = [p.sheet for p in delivered.parts if p.sheet]
    found.notes, found.rows = list(delivered.notes), delivered.row_count
    found.header_row = next((int(m[1]) for n in found.notes if (m := re.search(r"header at row (\d+)", n))), 1)
    values: dict[str, list[str]] = {}
    rows: Counter = Counter()
    for part in delivered.parts:  # all sheets together: a row counter restarting per sheet is no key
        for i, name in enumerate(part.header):
            values.setdefault(name, []).extend(row[i] for row in part.rows if row[i] not in (None, ""))
            rows[name] += len(part.rows)
    found.columns = [_column(name, column, rows[name]) for name, column in values.items()]
    ids = [c.name for c in found.columns if c.shape == "id_number"]
    for column in found.columns:
        if column.shape == "date" and ids and _births_of(delivered, column.name, ids[0]):
            column.shape = "birth_date"
    return found


def _births_of(delivered: Delivered, dates: str, ids: str) -> bool:
    """Whether a date column repeats the birth dates inside the same rows' ID numbers (digits 7-14)."""
    pairs = [
        (re.sub(r"\D", "", row[d] or ""), (row[i] or "").strip())
        for p in delivered.parts
        if dates in p.header and ids in p.header
        for d, i in [(p.header.index(dates), p.header.index(ids))]
        for row in p.rows
    ]
    # a birth month alone (1951.02) is compared with the month inside the ID number
    comparable = [(d, i) for d, i in pairs if len(d) in (6, 8) and len(i) == 18 and i[6:14].isdigit()]
    return bool(comparable) and sum(d == i[6 : 6 + len(d)] for d, i in comparable) >= 0.9 * len(comparable)


def _column(name: str, values: list[str], rows: int) -> ColumnProfile:
    distinct = list(dict.fromkeys(v.strip() for v in values))
    shape = shape_of(values)
    serials = all(v.isdigit() and int(v) in _EXCEL_SERIAL for v in distinct[:SAMPLE_VALUES])
    if shape == "integer" and serials and _DATE_HEADER.search(name):
        shape = "date"  # a date column whose cells lost their date format: staging reads the serials
    return ColumnProfile(
        name,
        len(values) / max(rows, 1),
        len(distinct) / max(len(values), 1),
        shape,
        checksum_share(values, shape),
        distinct[:3],
        distinct if len(distinct) <= 10 else [],
        column_verdict(name, values),
    )
