"""Draft a source spec from a profile: map Chinese headers to canonical columns, guess the record kind.

A header some reviewed spec in connectors/sources/ maps is mapped as the reviewers mapped it
(learned.py); then headers are matched against synonyms.yaml (a word equal to the header first, then
the longest word the header contains); a header that says nothing is mapped by the shape of its
values. The record kind is the one whose columns take the most headers. The level comes from the
owner's name (市 M, 区 D, 街道/镇/居委 S, 国家/部 N). Every decision keeps its reason, which
render.py writes as a comment: on every guess, on the reading (transform) of every column whose
header does not say it, and on every unmapped column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from connectors.onboarding.learned import KEPT_OUT, Learned, learned_headers
from connectors.onboarding.profile import ColumnProfile, Profile
from schemas import RECORD_KINDS, record_kind_columns
from schemas.yaml_text import load_yaml

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
LEVELS = (
    ("S", re.compile(r"居委|居民委员会|村委|街道|镇|乡|社区(?!事务)|物业")),
    ("D", re.compile(r"(?<![社小园景])区(?!域)|县|分局")),
    ("M", re.compile(r"(?<![城超都])市(?![场容])")),
    ("N", re.compile(r"国家|国务院|中央|部$|^[^区市县]*部(?!门)")),
)
"""Level of an owner by the most local unit its name says, tried in this order (上海市黄浦区民政局 is D)."""


@cache
def vocabulary() -> dict:
    """synonyms.yaml: {columns: {canonical: [words]}, values: {canonical: {delivered: canonical}}, kind_hints}."""
    return load_yaml(SYNONYMS.read_text(encoding="utf-8"))


@dataclass
class Draft:
    """A drafted spec (the fields load_spec reads) and, per line, why it says what it says."""

    spec: dict
    profile: Profile
    why: dict[str, str] = field(default_factory=dict)
    """Spec field or source column -> the reason for its value, written as a YAML comment."""
    unmapped: dict[str, str] = field(default_factory=dict)
    """Source column -> what it holds, for columns no canonical column fitted."""


def candidates(header: str, kind: str, learned: dict[str, Learned] | None = None) -> list[tuple[tuple, str, str]]:
    """[(rank, canonical column, why)] by reviewed specs and synonyms in a record kind, best first; empty
    when nothing fits.

    A header a reviewed spec maps (``learned``) beats every synonym word; then a word equal to the
    header beats a word it contains, a longer word a shorter one; among equals the column found in
    fewer record kinds wins (类型 is entity_type for a business rather than category), then the word
    listed first in synonyms.yaml.
    """
    columns = record_kind_columns(kind)
    words = [(column, word) for column, ws in vocabulary()["columns"].items() if column in columns for word in ws]
    ranked = sorted(
        ((False, same(header, word), len(word), -_kinds_with(column), -i), column, word)
        for i, (column, word) in enumerate(words)
        if says(header, word)
    )
    taught = (learned or {}).get(header)
    if taught and taught.target in columns:
        ranked.append(((True, True, len(header), 0, 0), taught.target, header))
    seen: set[str] = set()
    found = []
    for rank, column, word in reversed(ranked):
        if column not in seen:
            seen.add(column)
            if rank[0]:
                why = f"reviewed in {', '.join(taught.sources[:3])}{' ...' if len(taught.sources) > 3 else ''}"
            elif rank[1]:
                why = f"header is a synonym of {column}"
            else:
                why = f"guess: header contains {word!r}"
            found.append((rank, column, why))
    return found


def says(header: str, word: str) -> bool:
    """Whether a header holds a vocabulary word: a Chinese word anywhere in it (家庭住址 holds 住址), a Latin one
    as whole words in any case (Visit ID holds id, patrolTime holds time; Guide holds no id)."""
    return word in header if not word.isascii() else f" {_latin(word)} " in f" {_latin(header)} "


def same(header: str, word: str) -> bool:
    """Whether a header is a vocabulary word: written alike, a Latin one in any case and spacing (ID Number, id_number)."""
    return header == word or (word.isascii() and _latin(header) == _latin(word))


@cache
def _latin(text: str) -> str:
    """The Latin words of a text, lower case, one space apart: 'patrolTime' and 'patrol_time' are 'patrol time'."""
    return " ".join(re.findall(r"[a-z0-9]+", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()))


@cache
def _kinds_with(column: str) -> int:
    return sum(column in record_kind_columns(kind) for kind in RECORD_KINDS)


def map_columns(
    columns: list[ColumnProfile], kind: str, excluding: str | None = None
) -> tuple[dict[str, tuple[str, str]], dict[str, str], dict[str, tuple[str, str]]]:
    """({source column: (canonical column, why)}, {source column: why unmapped}, {source column:
    (ignore or drop, why)}).

    Kept out first: a row counter (1, 2, 3 ...), nested JSON records, an empty column, a sensitive
    column no canonical column of the kind masks (drop), a header reviewed specs ignore or drop, and a
    header containing a ``kept_out`` word of synonyms.yaml (开户行 ignore, 银行卡号 drop) unless it is
    itself a synonym or reviewed. Then reviewed specs and synonyms (``excluding`` names the source
    being drafted, which never teaches itself), the best-ranked header taking a canonical column; then,
    for the columns left, code lists (男/女 is sex) and value shapes. A header that loses its column
    to a better one stays unmapped, with the reason.
    """
    canonical = record_kind_columns(kind)
    learned = learned_headers(set(canonical) | set(KEPT_OUT), excluding)
    kept: dict[str, tuple[str, str]] = {}
    for c in columns:
        if c.shape == "integer" and c.samples == ["1", "2", "3"] and (c.distinct >= 0.98 or "序号" in c.name):
            kept[c.name] = ("ignore", "a row counter: it numbers the rows and names nothing")
        elif c.samples and all(v.startswith(("[{", "{")) for v in c.samples):
            kept[c.name] = ("ignore", "nested records the reader keeps as JSON text: no column can hold them")
        elif c.sensitive and not c.sensitive.in_text and not c.sensitive.masked_as & set(canonical):
            # no column of this kind publishes it masked (a bank card): dropping keeps it out of every layer
            kept[c.name] = ("drop", f"guess: sensitive, {c.sensitive.reason}")
        elif c.name in learned and learned[c.name].target in KEPT_OUT:
            taught = learned[c.name]
            kept[c.name] = (taught.target, f"reviewed in {', '.join(taught.sources[:3])}")
        elif not c.filled:
            kept[c.name] = ("ignore", "guess: empty in every row (cells formatted past the table?)")
        elif c.name not in learned and not any(same(c.name, w) for ws in vocabulary()["columns"].values() for w in ws):
            out = next((f for f, ws in vocabulary()["kept_out"].items() if any(says(c.name, w) for w in ws)), None)
            if out:  # before the synonyms a header merely contains: 网格员 is staff, not a grid
                kept[c.name] = (out, f"guess: the header says {_KEPT_OUT_WHY[out]}")
    offers = sorted(
        (
            (rank, i, c.name, target, why)
            for i, c in enumerate(columns)
            if c.name not in kept
            for rank, target, why in candidates(c.name, kind, learned)
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
        if column.name in mapped or column.name in unmapped or column.name in kept:
            continue
        taken = {t for t, _ in mapped.values()}
        headerless = re.fullmatch(r"列\d+", column.name)  # named by the reader: a fixed-width field
        coded = [
            c
            for c, codes in vocabulary()["values"].items()
            if column.common
            and set(column.common) <= set(codes)
            and (headerless or not "".join(column.common).isdigit())
        ]  # digit codes (1/2 for sex) only where the header says the column (xb), or where there is none
        by_values = [(c, f"guess: values are codes of {c}") for c in coded]
        by_shape = [(c, f"guess: values look like {column.shape}") for c in BY_SHAPE.get(column.shape, ())]
        if column.shape == "code" and column.filled >= 0.99 and column.distinct >= 0.98:
            by_shape.append((f"{kind}_ref", "guess: a code unique to every row, the source's own key"))
        free = [(c, why) for c, why in by_values + by_shape if c in canonical and c not in taken]
        if free:
            mapped[column.name] = free[0]
    order = [c.name for c in columns]
    return dict(sorted(mapped.items(), key=lambda i: order.index(i[0]))), unmapped, kept


_KEPT_OUT_WHY = {"ignore": "it is not needed here", "drop": "it is sensitive"}


def guess_kind(profile: Profile, excluding: str | None = None) -> tuple[str, dict[str, int]]:
    """The record kind whose columns take the most headers (kind hints count twice), and every score."""
    hints = vocabulary()["kind_hints"]
    scores = {
        kind: len(map_columns(profile.columns, kind, excluding)[0])
        + 2 * sum(any(says(c.name, w) for w in hints.get(kind, ())) for c in profile.columns)
        for kind in RECORD_KINDS
    }
    return max(scores, key=lambda k: (scores[k], k == "person")), scores


def level_of(owner: str) -> str | None:
    """N, M, D or S from the owner's name, leaving out a parenthesis (上海市不动产登记中心（黄浦区…） is M);
    None when the name says no level."""
    main = re.sub(r"[（(].*?[）)]", "", owner)
    return next((level for level, words in LEVELS if words.search(main)), None)


def draft_spec(profile: Profile, name: str, owner: str | None = None) -> Draft:
    """A draft spec for the sampled source; render.render writes it as YAML that load_spec accepts."""
    kind, scores = guess_kind(profile, name)
    draft = Draft({}, profile)
    title = re.split(r"[_\-\s]", profile.path.stem)[0] or name
    spec = draft.spec
    spec.update(
        name=name,
        title=title,
        owner=owner or "待填写：主管部门",
        level=level_of(owner or "") or level_of(profile.path.stem) or "D",
        format=profile.format,
        encoding="detect",
        files=_files_glob(profile.path),
        delivery="snapshot",
        freshness_days=35,
        record_kind=kind,
    )
    draft.why.update(
        title="guess: from the file name",
        owner="" if owner else "fill in: the owning department (then set level from it)",
        level=(
            "from the owner's name: N national, M municipal, D district, S subdistrict or committee"
            if level_of(owner or "")
            else "guess: from the file name; N national, M municipal, D district, S subdistrict or committee"
            if level_of(profile.path.stem)
            else "guess: N national, M municipal, D district, S subdistrict or committee"
        ),
        encoding=f"the sample is {profile.encoding}" if profile.encoding else "",
        files="guess: the sample's name with its date as *",
        delivery="guess: snapshot (whole list each time), changes (only new rows) or cursor",
        record_kind="guess: scores (headers mapped, hint words twice) "
        + ", ".join(f"{k} {s}" for k, s in sorted(scores.items(), key=lambda i: -i[1])),
    )
    columns: dict[str, dict] = {}
    mapped, rivals, kept = _map_records_and_nested(profile, kind, name)
    for column in profile.columns:
        if column.name in kept:
            continue
        if column.name not in mapped:
            why = rivals.get(column.name, "no synonym or shape fits")
            draft.unmapped[column.name] = f"{why}; {column.shape}, e.g. {' / '.join(column.samples) or '(empty)'}"
            continue
        target, why = mapped[column.name]
        columns[column.name] = _column_entry(column, target)
        reading = _reading(column, kind, target, why)
        if reading:
            columns[column.name]["transform"], said = reading
            why += f"; {said}"
        draft.why[column.name] = why + _warning(column, kind, target) + _sensitive(column, target)
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
    spec.update(_reader_options(profile, columns))
    if profile.explode:
        draft.why["json"] = (
            f"guess: the objects in each record's {profile.explode} are rows of their own (people?), carrying "
            "the record's columns that say where it lives"
        )
    spec["columns"] = columns
    for out in KEPT_OUT:
        spec[out] = {column: why.removeprefix("guess: ") for column, (field, why) in kept.items() if field == out}
        draft.why[out] = "guess" if any(w.startswith("guess") for f, w in kept.values() if f == out) else ""
    spec["tags"] = []
    return draft


def _column_entry(column: ColumnProfile, target: str) -> dict:
    entry: dict = {"to": target}
    codes = vocabulary()["values"].get(target, {})
    if column.common and set(column.common) <= set(codes):
        entry["values"] = {value: codes[value] for value in column.common}
    return entry


STRICT = {
    "date": "date: 2026-03-05, 2026年3月5日, 20260305, 2026.03.05, Excel day numbers",
    "datetime": "datetime: a date with or without its time",
    "id_number": "id_number: 18 or 15 digits, checked",
    "phone": "phone: mobile or landline, normalised",
    "credit_code": "credit_code: 18 characters, checked",
    "integer": "integer",
    "number": "number: units such as ㎡ and 元 dropped",
}
"""Transforms that read a value as more than text, and what each accepts, said in the draft's comments."""


