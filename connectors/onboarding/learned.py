"""What reviewers taught the drafter: every reviewed spec in connectors/sources/ is a mapping a person accepted.

There is no second store of learned words. A committed spec maps each delivered header (and its
aliases) to a canonical column, and that is exactly what the next draft should know: a header
equal to one a reviewed spec maps is mapped the same way, before any synonym word is tried. When
reviewed specs disagree about a header, the canonical column most of them chose wins; a tie
teaches nothing and leaves the header to synonyms.yaml. Columns a reviewed spec keeps out
(``ignore``/``drop``) are learned the same way.

A spec still carrying the draft marker that ``housekey source init`` writes is not reviewed yet and
teaches nothing; ``housekey source accept NAME`` removes the marker once a person has reviewed it
and says what they changed from the draft. The source being drafted never teaches itself, so a
re-draft of a committed source shows what the vocabulary and the other sources make of it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from connectors import spec as specs
from connectors.spec import SourceSpec, SpecError, load_spec

DRAFT_MARKER = "# draft: not reviewed yet."
"""A line of every drafted spec; `housekey source accept` removes it, and from then on the spec teaches."""
KEPT_OUT = ("ignore", "drop")
"""Spec fields listing headers known but not mapped."""


@dataclass(frozen=True)
class Learned:
    """How reviewed specs map one header."""

    target: str
    """The canonical column, or ``ignore``/``drop`` for a column kept out."""
    sources: tuple[str, ...]
    """The reviewed specs that map it so."""


def is_reviewed(path: Path) -> bool:
    """Whether a spec file has been accepted by a reviewer (it no longer carries the draft marker)."""
    return DRAFT_MARKER not in path.read_text(encoding="utf-8")


def reviewed_specs(excluding: str | None = None) -> dict[str, SourceSpec]:
    """The registry's reviewed specs by name, without ``excluding`` (the source being drafted); a spec
    that does not load teaches nothing either."""
    folder = specs.SOURCES_DIR  # looked up at each call, as load_registry does
    files = tuple((path, path.stat().st_mtime_ns) for path in sorted(folder.glob("*.yaml")))
    return {name: spec for name, spec in _reviewed(files).items() if name != excluding}


@cache
def _reviewed(files: tuple[tuple[Path, int], ...]) -> dict[str, SourceSpec]:
    """Read again whenever a spec file is added, removed or changed (its modification time is in the key)."""
    found = {}
    for path, _ in files:
        try:
            if is_reviewed(path):
                found[path.stem] = load_spec(path)
        except SpecError:
            continue
    return found


def learned_headers(columns: set[str], excluding: str | None = None) -> dict[str, Learned]:
    """Header -> what most reviewed specs map it to, among ``columns`` (a record kind's canonical columns)."""
    votes: dict[str, Counter] = defaultdict(Counter)
    teachers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, spec in reviewed_specs(excluding).items():
        taught = [(h, m.to) for source, m in spec.columns.items() for h in (source, *m.aliases) if m.to in columns]
        taught += [(h, kept) for kept in KEPT_OUT for h in getattr(spec, kept)]
        for header, target in dict(taught).items():
            votes[header][target] += 1
            teachers[header, target].append(name)
    learned = {}
    for header, counted in votes.items():
        (best, n), *rest = counted.most_common()
        if not rest or rest[0][1] < n:
            learned[header] = Learned(best, tuple(teachers[header, best]))
    return learned


def decision(spec: dict, column: str) -> str | None:
    """What a spec (as a mapping) does with a delivered column: its canonical column, ignore, drop or None."""
    if column in spec.get("columns", {}):
        return spec["columns"][column].get("to")
    return next((out for out in KEPT_OUT if column in (spec.get(out) or {})), None)


def reviewer_changes(
    drafted: dict, reviewed: SourceSpec, headers: list[str]
) -> list[tuple[str, str | None, str | None]]:
    """[(delivered column, the draft's decision, the reviewed spec's)] where the reviewer changed the draft."""
    spec = reviewed.model_dump(by_alias=True)
    known = {alias: column for column, m in reviewed.columns.items() for alias in m.aliases}
    changed = [(h, decision(drafted, h), decision(spec, known.get(h, h))) for h in headers]
    return [(h, was, now) for h, was, now in changed if was != now]


def accept(path: Path) -> bool:
    """Remove the draft marker from a spec file, so its mapping teaches later drafts; False if it had none."""
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith(DRAFT_MARKER)]
    path.write_text("".join(lines), encoding="utf-8")
    return "".join(lines) != text
