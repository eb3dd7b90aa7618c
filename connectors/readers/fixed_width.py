"""Fixed-width text (e.g. household registration extracts in GB18030), cut by the spec's layout.

Widths count characters after decoding, not bytes. Each value is stripped of its padding (ASCII
and ideographic spaces); an all-padding field is None. The header is the layout's field names.
A line shorter or longer than the layout, or with undecodable bytes, is returned as Unreadable.
"""

from __future__ import annotations

import io
from pathlib import Path

from connectors.readers import Delivered, Part, ReadError, Unreadable
from connectors.readers.encoding import REPLACEMENT, decode_file
from connectors.spec import SourceSpec

_PADDING = " \u3000"


def read(path: Path, spec: SourceSpec) -> Delivered:
    """Read one fixed-width file as a single Part; row numbers are physical line numbers."""
    if spec.fixed_width is None:
        raise ReadError(f"file {path}: source {spec.name} has no fixed_width layout")
    decoded = decode_file(path, spec.encoding)
    if not decoded.text.strip():
        raise ReadError(f"file {path} is empty")
    fields = spec.fixed_width.fields
    layout = sum(f.width for f in fields)
    rows: list[list[str | None]] = []
    row_numbers: list[int] = []
    unreadable: list[Unreadable] = []
    for number, line in enumerate(io.StringIO(decoded.text, newline=""), start=1):
        line = line.rstrip("\r\n")
        if not line.strip(_PADDING):
            continue
        if len(line) > spec.limits.max_line_chars:
            unreadable.append(
                Unreadable(
                    number,
                    f"line has {len(line):,} characters, past the limit of "
                    f"{spec.limits.max_line_chars:,} (max_line_chars in the spec's limits)",
                    line[:1000] + "…",
                )
            )
        elif decoded.replaced and REPLACEMENT in line:
            unreadable.append(Unreadable(number, decoded.replacement_reason, line))
        elif len(line) != layout:
            unreadable.append(Unreadable(number, f"line has {len(line)} characters, layout has {layout}", line))
        else:
            rows.append(_cut(line, [f.width for f in fields]))
            row_numbers.append(number)
    part = Part([f.name for f in fields], rows, row_numbers)
    return Delivered([part], unreadable, [], decoded.encoding)


def _cut(line: str, widths: list[int]) -> list[str | None]:
    values: list[str | None] = []
    start = 0
    for width in widths:
        value = line[start : start + width].strip(_PADDING)
        values.append(value or None)
        start += width
    return values
