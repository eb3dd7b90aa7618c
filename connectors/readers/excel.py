"""Excel workbooks (xlsx and legacy xls) read with python-calamine, one Part per sheet.

Reads every visible worksheet (or the spec's ``excel.sheets``, hidden or not); hidden sheets left
out and hidden columns kept are reported in the notes. On each sheet the header is the spec's
``excel.header_row`` or, when None, the row of the first 100 that names the most of the spec's
columns (by name or alias), at least half; with none such the file fails rather than guess (a spec
without columns, or a note sheet without a row of two filled cells, takes its first such row).
Rows above the header are skipped. A header spanning ``excel.header_rows`` rows is flattened through its
merged cells: a cell merged across columns gives "top/bottom", a cell merged down gives its name
once. A data cell merged down over several rows (a family's 门牌 over its members' rows) gives its value to
every row it spans (noted). Blank rows are skipped, and totals rows (合计/总计/小计) and footnote rows (填表人, 注：...) below
the data are removed and counted in the notes. Values come out as Excel shows them (see
``cell_text``), cached error values (#N/A, #REF!...) as their text, and Excel's phantom serial day
60 as 1900-02-29, both noted for staging to quarantine; row numbers are Excel's 1-based row numbers.
A cell past the spec's ``limits.max_columns`` fails the file before calamine builds its grid.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from connectors.readers import Delivered, Part, ReadError
from connectors.readers.excel_cells import (
    SheetScan,
    cell_text,
    column_letter,
    formulas_without_values,
    hidden_columns,
    scan_sheets,
)
from connectors.spec import ExcelOptions, SourceSpec

HEADER_SEARCH_ROWS = 100
MAX_UNPACKED_BYTES = 4 * 2**30  # a million-row ledger unpacks to well under this; a zip bomb to far more
_TOTALS = ("合计", "总计", "小计")
_FOOTNOTES = ("填表人", "填报人", "填表日期", "制表", "审核人", "经办人", "负责人", "备注：", "备注:", "注：", "注:")
# the second and later items of a numbered note (注：1. ...) on rows of their own: "2. ...", "（2）..."
_NOTE_ITEM = re.compile(r"([0-9０-９]+[.．、]|[（(][0-9０-９]+[)）])\D")

Grid = list[list[str | None]]


def read(path: Path, spec: SourceSpec) -> Delivered:
    """Read a workbook's sheets; raises ReadError naming the file (and sheet) when it cannot."""
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if path.stat().st_size == 0:
        raise ReadError(f"file {path} is empty")
    _refuse_zip_bomb(path)
    options = spec.excel or ExcelOptions()
    notes: list[str] = []
    try:
        with path.open("rb") as stream:  # by content, not extension: an xls renamed .xlsx still opens
            workbook = CalamineWorkbook.from_filelike(stream)
    except (CalamineError, OSError, ValueError) as exc:
        raise ReadError(f"file {path} is not a readable workbook: {exc}") from exc
    with workbook:
        sheets = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        visible = [m.name for m in sheets if m.visible == SheetVisibleEnum.Visible]
        if options.sheets == "all":
            names = visible
            hidden = [m.name for m in sheets if m.name not in visible]
            if hidden and not visible:
                raise ReadError(
                    f"file {path} has only hidden sheets ({', '.join(hidden)}); name the ones "
                    "to read in the spec's excel.sheets"
                )
            if hidden:
                notes.append(f"hidden sheets not read: {', '.join(hidden)}")
        else:
            names = options.sheets
            for name in names:
                if name not in workbook.sheet_names:
                    raise ReadError(f"file {path} has no sheet {name!r} (it has: {', '.join(workbook.sheet_names)})")
                if name not in visible:
                    notes.append(f"sheet {name!r} is hidden; read because the spec names it")
        hidden_cols = hidden_columns(path)
        scans = scan_sheets(path, spec.limits.max_columns)
        # the scan rules out formulas in most sheets, sparing each a second reading; without a scan, look in all
        uncomputed = formulas_without_values(
            path, {n for n, s in scans.items() if s.may_hold_formulas} if scans else None
        )
        parts = []
        for name in names:
            scan = scans.get(name, SheetScan())
            if scan.wide_cell:
                raise ReadError(
                    f"file {path} sheet {name!r} cell {scan.wide_cell}: past the limit of "
                    f"{spec.limits.max_columns:,} columns (max_columns in the spec's limits; a stray "
                    "cell far to the right?); not read"
                )
            if (cells := scan.last_row * (scan.last_column + 1)) > spec.limits.max_cells:
                raise ReadError(
                    f"file {path} sheet {name!r}: its grid reaches row {scan.last_row:,} and column "
                    f"{column_letter(scan.last_column)}, {cells:,} cells, past the limit of "
                    f"{spec.limits.max_cells:,} (max_cells in the spec's limits; a stray cell far "
                    "down?); not read"
                )
            try:
                sheet = workbook.get_sheet_by_name(name)
                if sheet.width > spec.limits.max_columns or sheet.width * sheet.height > spec.limits.max_cells:
                    raise ReadError(
                        f"file {path} sheet {name!r}: {sheet.height:,} rows by {sheet.width:,} columns, past "
                        f"the limit of {spec.limits.max_columns:,} columns or {spec.limits.max_cells:,} "
                        "cells (max_columns, max_cells in the spec's limits); not read"
                    )
                grid = [list(map(cell_text, row)) for row in sheet.to_python(skip_empty_area=False)]
                merges = sheet.merged_cell_ranges or []
            except (CalamineError, ValueError) as exc:
                raise ReadError(f"file {path} sheet {name!r} is not readable: {exc}") from exc
            if formulas := uncomputed.get(name):
                _put_formulas(grid, formulas)
                notes.append(
                    f"sheet {name!r}: {len(formulas)} formula cells without a computed value kept as their formula text"
                )
            notes += _put_scanned(grid, scan, name)
            part = _read_sheet(grid, merges, name, spec, hidden_cols.get(name, []), notes, path)
            if part is not None:
                parts.append(part)
    return Delivered(parts, [], notes, None)


