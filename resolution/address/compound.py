"""When a place name and the name right after it are one place, not a place and a part of it.

A two-character name the gazetteer knows is usually the head of a longer one (西城|博司, 广厦|大酒店,
百联|奥特莱斯), and a two-character 苑/园/城/府 completes the name before it (银城|东苑, 金鼎|名城);
a numbered or lettered section (B区, 二期) stays a part of its own.
"""

from __future__ import annotations

import re

_SECTION = re.compile(r"区|期")
_SHORT_TAIL = frozenset("苑园城府")


def one_place(first: str, second: str) -> bool:
    """Whether the name ``first`` followed by ``second`` is a single place (西城 + 博司 = 西城博司)."""
    if len(second) == 2 and second[-1] in _SHORT_TAIL:
        return True
    return len(first) == 2 and _SECTION.search(second) is None
