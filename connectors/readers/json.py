"""JSON documents (a list of objects, or one found at the spec's dotted ``json.records_path``) and
JSON lines (one object per line), chosen by ``spec.format`` ("json" or "jsonl").

The header is the union of the records' keys in first-seen order. Strings are kept as written
("" is None), numbers keep their literal text (an 18-digit ID stays exact), true/false/null become
"true"/"false"/None, and nested objects or lists are kept as compact JSON text. A key repeated in
one object keeps both values, the second as "key_2" (as a repeated CSV header). Row numbers are the
record's 1-based position in the list (JSON) or its line number (JSON lines). A JSON lines line
longer than the spec's ``limits.max_line_chars`` is Unreadable; records with more distinct keys
than ``limits.max_columns`` fail the file.

With ``json.explode`` (a household's members) every object in that list of a record is a row of its own,
right after its record's row, holding its own keys and the record's ``json.carry`` keys (its household
number, its address), never the record's other values; the record's row no longer holds the list. Rows
are then numbered in reading order (a record, its items, the next record), an unreadable record or item
taking its number too, so each row keeps one number however the list is laid out.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from json.encoder import encode_basestring  # what _ENCODER.encode does to a str
from pathlib import Path
from typing import Any

from connectors.readers import Delivered, Part, ReadError, Unreadable, unused_name
from connectors.readers.encoding import decode_file
from connectors.spec import SourceSpec


class _Number(str):
    """A JSON number's literal text, so 1.10 and 310101195001011234 come back as written."""


def _loads(text: str) -> Any:
    if text.startswith("\ufeff"):  # as json.loads says it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("arrays or objects nested too deeply") from None


def _loads_line(line: str) -> Any:
    """``_loads`` of a stripped line, straight through the scanner when the line is one whole value (nearly
    every line); anything else goes through ``_loads``, which says what is wrong as it always did."""
    try:
        value, end = _DECODER.scan_once(line, 0)
    except (StopIteration, ValueError, RecursionError):
        return _loads(line)
    return value if end == len(line) else _loads(line)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) == len(pairs):  # no key repeated: nearly every object
        return record
    record = {}
    next_suffix: dict[str, int] = {}
    for key, value in pairs:
        record[unused_name(key, record, next_suffix)] = value
    return record


# made once: json.loads and json.dumps with options build a decoder or an encoder per call
_DECODER = json.JSONDecoder(
    parse_int=_Number, parse_float=_Number, parse_constant=_Number, object_pairs_hook=_unique_keys
)
_ENCODER = json.JSONEncoder(ensure_ascii=False)
_STR = frozenset((str,))


def read(path: Path, spec: SourceSpec) -> Delivered:
    """Read a JSON or JSON lines file as a single Part; raises ReadError naming the file."""
    decoded = decode_file(path, spec.encoding)
    if not decoded.text.strip():
        raise ReadError(f"file {path} is empty")
    if spec.format == "jsonl":
        records, numbers, unreadable = _json_lines(decoded.text, spec.limits.max_line_chars)
    else:
        records, numbers, unreadable = _json_document(decoded.text, spec, path)
    options = spec.json_options
    if options and options.explode:
        records, numbers, unreadable = _exploded(records, numbers, unreadable, options.explode, options.carry)
    header: dict[str, None] = {}
    for record, number in zip(records, numbers, strict=False):
        header.update(dict.fromkeys(record))
        if len(header) > spec.limits.max_columns:
            raise ReadError(
                f"file {path} record {number}: the records have more than {spec.limits.max_columns:,} "
                "distinct keys (max_columns in the spec's limits); not read"
            )
    rows = [[_text(record.get(key)) for key in header] for record in records]
    return Delivered([Part(list(header), rows, numbers)], unreadable, [], decoded.encoding)


def _json_lines(text: str, max_line_chars: int) -> tuple[list[dict], list[int], list[Unreadable]]:
    records, numbers, unreadable = [], [], []
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        line = line.strip()
        if not line:
            continue
        if len(line) > max_line_chars:
            unreadable.append(
                Unreadable(
                    number,
                    f"line has {len(line):,} characters, past the limit of "
                    f"{max_line_chars:,} (max_line_chars in the spec's limits)",
                    line[:1000] + "…",
                )
            )
            continue
        try:
            value = _loads_line(line)
        except ValueError as exc:
            unreadable.append(Unreadable(number, f"not valid JSON: {exc}", line))
            continue
        if isinstance(value, dict):
            records.append(value)
            numbers.append(number)
        else:
            unreadable.append(Unreadable(number, "line is not a JSON object", line))
    return records, numbers, unreadable


def _json_document(text: str, spec: SourceSpec, path: Path) -> tuple[list[dict], list[int], list[Unreadable]]:
    try:
        document = _loads(text)
    except ValueError as exc:
        raise ReadError(f"file {path} is not valid JSON: {exc}") from exc
    records_path = spec.json_options.records_path if spec.json_options else None
    found = document
    for step in records_path.split(".") if records_path else []:
        if not isinstance(found, dict) or step not in found:
            raise ReadError(f"file {path} has no records at {records_path!r} (missing {step!r})")
        found = found[step]
    if not isinstance(found, list):
        where = f"at {records_path!r}" if records_path else "at the top level"
        raise ReadError(f"file {path} holds no list of records {where}")
    records, numbers, unreadable = [], [], []
    for number, value in enumerate(found, start=1):
        if isinstance(value, dict):
            records.append(value)
            numbers.append(number)
        else:
            unreadable.append(Unreadable(number, "record is not a JSON object", _dump(value)))
    return records, numbers, unreadable


def _exploded(
    records: list[dict], numbers: list[int], unreadable: list[Unreadable], key: str, carry: list[str]
) -> tuple[list[dict], list[int], list[Unreadable]]:
    """Each record's row, then a row per object in its list ``key`` with the record's ``carry`` keys; all
    numbered in reading order (see the module's docstring)."""
    by_number = {row.row_number: row for row in unreadable}
    numbered = sorted([*zip(numbers, records, strict=True), *((n, None) for n in by_number)], key=lambda r: r[0])
    rows: list[dict] = []
    row_numbers: list[int] = []
    skipped: list[Unreadable] = []
    position = 0
    for number, record in numbered:
        position += 1
        if record is None:
            skipped.append(replace(by_number[number], row_number=position))
            continue
        items = record.get(key)
        if not isinstance(items, list):  # no list there: the record's row keeps what it holds
            rows.append(record)
            row_numbers.append(position)
            continue
        rows.append({k: v for k, v in record.items() if k != key})
        row_numbers.append(position)
        carried = {k: record[k] for k in carry if k in record}
        for index, item in enumerate(items, start=1):
            position += 1
            if isinstance(item, dict):
                rows.append({**carried, **item})
                row_numbers.append(position)
            else:
                skipped.append(Unreadable(position, f"item {index} of {key!r} is not a JSON object", _dump(item)))
    return rows, row_numbers, skipped


def _text(value: Any) -> str | None:
    if type(value) is str:  # a string as written (nearly every value)
        return value or None
    if value is None or value == "":
        return None
    if isinstance(value, str):  # _Number literals
        return str(value)
    return _dump(value)


def _dump(value: Any) -> str:
    """Compact JSON text that keeps number literals and Chinese characters as written."""
    if isinstance(value, _Number):
        return str(value)
    if type(value) is list and set(map(type, value)) <= _STR:  # a list of photo links, in one pass in C
        return "[" + ",".join(map(encode_basestring, value)) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_ENCODER.encode(k)}:{_dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    return _ENCODER.encode(value)
