"""CSV and tab-separated text ('Unicode text' from Excel), read with the stdlib csv module.

The first non-blank record is the header. Values are kept exactly as written; an empty field is
None. Quoted fields may span lines; a row's number is the physical line where its record starts.
A row with more or fewer fields than the header, or with undecodable bytes, is returned as
Unreadable with its raw text. Blank lines (and records of only empty fields) are skipped.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from connectors.readers import Delivered, Part, ReadError, Unreadable
from connectors.readers.encoding import REPLACEMENT, DecodedText, decode_file
from connectors.spec import SourceSpec

# A free-text cell (a hotline complaint) can run to megabytes; the csv module's 128 KiB default would
# fail the whole file on it.
csv.field_size_limit(2**31 - 1)


def read(path: Path, spec: SourceSpec) -> Delivered:
    """Read one delimited text file as a single Part; raises ReadError naming the file (and line)."""
    decoded = decode_file(path, spec.encoding)
    if not decoded.text.strip():
        raise ReadError(f"file {path} is empty")
    lines = io.StringIO(decoded.text, newline="").readlines()
    quotechar = spec.csv.quotechar if spec.csv else '"'
    reader = csv.reader(iter(lines), delimiter=_delimiter(spec, decoded), quotechar=quotechar)
    header: list[str] | None = None
    rows: list[list[str | None]] = []
    row_numbers: list[int] = []
    unreadable: list[Unreadable] = []
    end = 0
    try:
        for fields in reader:
            start, end = end + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                header = fields
                continue
            raw = "".join(lines[start - 1 : end]).rstrip("\r\n")
            fields = _without_empty_tail(fields, len(header))
            if end == len(lines) and _ends_inside_quotes(raw, reader.dialect):
                unreadable.append(Unreadable(start, "unterminated quote runs to the end of the file", raw))
            elif decoded.replaced and REPLACEMENT in raw:
                unreadable.append(Unreadable(start, decoded.replacement_reason, raw))
            elif len(fields) != len(header):
                unreadable.append(Unreadable(start, f"row has {len(fields)} fields, header has {len(header)}", raw))
            else:
                rows.append([value if value != "" else None for value in fields])
                row_numbers.append(start)
    except csv.Error as exc:
        raise ReadError(f"file {path} line {end + 1}: not readable as CSV: {exc}") from exc
    if header is None:
        raise ReadError(f"file {path} is empty")
    notes = []
    if decoded.replaced:
        notes.append(f"{decoded.replaced} undecodable byte sequences for {decoded.encoding}")
    return Delivered([Part(header, rows, row_numbers)], unreadable, notes, decoded.encoding)


def _delimiter(spec: SourceSpec, decoded: DecodedText) -> str:
    # Excel's 'Unicode text' export is UTF-16 with tabs; a delimiter set in the spec still wins.
    if spec.csv is not None and "delimiter" in spec.csv.model_fields_set:
        return spec.csv.delimiter
    if decoded.encoding.startswith("utf-16"):
        return "\t"
    return spec.csv.delimiter if spec.csv else ","


def _ends_inside_quotes(raw: str, dialect: csv.Dialect) -> bool:
    """Whether the file's last record ends inside a quoted field: a stray opening quote that swallowed
    the rest of the file (a quote inside an unquoted value, 王"五, is fine)."""
    try:
        list(csv.reader(io.StringIO(raw, newline=""), dialect, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _without_empty_tail(fields: list[str], width: int) -> list[str]:
    """Drop empty fields past the header's width (trailing separators lose nothing)."""
    if len(fields) > width and not any(fields[width:]):
        return fields[:width]
    return fields
