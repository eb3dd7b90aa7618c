"""Readers: one per native format. Each turns one delivered file into rows of text, nothing lost.

Every reader has the signature ``read(path: Path, spec: SourceSpec) -> Delivered``. Values stay
exactly as written (strings; None for an empty cell). Rows the reader cannot read as rows (ragged
CSV lines, undecodable bytes) are returned as ``Unreadable`` with the reason, never dropped.
A file that cannot be read at all raises ``ReadError`` naming the file (and sheet, row, column).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.spec import SourceSpec


class ReadError(ValueError):
    """A delivery that cannot be read at all; the message names the file and where."""


@dataclass
class Part:
    """One table inside a delivery: a CSV file, an Excel sheet, a JSON document."""

    header: list[str]
    """Column names as delivered; multi-row headers flattened with '/' (e.g. '家属/姓名')."""
    rows: list[list[str | None]]
    """Data rows, each as long as the header."""
    row_numbers: list[int]
    """1-based position of each row in the file as a person would find it (line, Excel row, record)."""
    sheet: str | None = None
    """Sheet name for workbooks, else None."""


@dataclass
class Unreadable:
    """A row the reader could not turn into columns."""

    row_number: int
    reason: str
    raw: str
    sheet: str | None = None
    column: str | None = None


@dataclass
class Delivered:
    """What one delivery holds, as read."""

    parts: list[Part]
    unreadable: list[Unreadable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things worth telling a person: encoding detected, hidden sheets or columns, rows skipped as totals."""
    encoding: str | None = None

    @property
    def row_count(self) -> int:
        return sum(len(p.rows) for p in self.parts)


_READERS = {
    "csv": "connectors.readers.csv",
    "excel": "connectors.readers.excel",
    "json": "connectors.readers.json",
    "jsonl": "connectors.readers.json",
    "fixed_width": "connectors.readers.fixed_width",
}


def read_delivery(path: Path, spec: SourceSpec) -> Delivered:
    """Read one delivered file with the reader for ``spec.format``; every Part's header comes back
    with unique, non-empty names (see ``unique_header``). Database sources are pulled with
    ``connectors.readers.sql.pull`` instead. Raises ReadError naming the file."""
    from importlib import import_module

    if spec.format not in _READERS:
        raise ReadError(f"file {path}: format {spec.format} is not read from files; use readers.sql.pull")
    if not path.is_file():
        raise ReadError(f"file {path} does not exist")
    delivered = import_module(_READERS[spec.format]).read(path, spec)
    for part in delivered.parts:
        part.header = unique_header(part.header)
    return delivered


def unique_header(names: list[str | None]) -> list[str]:
    """Header names stripped of surrounding spaces; an empty one becomes "列N" (N its 1-based
    position) and a repeated one "name_2", "name_3", ... so every column can be addressed."""
    seen: set[str] = set()
    result = []
    for position, raw in enumerate(names, start=1):
        name = (raw or "").strip() or f"列{position}"
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        result.append(candidate)
    return result
