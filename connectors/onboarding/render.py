"""A draft spec as YAML in the committed specs' layout, every guess with its reason as a comment.

The head says where the draft came from and what to do next, and carries the draft marker that keeps
an unreviewed spec from teaching later drafts (learned.py) until ``housekey source accept`` removes it.
"""

from __future__ import annotations

import yaml

from connectors.onboarding.draft import Draft
from connectors.onboarding.learned import DRAFT_MARKER, KEPT_OUT

NOTES_SHOWN = 4
"""Reader notes copied into the draft's head; workbooks with many sheets repeat the same note per sheet."""
KEPT_OUT_SAYS = {
    "ignore": "known, not mapped: kept in raw, not staged, never drift",
    "drop": "never stored: cut as the file is read, only the file hash covers it",
}
"""What a spec's ignore and drop lists mean, said above them."""


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
        (
            f"{DRAFT_MARKER} Once it is right, `housekey source accept {draft.spec['name']}` removes this line, "
            "and later drafts learn its mapping."
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
                f"  # unmapped {column}: {what}; map it, ignore it or drop it (else it travels in staging's _extra column)"
                for column, what in draft.unmapped.items()
            ]
        elif key in KEPT_OUT:
            if value:
                lines.append(_line(f"{key}:", f"{draft.why[key] + ': ' if draft.why[key] else ''}{KEPT_OUT_SAYS[key]}"))
                lines += [f"  {_yaml(column)}: {_yaml(reason)}" for column, reason in value.items()]
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
