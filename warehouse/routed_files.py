"""A subdistrict's slice of a district delivery, written into its landing zone in a form its source's reader reads.

A file delivery's slice keeps the original file name and every row where it was: the rows of other subdistricts
(and the rows the district quarantined or counted out of area) are blanked, which every reader skips, so a routed
row's ``_file_name`` and ``_row_number`` (and so the row part of its ``record_id``) are those of the district file.
Text files (CSV, JSON lines, fixed width) keep their lines and encoding; an xlsx/xlsm keeps its title rows,
merged headers and hidden sheets (the data rows of others cleared); an xls or ods becomes an xlsx of the sheets the
reader read, each cell where it was. Two slices renumber their rows, and the district's ledger maps each row to its
number there: a JSON document's (its records are numbered by position, and only the kept ones are in it) and a
database pull's (a UTF-8 CSV read with ``routed_spec``).

Each file is written beside its target and renamed into place, so a run never reads half of one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce
from pathlib import Path

from connectors.readers import Delivered
from connectors.readers.encoding import decode_file
from connectors.spec import CsvOptions, SourceSpec

LINE_FORMATS = ("csv", "jsonl", "fixed_width")
RowKey = tuple[str | None, int]
"""A delivered row: its sheet (None outside a workbook) and row number."""


def delivered_rows(delivered: Delivered) -> list[RowKey]:
    """Every row the reader returned, readable or not, by sheet and row number."""
    return [(part.sheet, n) for part in delivered.parts for n in part.row_numbers] + [
        (row.sheet, row.row_number) for row in delivered.unreadable
    ]


def is_routable(spec: SourceSpec) -> bool:
    """Whether the source's files can be sliced (a JSON document whose records explode into rows cannot yet)."""
    return not (spec.format == "json" and spec.json_options is not None and spec.json_options.explode)


def write_file_slice(
    spec: SourceSpec, path: Path, delivered: Delivered, keep: set[RowKey], folder: Path
) -> tuple[Path, dict[int, int]]:
    """Write the rows ``keep`` of the delivered file ``path`` into ``folder`` (the source's folder of a subdistrict's
    landing zone) under the file's own name; the path written, and each row number the slice changed (a JSON
    document's records are numbered by position: its slice holds only the kept records) -> its number there."""
    others, target = [row for row in delivered_rows(delivered) if row not in keep], slice_path(spec, path, folder)
    if spec.format in LINE_FORMATS:
        return _line_slice(spec, path, delivered, others, target), {}
    if spec.format == "json":
        return _document_slice(spec, path, keep, target)
    if target.suffix == path.suffix:
        return _workbook_slice(path, others, target), {}
    return _grid_slice(path, {p.sheet for p in delivered.parts}, others, target), {}


def slice_path(spec: SourceSpec, path: Path, folder: Path) -> Path:
    """Where the slice of the district file ``path`` goes in ``folder``: its own name (an xls or ods as xlsx)."""
    if spec.format == "excel" and path.suffix.lower() not in (".xlsx", ".xlsm"):
        return folder / f"{path.stem}.xlsx"
    return folder / path.name


def write_pull_slice(delivered: Delivered, keep: set[RowKey], target: Path) -> dict[int, int]:
    """Write the pulled rows ``keep`` as a UTF-8 CSV at ``target``; each pulled row number -> its line there."""
    (part,) = delivered.parts
    records, lines = [_csv_record(part.header)], {}
    written = records[0].count("\n")  # lines written so far (a value may hold a line break)
    for values, number in zip(part.rows, part.row_numbers, strict=True):
        if (None, number) in keep:
            records.append(_csv_record(["" if value is None else value for value in values]))
            lines[number], written = written + 1, written + records[-1].count("\n")
    _replace(target, "".join(records).encode("utf-8"))
    return lines


def _csv_record(values: list[str]) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(values)
    return text.getvalue()


def routed_spec(spec: SourceSpec) -> SourceSpec:
    """How a subdistrict reads the routed slices of a district-wide database source: UTF-8 CSV files named
    ``<source>_<pull>.csv`` in the source's landing folder, landed into the same ``raw.<source>``."""
    return spec.model_copy(
        update={"format": "csv", "encoding": "utf-8", "files": f"{spec.name}_*.csv", "csv": CsvOptions(), "sql": None}
    )


def write_marker(spec: SourceSpec, written: Path) -> None:
    """The spec's completion marker beside a routed file, when the source's deliveries need one."""
    if spec.ready_marker:
        (written.parent / spec.ready_marker.replace("{name}", written.name)).touch()


def _line_slice(spec: SourceSpec, path: Path, delivered: Delivered, others: list[RowKey], target: Path) -> Path:
    decoded = decode_file(path, spec.encoding)
    lines = io.StringIO(decoded.text, newline="").readlines()
    starts = sorted({n for _, n in delivered_rows(delivered)})
    ends = dict(zip(starts, [*(s - 1 for s in starts[1:]), len(lines)], strict=True))  # a record runs to the next
    for _, start in others:
        for i in range(start - 1, ends[start]):
            lines[i] = lines[i][len(lines[i].rstrip("\r\n")) :]  # the line's end only: numbering kept
    _replace(target, "".join(lines).encode(decoded.encoding))
    return target


def _document_slice(spec: SourceSpec, path: Path, keep: set[RowKey], target: Path) -> tuple[Path, dict[int, int]]:
    """The document with only the kept records in its list (numbers as their literal text: the reader reads the
    same values), the rest of it (an API's envelope) as it was."""
    decoded = decode_file(path, spec.encoding)
    document = json.loads(decoded.text, parse_int=str, parse_float=str, parse_constant=str)
    steps = spec.json_options.records_path.split(".") if spec.json_options and spec.json_options.records_path else []
    holder, key = (
        (document, None) if not steps else (reduce(lambda found, step: found[step], steps[:-1], document), steps[-1])
    )
    records = holder if key is None else holder[key]
    kept = [number for number in range(1, len(records) + 1) if (None, number) in keep]
    sliced = [records[number - 1] for number in kept]
    if key is None:
        document = sliced
    else:
        holder[key] = sliced
    _replace(target, json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    return target, {number: position for position, number in enumerate(kept, start=1)}


def _workbook_slice(path: Path, others: list[RowKey], target: Path) -> Path:
    from openpyxl import load_workbook
    from openpyxl.cell import MergedCell

    book = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", rich_text=True)
    for sheet, row in others:
        for cell in book[sheet][row] if sheet in book.sheetnames else ():
            if not isinstance(cell, MergedCell):
                cell.value = None
    with _temporary(target) as temporary:
        book.save(temporary)
    return target


def _grid_slice(path: Path, sheets: set[str | None], others: list[RowKey], target: Path) -> Path:
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    source, book = CalamineWorkbook.from_path(str(path)), Workbook()
    book.remove(book.active)
    cleared = set(others)
    for name in source.sheet_names:
        if name not in sheets:
            continue
        out = book.create_sheet(name)
        for r, values in enumerate(source.get_sheet_by_name(name).to_python(skip_empty_area=False), start=1):
            if (name, r) not in cleared:  # the grid starts at A1: row and column numbers kept
                for c, value in enumerate(values, start=1):
                    if value not in ("", None):
                        out.cell(r, c, value)
    with _temporary(target) as temporary:
        book.save(temporary)
    return target


def _replace(target: Path, data: bytes) -> None:
    with _temporary(target) as temporary:
        temporary.write_bytes(data)


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A hidden file beside ``target``, renamed onto it when the block ends without an error."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".routing", dir=target.parent)
    os.close(handle)
    try:
        yield Path(name)
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)
