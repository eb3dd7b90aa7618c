"""Draft a source spec from a profile: map Chinese headers to canonical columns, guess the record kind.

Headers are matched against synonyms.yaml (a word equal to the header first, then the longest word
the header contains); a header that says nothing is mapped by the shape of its values. The record
kind is the one whose columns take the most headers. The draft is YAML in the committed specs'
layout, original headers kept, with a comment on every guess and every unmapped column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from connectors.onboarding.profile import ColumnProfile, Profile
from schemas import RECORD_KINDS, record_kind_columns

SYNONYMS = Path(__file__).with_name("synonyms.yaml")
BY_SHAPE = {
    "id_number": ("id_number",),
    "phone": ("phone", "contact_phone"),
    "credit_code": ("credit_code",),
    "address": ("address",),
    "name": ("name", "person_name", "contact_name"),
    "birth_date": ("birth_date",),
    "date": ("occurred_at", "valid_from", "noted_at"),
    "datetime": ("occurred_at", "noted_at", "valid_from"),
}
"""Canonical columns a shape can fill when the header says nothing, first free one wins."""
KEY_TARGETS = ("house_ref", "person_ref", "event_ref", "business_ref", "link_ref", "credit_code", "id_number")
"""Canonical columns whose source column may identify a record, best first."""
NOTES_SHOWN = 4
"""Reader notes copied into the draft's head; workbooks with many sheets repeat the same note per sheet."""


@cache
def vocabulary() -> dict:
    """synonyms.yaml: {columns: {canonical: [words]}, values: {canonical: {delivered: canonical}}, kind_hints}."""
    return yaml.safe_load(SYNONYMS.read_text(encoding="utf-8"))


@dataclass
class Draft:
    """A drafted spec (the fields load_spec reads) and, per line, why it says what it says."""

    spec: dict
    profile: Profile
    why: dict[str, str] = field(default_factory=dict)
    """Spec field or source column -> the reason for its value, written as a YAML comment."""
    unmapped: dict[str, str] = field(default_factory=dict)
    """Source column -> what it holds, for columns no canonical column fitted."""


def candidates(header: str, kind: str) -> list[tuple[tuple, str, str]]:
    """[(rank, canonical column, why)] by synonyms in a record kind, best first; empty when no word fits.

    A word equal to the header beats a word it contains, a longer word a shorter one; among equals
    the column found in fewer record kinds wins (类型 is entity_type for a business rather than
    category), then the word listed first in synonyms.yaml.
    """
    columns = record_kind_columns(kind)
    words = [(column, word) for column, ws in vocabulary()["columns"].items() if column in columns for word in ws]
    ranked = sorted(
        ((header == word, len(word), -_kinds_with(column), -i), column, word)
        for i, (column, word) in enumerate(words)
        if word in header
    )
    seen: set[str] = set()
    found = []
    for rank, column, word in reversed(ranked):
        if column not in seen:
            seen.add(column)
            why = f"header is a synonym of {column}" if rank[0] else f"guess: header contains {word!r}"
            found.append((rank, column, why))
    return found


@cache
def _kinds_with(column: str) -> int:
    return sum(column in record_kind_columns(kind) for kind in RECORD_KINDS)


def map_columns(columns: list[ColumnProfile], kind: str) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """({source column: (canonical column, why)}, {source column: why unmapped}).

    Synonyms first, the best-ranked header taking a canonical column; then, for the columns left,
    code lists from synonyms.yaml (男/女 is sex) and value shapes. A header that loses its column
    to a better one stays unmapped, with the reason.
    """
    canonical = record_kind_columns(kind)
    offers = sorted(
        (
            (rank, i, c.name, target, why)
            for i, c in enumerate(columns)
            for rank, target, why in candidates(c.name, kind)
        ),
        key=lambda o: (o[0], -o[1]),
        reverse=True,
    )
    mapped: dict[str, tuple[str, str]] = {}
    unmapped: dict[str, str] = {}
    for _, _, name, target, why in offers:  # the best offers first: each header takes its best free column
        if name in mapped:
            continue
        winner = next((n for n, (t, _) in mapped.items() if t == target), None)
        if winner is None:
            mapped[name] = (target, why)
            unmapped.pop(name, None)
        else:
            unmapped.setdefault(name, f"also looks like {target}, which {winner} fills")
    for column in columns:
        if column.name in mapped or column.name in unmapped:
            continue
        taken = {t for t, _ in mapped.values()}
        coded = [c for c, codes in vocabulary()["values"].items() if column.common and set(column.common) <= set(codes)]
        by_values = [(c, f"guess: values are codes of {c}") for c in coded]
        by_shape = [(c, f"guess: values look like {column.shape}") for c in BY_SHAPE.get(column.shape, ())]
        free = [(c, why) for c, why in by_values + by_shape if c in canonical and c not in taken]
        if free:
            mapped[column.name] = free[0]
    order = [c.name for c in columns]
    return dict(sorted(mapped.items(), key=lambda i: order.index(i[0]))), unmapped


def guess_kind(profile: Profile) -> tuple[str, dict[str, int]]:
    """The record kind whose columns take the most headers (kind hints count twice), and every score."""
    hints = vocabulary()["kind_hints"]
    scores = {
        kind: len(map_columns(profile.columns, kind)[0])
        + 2 * sum(any(w in c.name for w in hints.get(kind, ())) for c in profile.columns)
        for kind in RECORD_KINDS
    }
    return max(scores, key=lambda k: (scores[k], k == "person")), scores


