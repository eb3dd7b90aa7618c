"""Profile a sample export with no spec yet: its format, encoding, sheets, header, and each column's shape.

The shapes (ID number, phone, date, address, name, ...) let ``draft`` map columns whose header
says little, and tell district IT what a column really holds before they write its spec.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from connectors.readers import Delivered, ReadError, read_delivery
from connectors.readers.encoding import decode_file
from connectors.spec import SourceSpec

SAMPLE_VALUES = 300
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
                "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤倪俞殷施郁")
SHAPES = (  # first match wins, in this order
    ("id_number", re.compile(r"[1-9]\d{5}(19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx]|\d{15}|\d{6}\*{4,8}\d{3}[\dXx]|\d\.\d+E\+17")),
    ("credit_code", re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")),
    ("phone", re.compile(r"(\+?86[ -]?)?1[3-9]\d[ -]?(\d{4}|\*{4})[ -]?\d{4}|\(?0?21\)?[ -]?\d{8}|\d{3}\*{4}\d{4}")),
    ("datetime", re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2})?.*")),
    ("date", re.compile(r"\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?|\d{8}|\d{4}年\d{1,2}月(\d{1,2}日)?")),
    ("integer", re.compile(r"-?\d+")),
    ("number", re.compile(r"-?\d+(\.\d+)?\s*(㎡|元|m2)?")),
    ("code", re.compile(r"[男女]|[A-Za-z0-9\-_]{2,20}")),
    ("address", re.compile(r".*(路|街|弄|号|室|小区|公寓|大楼|新村|幢|栋|单元).*")),
    ("name", re.compile(r"[\u4e00-\u9fff·]{2,4}")),
)


@dataclass
class ColumnProfile:
    name: str
    filled: float
    """Share of rows with a value."""
    distinct: float
    """Share of distinct values among filled rows."""
    shape: str
    samples: list[str] = field(default_factory=list)


@dataclass
class Profile:
    path: Path
    format: str
    encoding: str | None
    delimiter: str | None = None
    header_rows: int = 1
    sheets: list[str] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    """Fixed-width layouts only: the field widths found from the columns of blanks."""
    rows: int = 0
    columns: list[ColumnProfile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def shape_of(values: list[str]) -> str:
    """The shape most values have; free text when none fits most of them."""
    counts = Counter()
    for value in values[:SAMPLE_VALUES]:
        for shape, pattern in SHAPES:
            if pattern.fullmatch(value.strip()):
                if shape == "name" and value.strip()[0] not in _SURNAMES:
                    continue
                counts[shape] += 1
                break
    if not counts:
        return "text"
    shape, count = counts.most_common(1)[0]
    return shape if count >= 0.6 * min(len(values), SAMPLE_VALUES) else "text"


def _format_of(path: Path, text: str | None) -> tuple[str, str | None]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return "excel", None
    if suffix == ".jsonl":
        return "jsonl", None
    if suffix == ".json":
        return "json", None
    head = (text or "").splitlines()[:20]
    counts = {d: min(line.count(d) for line in head) for d in ("\t", ",", "|", ";")} if head else {}
    delimiter = max(counts, key=counts.get) if counts and max(counts.values()) > 0 else None
    return ("csv", delimiter) if delimiter else ("fixed_width", None)


def _widths(lines: list[str]) -> list[int]:
    """Fields of a fixed-width file: runs of character columns that are not blank in every line."""
    width = max(map(len, lines))
    padded = [line.ljust(width) for line in lines]
    blank = [all(line[i] == " " for line in padded) for i in range(width)]
    widths, start = [], 0
    for i in range(1, width + 1):
        if i == width or (blank[i] and not blank[i - 1]):
            end = i
            while end < width and blank[end]:
                end += 1
            widths.append(end - start)
            start = end
    return [w for w in widths if w]


def _records_path(document, path: str | None = None) -> str | None:
    """The dotted path to the longest list of records in a JSON document (None: the document itself)."""
    if isinstance(document, list):
        return path
    found = [(len(v) if isinstance(v, list) else 0, _records_path(v, f"{path}.{k}" if path else k))
             for k, v in document.items() if isinstance(v, (dict, list))] if isinstance(document, dict) else []
    return max(found, default=(0, path))[1]


def _merged_look(delivered: Delivered) -> bool:
    """Header names the reader had to invent (列3) or repeat (本月走访_2): a merged header read as one row."""
    return any(re.fullmatch(r"列\d+|.+_\d", h) for p in delivered.parts for h in p.header)


def _read(path: Path, fmt: str, options: dict) -> Delivered:
    spec = SourceSpec.model_validate({"name": "draft", "title": "draft", "owner": "?", "level": "S", "format": fmt,
                                      "record_kind": "person", "columns": {}, **options})
    return read_delivery(path, spec)


def profile(path: Path) -> Profile:
    """Read a sample export the way the pipeline would and describe it; raises ReadError if it cannot."""
    text = encoding = None
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
        decoded = decode_file(path)
        text, encoding = decoded.text, decoded.encoding
    fmt, delimiter = _format_of(path, text)
    found = Profile(path, fmt, encoding, delimiter)
    options: dict = {}
    if fmt == "csv":
        options["csv"] = {"delimiter": delimiter}
    elif fmt == "json":
        options["json"] = {"records_path": _records_path(json.loads(text))}
    elif fmt == "fixed_width":
        found.widths = _widths([line for line in text.splitlines()[:500] if line.strip()])
        options["fixed_width"] = {"fields": [{"name": f"列{i + 1}", "width": w} for i, w in enumerate(found.widths)]}
    delivered = _read(path, fmt, options)
    if fmt == "excel" and _merged_look(delivered):
        two_rows = _read(path, fmt, {"excel": {"header_rows": 2}})  # blank or repeated names: two header rows?
        if not _merged_look(two_rows):
            delivered, found.header_rows = two_rows, 2
    if not delivered.parts:
        raise ReadError(f"{path}: no table found to profile")
    found.sheets = [p.sheet for p in delivered.parts if p.sheet]
    found.notes = list(delivered.notes)
    found.rows = delivered.row_count
    part = max(delivered.parts, key=lambda p: len(p.rows))
    for i, name in enumerate(part.header):
        values = [row[i] for row in part.rows if row[i] not in (None, "")]
        found.columns.append(ColumnProfile(
            name, len(values) / max(len(part.rows), 1), len(set(values)) / max(len(values), 1),
            shape_of(values), list(dict.fromkeys(values))[:3]))
    return found