def _put_scanned(grid: Grid, scan: SheetScan, sheet: str) -> list[str]:
    """Write the error values calamine reads as empty cells, and 1900-02-29 where calamine read
    Excel's serial day 60 as 1900-02-28, into ``grid``; a note for each kind found."""
    errors = {cell: text for cell, text in scan.errors.items() if _cell(grid, cell) is None}
    phantom = [cell for cell in sorted(scan.serial_60) if (_cell(grid, cell) or "").startswith("1900-02-28")]
    for (r, c), text in errors.items():
        grid[r][c] = text
    for r, c in phantom:
        grid[r][c] = grid[r][c].replace("1900-02-28", "1900-02-29")
    notes = []
    if errors:
        notes.append(
            f"sheet {sheet!r}: {len(errors)} cells hold an Excel error value, kept as its text: {_cells(errors)}"
        )
    if phantom:
        notes.append(
            f"sheet {sheet!r}: {len(phantom)} date cells hold serial day 60, the 1900-02-29 that never was "
            f"(Excel's 1900 leap-year bug), kept as 1900-02-29: {_cells(dict.fromkeys(phantom, ''))}"
        )
    return notes


def _cell(grid: Grid, cell: tuple[int, int]) -> str | None:
    r, c = cell
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else "?"  # outside calamine's grid: leave it


def _cells(found: dict[tuple[int, int], str], shown: int = 10) -> str:
    listed = [f"{column_letter(c)}{r + 1}{' ' + text if text else ''}" for (r, c), text in list(found.items())[:shown]]
    return ", ".join(listed) + (f" and {len(found) - shown} more" if len(found) > shown else "")