def draft_spec(profile: Profile, name: str) -> Draft:
    """A draft spec for the sampled source; render() writes it as YAML that load_spec accepts."""
    kind, scores = guess_kind(profile)
    draft = Draft({}, profile)
    title = re.split(r"[_\-\s]", profile.path.stem)[0] or name
    spec = draft.spec
    spec.update(
        name=name,
        title=title,
        owner="待填写：主管部门",
        level="D",
        format=profile.format,
        encoding="detect",
        files=_files_glob(profile.path),
        delivery="snapshot",
        freshness_days=35,
        record_kind=kind,
    )
    draft.why.update(
        title="guess: from the file name",
        owner="fill in: the owning department",
        level="guess: N national, M municipal, D district, S subdistrict or committee",
        encoding=f"the sample is {profile.encoding}" if profile.encoding else "",
        files="guess: the sample's name with its date as *",
        delivery="guess: snapshot (whole list each time), changes (only new rows) or cursor",
        record_kind="guess: scores (headers mapped, hint words twice) "
        + ", ".join(f"{k} {s}" for k, s in sorted(scores.items(), key=lambda i: -i[1])),
    )
    columns: dict[str, dict] = {}
    mapped, rivals = map_columns(profile.columns, kind)
    for column in profile.columns:
        if column.name not in mapped:
            why = rivals.get(column.name, "no synonym or shape fits")
            draft.unmapped[column.name] = f"{why}; {column.shape}, e.g. {' / '.join(column.samples) or '(empty)'}"
            continue
        target, why = mapped[column.name]
        columns[column.name] = _column_entry(column, target)
        draft.why[column.name] = why + _warning(column, kind, target)
    key = next(
        (
            c
            for t in KEY_TARGETS
            for c in profile.columns  # a few repeated rows are common noise
            if columns.get(c.name, {}).get("to") == t and c.filled >= 0.99 and c.distinct >= 0.98
        ),
        None,
    )
    spec["record_key"] = [key.name] if key else []
    draft.why["record_key"] = (
        f"guess: an identifier, filled in {key.filled:.0%} of rows, {key.distinct:.0%} distinct"
        if key
        else "fill in: no identifier column is unique"
    )
    spec.update(_reader_options(profile))
    spec["columns"], spec["tags"] = columns, []
    return draft


def _column_entry(column: ColumnProfile, target: str) -> dict:
    entry: dict = {"to": target}
    codes = vocabulary()["values"].get(target, {})
    if column.common and set(column.common) <= set(codes):
        entry["values"] = {value: codes[value] for value in column.common}
    return entry


def _warning(column: ColumnProfile, kind: str, target: str) -> str:
    """What staging will make of the values, when the shape says some will be quarantined."""
    wanted = record_kind_columns(kind)[target]["type"]
    strict = ("date", "datetime", "id_number", "phone", "credit_code")
    if wanted in strict and column.shape not in (wanted, "date", "datetime", "birth_date"):
        return f"; check: read as {wanted} but values look like {column.shape}"
    if column.checksum_ok is not None and column.checksum_ok < 0.9:
        return f"; check: only {column.checksum_ok:.0%} of full-length values pass the check character"
    return ""


def _files_glob(path: Path) -> str:
    """The sample's file name with a trailing date or period (_202611, _2026-05-04) replaced by *."""
    return re.sub(r"(?<=[_\-])(19|20)\d{2}([-_.]?\d{2}){0,2}(?=[._\-]|$)", "*", path.stem, count=1) + path.suffix


def _reader_options(profile: Profile) -> dict:
    if profile.format == "csv" and profile.delimiter not in (None, ","):
        return {"csv": {"delimiter": profile.delimiter}}
    if profile.format == "excel" and (profile.header_rows > 1 or len(profile.sheets) > 1):
        return {"excel": {"sheets": "all", "header_rows": profile.header_rows}}
    if profile.format == "json" and profile.records_path:
        return {"json": {"records_path": profile.records_path}}
    if profile.format == "fixed_width":
        fields = [{"name": c.name, "width": w} for c, w in zip(profile.columns, profile.widths, strict=False)]
        return {"fixed_width": {"fields": fields}}
    return {}


def render(draft: Draft) -> str:
    """The draft as YAML in the committed specs' layout: one line per column, reasons as comments."""
    p = draft.profile
    notes = [f"# reader: {n}" for n in p.notes[:NOTES_SHOWN]]
    if len(p.notes) > NOTES_SHOWN:
        notes.append(f"# reader: ... and {len(p.notes) - NOTES_SHOWN} more notes like these")
    lines = [
        (
            f"# {draft.spec['title']}: drafted by `housekey source init` from {p.path.name} "
            f"({p.format}, {p.rows} rows{', sheets ' + ', '.join(p.sheets) if p.sheets else ''})."
        ),
        (
            "# Review every line marked guess, check or fill in; then run "
            f"`housekey source check {draft.spec['name']} {p.path.name}`."
        ),
        *notes,
    ]
    for key, value in draft.spec.items():
        if key == "columns":
            lines.append("columns:")
            lines += [
                _line(f"  {_yaml(column)}: {_yaml(entry)}", draft.why.get(column)) for column, entry in value.items()
            ]
            lines += [
                f"  # unmapped {column}: {what}; map it, or leave it to staging's _extra column"
                for column, what in draft.unmapped.items()
            ]
        elif key == "fixed_width":
            lines += ["fixed_width:  # fill in: names and widths from the department's layout document", "  fields:"]
            lines += [f"    - {_yaml(f)}" for f in value["fields"]]
        else:
            lines.append(_line(f"{key}: {_yaml(value)}", draft.why.get(key)))
    return "\n".join(lines) + "\n"


def _yaml(value) -> str:
    """One value as inline YAML, quoted only where YAML needs it."""
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=True, width=10_000)
    return text.removesuffix("\n...\n").strip()


def _line(text: str, why: str | None) -> str:
    return f"{text}  # {why}" if why else text
