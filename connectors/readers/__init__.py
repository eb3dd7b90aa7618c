"""Readers: one per native format. Each turns one delivered file into rows of text, nothing lost.

Every reader has the signature ``read(path: Path, spec: SourceSpec) -> Delivered``. Values stay
exactly as written (strings; None for an empty cell). Rows the reader cannot read as rows (ragged
CSV lines, undecodable bytes) are returned as ``Unreadable`` with the reason, never dropped.
A file that cannot be read at all raises ``ReadError`` naming the file (and sheet, row, column).
"""
from __future__ import annotations

from dataclasses import dataclass, field


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
