"""The address a sentence opens with: "绍兴路52弄1号101楼道堆放杂物" -> "绍兴路52弄1号101".

A caller or an inspector often writes the place first, then what is wrong there; the first clause up to its
last number and designator is the address, so the complaint itself is not read as a compound.
"""

from __future__ import annotations

import re

_CLAUSE = re.compile(r"[，,。；;！!]")
_UP_TO_NUMBER = re.compile(r".*[0-9](?:号楼|单元|室|房|号|弄|幢|栋)?")


def opening_address(text: str) -> str:
    """The first clause of ``text`` up to its last number and designator (the whole clause without one)."""
    clause = _CLAUSE.split(text)[0]
    m = _UP_TO_NUMBER.match(clause)
    return m.group(0) if m else clause
