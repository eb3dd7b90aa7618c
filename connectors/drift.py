"""Schema drift: how a delivered header differs from what the source spec expects."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.spec import SourceSpec


@dataclass(frozen=True)
class Drift:
    added: tuple[str, ...]
    """Delivered columns the spec does not know."""
    missing: tuple[str, ...]
    """Spec columns that arrived under no known name."""
    renamed: tuple[tuple[str, str], ...]
    """(spec column, delivered alias) pairs: the column came under another known name."""

    @property
    def is_drift(self) -> bool:
        return bool(self.added or self.missing or self.renamed)

    def describe(self) -> str:
        parts = []
        if self.added:
            parts.append("added " + ", ".join(self.added))
        if self.missing:
            parts.append("missing " + ", ".join(self.missing))
        if self.renamed:
            parts.append("renamed " + ", ".join(f"{old} → {new}" for old, new in self.renamed))
        return "; ".join(parts) or "no drift"


def detect_drift(spec: SourceSpec, header: list[str]) -> Drift:
    delivered = set(header)
    added = tuple(h for h in header if spec.canonical_name(h) is None)
    missing, renamed = [], []
    for column, mapped in spec.columns.items():
        if column in delivered:
            continue
        alias = next((a for a in mapped.aliases if a in delivered), None)
        if alias is None:
            missing.append(column)
        else:
            renamed.append((column, alias))
    return Drift(added, tuple(missing), tuple(renamed))
