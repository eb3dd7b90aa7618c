"""Schema drift: how a delivered header differs from what the source spec expects.

Only real changes count: columns the spec ignores or drops are known, wherever they stand. A new
header that the synonyms (connectors/onboarding/synonyms.yaml) read as the canonical column of a
spec column that did not come is proposed as that column's rename.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.onboarding.draft import candidates
from connectors.readers import Part
from connectors.spec import SourceSpec


@dataclass(frozen=True)
class Rename:
    """A new header that looks like a spec column under another name: both mean ``canonical``."""

    old: str
    new: str
    canonical: str

    def __str__(self) -> str:
        return f"{self.new} looks like a rename of {self.old} (both mean {self.canonical}): add it to aliases"


@dataclass(frozen=True)
class Drift:
    added: tuple[str, ...]
    """Delivered columns the spec does not know (neither mapped nor ignored nor dropped)."""
    missing: tuple[str, ...]
    """Spec columns that arrived under no known name."""
    renamed: tuple[tuple[str, str], ...]
    """(spec column, delivered alias) pairs: the column came under another known name."""
    proposed: tuple[Rename, ...] = ()
    """Added headers that look like a missing column renamed (each also in ``added`` and ``missing``)."""

    @property
    def is_drift(self) -> bool:
        return bool(self.added or self.missing or self.renamed)

    @property
    def is_unknown(self) -> bool:
        """Whether the spec lacks something to read the header: a column it does not know, or one that did not
        come (a column under an alias the spec lists is drift, reported, yet known)."""
        return bool(self.added or self.missing)

    def describe(self) -> str:
        """The changes in one line; a proposed rename is said once, instead of as an added and a missing column."""
        olds, news = {r.old for r in self.proposed}, {r.new for r in self.proposed}
        parts = [str(rename) for rename in self.proposed]
        if added := [a for a in self.added if a not in news]:
            parts.append("added " + ", ".join(added))
        if missing := [m for m in self.missing if m not in olds]:
            parts.append("missing " + ", ".join(missing))
        if self.renamed:
            parts.append("renamed " + ", ".join(f"{old} → {new}" for old, new in self.renamed))
        return "; ".join(parts) or "no drift"


def detect_drift(spec: SourceSpec, header: list[str]) -> Drift:
    delivered = set(header)
    known = spec.known_headers
    added = tuple(h for h in header if h not in known)
    missing, renamed = [], []
    for column, mapped in spec.columns.items():
        if column in delivered:
            continue
        alias = next((a for a in mapped.aliases if a in delivered), None)
        if alias is None:
            missing.append(column)
        else:
            renamed.append((column, alias))
    return Drift(added, tuple(missing), tuple(renamed), proposed_renames(spec, added, missing))


def proposed_renames(spec: SourceSpec, added, missing) -> tuple[Rename, ...]:
    """Added headers whose best synonym match is the canonical column of a missing spec column, one each."""
    by_target = {spec.columns[column].to: column for column in missing}
    proposed: list[Rename] = []
    for header in added:
        best = candidates(header, spec.record_kind)
        target = best[0][1] if best else None
        if target in by_target:
            proposed.append(Rename(by_target.pop(target), header, target))
    return tuple(proposed)


def empty_columns(spec: SourceSpec, part: Part) -> list[str]:
    """Mapped columns of a delivered part empty in every one of its rows (none when it has no rows)."""
    if not part.rows:
        return []
    return [
        name
        for i, name in enumerate(part.header)
        if spec.canonical_name(name) and all(row[i] is None or not str(row[i]).strip() for row in part.rows)
    ]