def _refuse_zip_bomb(path: Path) -> None:
    """An xlsx is a zip: refuse one whose members would unpack past MAX_UNPACKED_BYTES, before unpacking any."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # an xls, or a broken zip: calamine names the problem
    if unpacked > MAX_UNPACKED_BYTES:
        raise ReadError(
            f"file {path} would unpack to {unpacked / 2**30:,.1f} GiB from {path.stat().st_size / 2**20:,.1f} "
            f"MiB, past the limit of {MAX_UNPACKED_BYTES / 2**30:g} GiB (a zip bomb?); not read"
        )


def _read_sheet(
    grid: Grid, merges: list, sheet: str, spec: SourceSpec, hidden: list[tuple[int, int]], notes: list[str], path: Path
) -> Part | None:
    """One sheet's table (None for an empty sheet); what was skipped or hidden goes to ``notes``."""
    options = spec.excel or ExcelOptions()
    if not any(_filled(row) for row in grid):
        notes.append(f"sheet {sheet!r} is empty")
        return None
    height = options.header_rows
    if options.header_row is not None:
        top = options.header_row - 1
        if top >= len(grid):
            raise ReadError(f"file {path} sheet {sheet!r}: header_row {top + 1} is past the last row {len(grid)}")
    else:
        top = _find_header(grid, merges, spec, height)
        if top is None:
            raise ReadError(
                f"file {path} sheet {sheet!r}: no row among the first {HEADER_SEARCH_ROWS} names at least "
                f"half of the spec's columns ({', '.join(spec.columns)}); set excel.header_row in the "
                "spec if the header is further down or renamed"
            )
    if top > 0:
        notes.append(f"sheet {sheet!r}: header at row {top + 1}, rows above it skipped")
    header = [name for name, _ in _flatten(grid, merges, top, height)]
    end, totals, footnotes = _trailing_block(grid, top + height, sum(1 for name in header if name))
    if totals or footnotes:
        counts = [
            f"{n} {kind} row{'s' if n > 1 else ''}" for n, kind in ((totals, "totals"), (footnotes, "footnote")) if n
        ]
        notes.append(f"sheet {sheet!r}: skipped {', '.join(counts)}")
    if filled := _fill_merged_down(grid, merges, top + height, end):
        cells = f"{filled} cell{'s' if filled > 1 else ''}"
        notes.append(f"sheet {sheet!r}: {cells} merged down over data rows given their merged value")
    numbers = [i for i in range(top + height, end) if _filled(grid[i])]
    if not any(name for name in header):
        raise ReadError(f"file {path} sheet {sheet!r}: header row {top + 1} is empty")
    first, last = _column_span([header] + [grid[i] for i in numbers])
    width = last - first + 1
    header = (header[first : last + 1] + [None] * width)[:width]
    if shown := [c for lo, hi in hidden for c in range(max(lo, first), min(hi, last) + 1)]:
        labels = ", ".join(f"{column_letter(c)} ({header[c - first] or '?'})" for c in shown)
        notes.append(f"sheet {sheet!r}: hidden columns read: {labels}")
    rows = [(grid[i][first : last + 1] + [None] * width)[:width] for i in numbers]
    return Part(header, rows, [i + 1 for i in numbers], sheet)


def _fill_merged_down(grid: Grid, merges: list, start: int, end: int) -> int:
    """Copy the value of every cell merged down inside the data rows ``start``..``end`` into the rows it spans
    (its own column only: a remark merged across columns stays one value); returns how many cells were filled."""
    filled = 0
    for (r0, c0), (r1, _) in merges:
        value = grid[r0][c0] if start <= r0 < min(r1 + 1, end) and c0 < len(grid[r0]) else None
        for r in range(r0 + 1, min(r1 + 1, end)) if value else ():
            if c0 < len(grid[r]) and not grid[r][c0]:
                grid[r][c0] = value
                filled += 1
    return filled