def _reading(column: ColumnProfile, kind: str, target: str, why: str) -> tuple[str, str] | None:
    """(transform, what it does) for a column whose header does not say how it is read: a guessed
    column that staging reads as more than text, or one whose values look typed but is kept as text."""
    if not why.startswith("guess"):
        return None
    wanted = record_kind_columns(kind)[target]["type"]
    if wanted in STRICT:
        return wanted, f"read as {STRICT[wanted]}"
    if wanted == "text" and (column.shape in STRICT or column.shape == "birth_date"):
        return "text", f"values look like {column.shape}, kept as written"
    return None


def _warning(column: ColumnProfile, kind: str, target: str) -> str:
    """What staging will make of the values, when the shape says some will be quarantined."""
    wanted = record_kind_columns(kind)[target]["type"]
    strict = ("date", "datetime", "id_number", "phone", "credit_code")
    if wanted in strict and column.shape not in (wanted, "date", "datetime", "birth_date"):
        return f"; check: read as {wanted} but values look like {column.shape}"
    if column.checksum_ok is not None and column.checksum_ok < 0.9:
        return f"; check: only {column.checksum_ok:.0%} of full-length values pass the check character"
    return ""


def _sensitive(column: ColumnProfile, target: str) -> str:
    """Why a column holding sensitive identifiers may be mapped: the analyst copy masks them there."""
    found = column.sensitive
    if found is None:
        return ""
    if found.in_text or target in found.masked_as:
        return f"; sensitive: {found.reason}, masked in the analyst copy"
    return f"; check: sensitive, {found.reason}, and {target} is not masked for them: drop the column"


