"""Readers: one per native format. Each turns one delivered file into rows of text, nothing lost.

Every reader has the signature ``read(path: Path, spec: SourceSpec) -> Delivered``. Values stay
exactly as written (strings; None for an empty cell). Rows the reader cannot read as rows (ragged
CSV lines, undecodable bytes) are returned as ``Unreadable`` with the reason, never dropped.
A file that cannot be read at all raises ``ReadError`` naming the file (and sheet, row, column).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field
from itertools import repeat
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


INVISIBLE = "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
"""Zero-width, soft-hyphen and bidi control characters (a regex class body): invisible in any viewer,
yet they make 张\u200b三 differ from 张三 and a header differ from the spec's."""
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def read_delivery(path: Path, spec: SourceSpec) -> Delivered:
    """Read one delivered file with the reader for ``spec.format``; every Part's header comes back
    with invisible characters removed and unique, non-empty names (see ``unique_header``), at most
    ``spec.limits.max_columns`` wide, and rows holding a value longer than ``max_cell_chars`` come
    back as Unreadable. Values keep invisible characters (staging removes them); the notes say how
    many each column holds. Database sources are pulled with ``connectors.readers.sql.pull``
    instead. Raises ReadError naming the file."""
    from importlib import import_module

    if spec.format not in _READERS:
        raise ReadError(f"file {path}: format {spec.format} is not read from files; use readers.sql.pull")
    if not path.is_file():
        raise ReadError(f"file {path} does not exist")
    delivered = import_module(_READERS[spec.format]).read(path, spec)
    for part in delivered.parts:
        where = f"file {path}" + (f" sheet {part.sheet!r}" if part.sheet is not None else "")
        if len(part.header) > spec.limits.max_columns:
            raise ReadError(
                f"{where}: {len(part.header):,} columns, past the limit of {spec.limits.max_columns:,} "
                "(max_columns in the spec's limits); not read"
            )
        header = [_INVISIBLE.sub("", name) if name else name for name in part.header]
        delivered.notes += [
            f"{where}: header {raw!r} of column {n}: invisible characters removed"
            for n, (raw, name) in enumerate(zip(part.header, header, strict=False), start=1)
            if raw != name
        ]
        part.header = unique_header(header)
        overlong, notes = _overlong_rows(part, spec.limits.max_cell_chars, where)
        delivered.unreadable += overlong
        delivered.notes += notes
    return delivered


def unique_header(names: list[str | None]) -> list[str]:
    """Header names stripped of surrounding spaces; an empty one becomes "列N" (N its 1-based
    position) and a repeated one "name_2", "name_3", ... so every column can be addressed.
    Linear in the number of names, however many repeat."""
    seen: set[str] = set()
    next_suffix: dict[str, int] = {}
    result = []
    for position, raw in enumerate(names, start=1):
        candidate = unused_name((raw or "").strip() or f"列{position}", seen, next_suffix)
        seen.add(candidate)
        result.append(candidate)
    return result


def unused_name(name: str, taken: Container[str], next_suffix: dict[str, int]) -> str:
    """``name``, or ``name_2``, ``name_3``, ... if taken; ``next_suffix`` remembers where each name's count
    stands, so a name repeated many times costs linear time, not quadratic."""
    if name not in taken:
        return name
    n = next_suffix.get(name, 2)
    while (candidate := f"{name}_{n}") in taken:
        n += 1
    next_suffix[name] = n + 1
    return candidate


def _overlong_rows(part: Part, limit: int, where: str) -> tuple[list[Unreadable], list[str]]:
    """Take the rows holding a value longer than ``limit`` out of ``part``, as Unreadable; and a note
    per column holding values with invisible characters (staging removes them). One pass in C over
    the joined rows finds both in the common case, where there is neither."""
    joined = list(map("\x1f".join, map(filter, repeat(None), part.rows)))
    overlong = (
        [i for i, text in enumerate(joined) if len(text) > limit] if max(map(len, joined), default=0) > limit else []
    )
    overlong = [i for i in overlong if max(map(len, filter(None, part.rows[i]))) > limit]
    notes = _invisible_values(part, joined, where) if _INVISIBLE.search("\x1e".join(joined)) else []
    unreadable = []
    for i in reversed(overlong):
        row, number = part.rows.pop(i), part.row_numbers.pop(i)
        column, value = next((c, v) for c, v in zip(part.header, row, strict=False) if v and len(v) > limit)
        shortened = "\t".join(v if len(v) <= 1000 else v[:1000] + "…" for v in (v or "" for v in row))
        unreadable.append(
            Unreadable(
                number,
                f"column {column!r} holds {len(value):,} characters, past the limit of "
                f"{limit:,} (max_cell_chars in the spec's limits)",
                shortened,
                part.sheet,
                column,
            )
        )
    return unreadable[::-1], notes


def _invisible_values(part: Part, joined: list[str], where: str) -> list[str]:
    counts: dict[str, int] = {}
    for row, text in zip(part.rows, joined, strict=False):
        if _INVISIBLE.search(text):
            for column, value in zip(part.header, row, strict=False):
                if value and _INVISIBLE.search(value):
                    counts[column] = counts.get(column, 0) + 1
    return [
        f"{where}: column {column!r}: {n} value{'s' if n > 1 else ''} with invisible characters (zero-width or "
        "bidi controls), removed in staging"
        for column, n in counts.items()
    ]