def _find_header(grid: Grid, merges: list, spec: SourceSpec, height: int) -> int | None:
    """The row (of the first HEADER_SEARCH_ROWS) naming the most of the spec's columns, at least
    half, where a column counts only if its name starts in that row (the first such row on a tie).
    With no such row: None (a table with an unknown header must not be guessed), unless the spec
    has no columns (a source being onboarded) or the sheet holds no row of two filled cells (a
    note sheet), which take the first row with at least two filled cells, else the first filled one."""
    wanted = [{name, *mapped.aliases} for name, mapped in spec.columns.items()]
    best, best_hits = None, 0
    for top in range(min(HEADER_SEARCH_ROWS, len(grid)) if wanted else 0):
        if not _filled(grid[top]):
            continue
        found = {name for name, starts_here in _flatten(grid, merges, top, height) if starts_here}
        found.update(c.strip() for c in grid[top] if c)
        hits = sum(1 for names in wanted if names & found)
        if hits * 2 >= len(wanted) and hits > best_hits:
            best, best_hits = top, hits
    if best is not None:
        return best
    counts = [sum(1 for c in row if c and c.strip()) for row in grid]
    if wanted and max(counts) >= 2:
        return None
    return next((i for i, n in enumerate(counts) if n >= 2), next(i for i, n in enumerate(counts) if n))


def _flatten(grid: Grid, merges: list, top: int, height: int) -> list[tuple[str | None, bool]]:
    """Per column, the header name joined with '/' over ``height`` rows from ``top``, and whether
    that name starts in row ``top``. Merged cells count once, with the value of their top-left cell."""
    window = range(top, min(top + height, len(grid)))
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for (r0, c0), (r1, c1) in merges:
        for r in range(max(r0, top), min(r1, window.stop - 1) + 1):
            for c in range(c0, c1 + 1):
                owner[(r, c)] = (r0, c0)
    width = max((len(grid[r]) for r in window), default=0)
    names: list[tuple[str | None, bool]] = []
    for c in range(width):
        parts, starts_here, previous = [], False, None
        for r in window:
            cell = owner.get((r, c), (r, c))
            if cell == previous:
                continue
            previous = cell
            row = grid[cell[0]]
            text = (row[cell[1]] if cell[1] < len(row) else None) or ""
            if text.strip():
                starts_here = starts_here or (not parts and r == top)
                parts.append(text.strip())
        names.append(("/".join(parts) or None, starts_here))
    return names


def _trailing_block(grid: Grid, start: int, columns: int) -> tuple[int, int, int]:
    """Where the data ends, and how many totals and footnote rows (and blank rows) follow it.

    A totals row starts with 合计/总计/小计 or has a cell that is just that word; a footnote row
    starts with 填表人, 经办人, 注：... or, when it fills under half the columns, has a cell starting so or
    is a numbered note's later item ("2. ..." under "注：1. ...").
    A last data row whose remark column says "注：已整改" is therefore kept."""
    end, totals, footnotes = len(grid), 0, 0
    while end > start:
        cells = ["".join(c.split()) for c in grid[end - 1] if c and c.strip()]
        if not cells:
            pass
        elif cells[0].startswith(_TOTALS) or any(c in _TOTALS for c in cells):
            totals += 1
        elif cells[0].startswith(_FOOTNOTES) or (
            len(cells) * 2 < columns and (any(c.startswith(_FOOTNOTES) for c in cells) or _NOTE_ITEM.match(cells[0]))
        ):
            footnotes += 1
        else:
            break
        end -= 1
    return end, totals, footnotes


def _put_formulas(grid: Grid, formulas: dict[tuple[int, int], str]) -> None:
    """Write formula texts into the empty cells calamine gave for them, growing the grid as needed."""
    width = max([len(grid[0]) if grid else 0, *(c + 1 for _, c in formulas)])
    grid.extend([] for _ in range(max(r for r, _ in formulas) + 1 - len(grid)))
    for row in grid:
        row.extend([None] * (width - len(row)))
    for (r, c), formula in formulas.items():
        if grid[r][c] is None:
            grid[r][c] = formula


def _filled(row: list[str | None]) -> bool:
    return bool("".join(filter(None, row)).strip())  # a cell with more than spaces, found in C


def _column_span(rows: list[list[str | None]]) -> tuple[int, int]:
    """The first and last column with a filled cell; ``rows`` start with the header, which names most columns
    at once, so a column is seldom looked at past its first row."""

    def filled(column: int) -> bool:
        return any(column < len(row) and (c := row[column]) and c.strip() for row in rows)

    columns = range(max(map(len, rows)))
    return next(c for c in columns if filled(c)), next(c for c in reversed(columns) if filled(c))