def _files_glob(path: Path) -> str:
    """The sample's file name with a trailing date or period (_202611, _2026-05-04) replaced by *."""
    return re.sub(r"(?<=[_\-])(19|20)\d{2}([-_.]?\d{2}){0,2}(?=[._\-]|$)", "*", path.stem, count=1) + path.suffix


def _map_records_and_nested(
    profile: Profile, kind: str, name: str
) -> tuple[dict[str, tuple[str, str]], dict[str, str], dict[str, tuple[str, str]]]:
    """map_columns, the nested objects' columns apart from their records' (a member's name and the head's
    both fill ``name``: they are never on the same row)."""
    nested = set(profile.nested_columns)
    if not nested:
        return map_columns(profile.columns, kind, name)
    found = [map_columns([c for c in profile.columns if (c.name in nested) == inner], kind, name) for inner in (0, 1)]
    order = [c.name for c in profile.columns]
    mapped, rivals, kept = ({**a, **b} for a, b in zip(*found, strict=True))
    return dict(sorted(mapped.items(), key=lambda i: order.index(i[0]))), rivals, kept


CARRIED = (
    *("household_ref", "house_ref", "address", "compound", "district", "town", "committee_code", "committee_name"),
    *("grid_code", "road", "lane_no", "door_no", "building_no", "unit_no", "floor_no", "room_no"),
)
"""Canonical columns a record's nested objects (its members) share with it: where it lives, not who it is."""


def _reader_options(profile: Profile, columns: dict[str, dict]) -> dict:
    if profile.format == "csv" and profile.delimiter not in (None, ","):
        return {"csv": {"delimiter": profile.delimiter}}
    if profile.format == "excel" and (profile.header_rows > 1 or len(profile.sheets) > 1):
        return {"excel": {"sheets": "all", "header_rows": profile.header_rows}}
    if profile.format in ("json", "jsonl") and (profile.records_path or profile.explode):
        options = {"records_path": profile.records_path} if profile.records_path else {}
        if profile.explode:
            carry = [c for c, entry in columns.items() if entry["to"] in CARRIED and c not in profile.nested_columns]
            options.update(explode=profile.explode, carry=carry)
        return {"json": options}
    if profile.format == "fixed_width":
        fields = [{"name": c.name, "width": w} for c, w in zip(profile.columns, profile.widths, strict=False)]
        return {"fixed_width": {"fields": fields}}
    return {}
