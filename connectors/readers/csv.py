"""CSV and tab-separated text ('Unicode text' from Excel), read with the stdlib csv module.

The first non-blank record is the header. Values are kept exactly as written; an empty field is
None. Quoted fields may span lines; a row's number is the physical line where its record starts.
A row with more or fewer fields than the header, or with undecodable bytes, is returned as
Unreadable with its raw text. Blank lines (and records of only empty fields) are skipped, and so is
Excel's separator hint (a first line "sep=;", whose separator is used unless the spec sets one). A
line longer than the spec's ``limits.max_line_chars`` is Unreadable (the header: the file fails),
and a header wider than ``limits.max_columns`` fails the file, before any row is parsed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from connectors.readers import Delivered, Part, ReadError, Unreadable
from connectors.readers.encoding import REPLACEMENT, DecodedText, decode_file
from connectors.spec import SourceSpec

# A free-text cell (a hotline complaint) can run to megabytes; the csv module's 128 KiB default would
# fail the whole file on it.
csv.field_size_limit(2**31 - 1)
_SEPARATOR_HINT = re.compile(r'"?sep=([^"\s])"?')


def read(path: Path, spec: SourceSpec) -> Delivered:
    """Read one delimited text file as a single Part; raises ReadError naming the file (and line)."""
    decoded = decode_file(path, spec.encoding)
    if not decoded.text.strip():
        raise ReadError(f"file {path} is empty")
    lines = io.StringIO(decoded.text, newline="").readlines()
    notes = []
    delimiter = _delimiter(spec, decoded)
    if hint := _SEPARATOR_HINT.fullmatch(lines[0].strip()):  # Excel's "sep=," line: not data
        lines[0] = "\n"
        if not _delimiter_in_spec(spec):
            delimiter = hint[1]
        notes.append(f"line 1 {hint[0]!r} is Excel's separator hint, not data: skipped")
    unreadable = _overlong_lines(lines, spec.limits.max_line_chars, path)
    quotechar = spec.csv.quotechar if spec.csv else '"'
    reader = csv.reader(iter(lines), delimiter=delimiter, quotechar=quotechar)
    header: list[str] | None = None
    rows: list[list[str | None]] = []
    row_numbers: list[int] = []
    end = 0
    try:
        for fields in reader:
            start, end = end + 1, reader.line_num
            if not "".join(fields).strip():  # blank, or only empty fields
                continue
            if header is None:
                if len(fields) > spec.limits.max_columns:
                    raise ReadError(
                        f"file {path} line {start}: the header has {len(fields):,} columns, past the "
                        f"limit of {spec.limits.max_columns:,} (max_columns in the spec's limits); not read"
                    )
                header = fields
                continue
            fields = _without_empty_tail(fields, len(header))
            # only the last record, a file with undecodable bytes or a ragged row can be unreadable
            last = end == len(lines)
            if (last or decoded.replaced or len(fields) != len(header)) and (
                problem := _unreadable(
                    lines[start - 1 : end], start, last, len(fields), len(header), decoded, reader.dialect
                )
            ):
                unreadable.append(problem)
            else:
                rows.append([value or None for value in fields])
                row_numbers.append(start)
    except csv.Error as exc:
        raise ReadError(f"file {path} line {end + 1}: not readable as CSV: {exc}") from exc
    if header is None:
        raise ReadError(f"file {path} is empty")
    if decoded.replaced:
        notes.append(f"{decoded.replaced} undecodable byte sequences for {decoded.encoding}")
    unreadable.sort(key=lambda row: row.row_number)
    return Delivered([Part(header, rows, row_numbers)], unreadable, notes, decoded.encoding)


def _unreadable(
    record: list[str], start: int, last: bool, fields: int, width: int, decoded: DecodedText, dialect: csv.Dialect
) -> Unreadable | None:
    """Why the record of ``fields`` fields on the ``record`` lines from line ``start`` (the file's ``last``
    record or not) cannot be read under a header ``width`` wide; None when it can."""
    raw = "".join(record).rstrip("\r\n")
    if last and _ends_inside_quotes(raw, dialect):
        return Unreadable(start, "unterminated quote runs to the end of the file", raw)
    if decoded.replaced and REPLACEMENT in raw:
        return Unreadable(start, decoded.replacement_reason, raw)
    if fields != width:
        return Unreadable(start, f"row has {fields} fields, header has {width}", raw)
    return None


def _overlong_lines(lines: list[str], limit: int, path: Path) -> list[Unreadable]:
    """Blank out the lines longer than ``limit`` (so the csv module never parses them) and return
    them as Unreadable; an overlong header fails the file."""
    overlong = [i for i, line in enumerate(lines) if len(line) > limit]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if overlong and overlong[0] == first:
        raise ReadError(
            f"file {path} line {first + 1} (the header) has {len(lines[first]):,} characters, past the "
            f"limit of {limit:,} (max_line_chars in the spec's limits); not read"
        )
    unreadable = []
    for i in overlong:
        reason = (
            f"line has {len(lines[i]):,} characters, past the limit of {limit:,} (max_line_chars in the spec's limits)"
        )
        unreadable.append(Unreadable(i + 1, reason, lines[i][:1000] + "…"))
        lines[i] = "\n"
    return unreadable


def _delimiter_in_spec(spec: SourceSpec) -> bool:
    return spec.csv is not None and "delimiter" in spec.csv.model_fields_set


def _delimiter(spec: SourceSpec, decoded: DecodedText) -> str:
    # Excel's 'Unicode text' export is UTF-16 with tabs; a delimiter set in the spec still wins.
    if _delimiter_in_spec(spec):
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
