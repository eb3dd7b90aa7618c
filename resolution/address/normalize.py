"""Address normalisation: one spelling for what clerks write many ways (docs/domain.md §1).

``normalize(text)`` returns the normalised string. ``normalize_with_offsets(text)`` also says, for
every normalised character, which span of the input it came from, so a parser working on the
normalised text can point back into what the user gave it. Every step is a pure function of the
text; ``normalize(normalize(x)) == normalize(x)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import opencc

from resolution.address.numerals import NUMERAL_CHARS, chinese_to_int

LEGACY_DISTRICTS = {
    "卢湾区": "黄浦区",
    "南市区": "黄浦区",
    "闸北区": "静安区",
    "南汇区": "浦东新区",
    "川沙县": "浦东新区",
    "上海县": "闵行区",
    "吴淞区": "宝山区",
}
# Designators that follow a number: the only places where Chinese numerals become digits.
NUMBER_DESIGNATORS = "支弄|弄|号楼|号|幢|栋|座|单元|层|楼|室|房|户|期|组"


class Normalized(NamedTuple):
    """The normalised text; ``starts[k]:ends[k]`` is the input span normalised character k came from."""

    text: str
    starts: list[int]
    ends: list[int]


def _char_table() -> dict[int, str]:
    """Full-width -> half-width (NFKC, one character for one), traditional -> simplified, a-z -> A-Z."""
    table: dict[int, str] = {}
    for code in range(0xFF01, 0xFF5F):
        table[code] = unicodedata.normalize("NFKC", chr(code))
    table[0x3000] = " "
    for dash in "－—–‐‑―─～〜~":
        table[ord(dash)] = "-"
    dictionary = Path(opencc.__file__).with_name("dictionary") / "TSCharacters.txt"
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        first = simplified.split(" ")[0]
        if len(traditional) == 1 and len(first) == 1 and traditional != first:
            table[ord(traditional)] = first
    for code, char in list(table.items()):
        if "a" <= char <= "z":
            table[code] = char.upper()
    for code in range(ord("a"), ord("z") + 1):
        table[code] = chr(code).upper()
    return table


_TABLE = _char_table()
# A replacement is a list of pieces: (a, b) copies current text[a:b] with its offsets;
# (string, a, b) writes new characters that came from current span [a, b) (a == b: inserted).
Piece = tuple
# Spaces, bracketed remarks, "near X road", trailing position words and "call first": 5号402室（后门）,
# 5号对面; brackets around numbers go, the numbers stay.
_NOISE = re.compile(
    r"(?:\s|[(\[【][^()\[\]【】\d]*[)\]】]|[()\[\]【】])+"
    r"|(?<=[\d室号弄楼])近[\u4e00-\u9fff]{2,8}?[路街](?=$|\s|对面|旁)"
    r"|^20\d{4}(?=\s|上海)|(?<=\s)20\d{4}$"  # a Shanghai postcode before or after the address
    r"|(?:对面|旁边|附近|沿街|门口|旁|电联|提前致电|电话联系|NULL|\s|[(\[【][^()\[\]【】\d]*[)\]】])+$"
)
_LEGACY = re.compile("|".join(LEGACY_DISTRICTS))
# 三层阁 and 假三层 are old-lane room names, not the third floor.
_NUMERAL = re.compile(f"(?<![\\d假])[{NUMERAL_CHARS}]+(?=[甲乙丙丁]?(?:{NUMBER_DESIGNATORS})|-\\d)(?!层阁)")
# One spelling per door form: 20号甲 -> 20甲号, 51号之一 and 51号-1 -> 51-1号, 附51号 -> 51附号, 120号-124号 -> 120-124号.
_DOOR_FORM = re.compile(
    r"(?<![\d\-])(?P<door>\d+)号(?:(?P<stem>[甲乙丙丁])"
    r"|之(?P<sub>\d{1,2}|[一二三四五六七八九])|-(?P<dash>\d{1,2})(?![\d\-室号弄楼层])|(?P<annex>附)|-(?P<to>\d+)号(?!楼))"
    r"|(?<!\d)附(?P<annexed>\d+)号(?!楼)"  # 12附3号 is no 附3号: never 123附号
)
# 瑞金二璐, 陕西南陆: a road's 路 typed as a homophone, right before its number.
_ROAD_TYPO = re.compile(r"(?<=[\u4e00-\u9fff])[璐陆潞](?=\d)")
# 2F-202: the second floor, room 202.
_FLOOR_ROOM = re.compile(r"(?<![\dA-Z])(\d{1,2})F[-/]?(?=\d{3,4}$)")
# Floors written as words: 底楼 is the ground floor, 地下室 and B1 the first basement.
_FLOOR_WORD = re.compile(r"底楼|底层|地下室|地下[1一]层|(?<![A-Z\d])B(\d)(?:层|楼|F)")
_BUILDING = re.compile(r"(?<=[\dA-Z])(?:幢|栋|座)")
_ROOM = re.compile(r"(?<=[\dA-Z])(?:房间|房|户)(?![\u4e00-\u9fff])")
# 5-402, 5/402 at the end (not right after a road: 春江路1072-2 is a door): building 5, room 402;
# 1-302一单元 and the generator's 3-5022单元 are 1-302 then unit 1, 3-502 then unit 2.
_DASH_ROOM = re.compile(
    rf"(?<![\d\-/路街巷道])(\d+)[-/](\d{{2,5}})(?=$|[{NUMERAL_CHARS}]{{1,3}}单元$)"
    r"|(?<![\d\-/路街巷道])(\d+)[-/](\d{3,4}?)(\d)(单元)$"
)
# 5号402 at the end: the bare number after a building, unit or floor is the room.
_BARE_ROOM = re.compile(r"(?:(?<=\d号)(\d{3,5})|(?<=号楼|单元)(\d{2,5})|(?<=\d[层楼])(\d{2,5}))$")


def _rewrite(norm: Normalized, pattern: re.Pattern, replace: Callable[[re.Match], list[Piece] | None]) -> Normalized:
    """Apply ``replace`` to every match of ``pattern``, carrying the input offsets along."""
    text, starts, ends = norm
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        pieces = replace(m)
        if pieces is None:
            continue
        out.append(text[pos : m.start()])
        new_starts += starts[pos : m.start()]
        new_ends += ends[pos : m.start()]
        for piece in pieces:
            if len(piece) == 2:
                a, b = piece
                out.append(text[a:b])
                new_starts += starts[a:b]
                new_ends += ends[a:b]
                continue
            string, a, b = piece
            if a < b:
                origin = (starts[a], ends[b - 1])
            else:  # an inserted character sits, zero-width, right after what precedes it
                at = ends[a - 1] if a else (starts[0] if starts else 0)
                origin = (at, at)
            out.append(string)
            new_starts += [origin[0]] * len(string)
            new_ends += [origin[1]] * len(string)
        pos = m.end()
    if not out:
        return norm
    out.append(text[pos:])
    return Normalized("".join(out), new_starts + starts[pos:], new_ends + ends[pos:])


def _drop(m: re.Match) -> list[Piece] | None:
    text, start, end = m.string, m.start(), m.end()
    if 0 < start and end < len(text) and text[start - 1].isdigit() and text[end].isdigit():
        return [("-", start, end)]  # 5 402 is 5-402, never 5402
    return []


def _legacy(m: re.Match) -> list[Piece]:
    return [(LEGACY_DISTRICTS[m.group()], m.start(), m.end())]


def _numeral(m: re.Match) -> list[Piece] | None:
    # The longest tail that is a numeral: 瑞金二八十二号 (road suffix omitted) is 瑞金二 + 82号.
    for i in range(m.start(), m.end()):
        value = chinese_to_int(m.string[i : m.end()])
        if value is not None:
            return [(m.start(), i), (str(value), i, m.end())]
    return None


def _door_form(m: re.Match) -> list[Piece]:
    # Characters that change places come from the span they were written in, so offsets stay in order.
    if m["annexed"]:  # 附51号
        return [(m["annexed"] + "附号", m.start(), m.end())]
    door = m.span("door")
    if m["to"]:  # 120号-124号
        return [door, ("-", m.end("door"), m.start("to")), m.span("to"), (m.end() - 1, m.end())]
    if m["stem"] or m["annex"]:  # 20号甲, 51号附
        return [door, ((m["stem"] or m["annex"]) + "号", m.end("door"), m.end())]
    sub = m["sub"] or m["dash"]  # 51号之一, 51号-1
    return [door, (f"-{chinese_to_int(sub) or sub}号", m.end("door"), m.end())]


def _floor_word(m: re.Match) -> list[Piece]:
    if m.group().startswith("底"):
        return [("1" + m.group()[1], m.start(), m.end())]
    return [("B" + (m.group(1) or "1") + "层", m.start(), m.end())]


def _road_typo(m: re.Match) -> list[Piece]:
    return [("路", m.start(), m.end())]


def _floor_room(m: re.Match) -> list[Piece]:
    return [m.span(1), ("楼", m.end(1), m.end())]


def _building(m: re.Match) -> list[Piece]:
    return [("号楼", m.start(), m.end())]


def _room(m: re.Match) -> list[Piece]:
    return [("室", m.start(), m.end())]


def _dash_room(m: re.Match) -> list[Piece]:
    if m.group(1) is not None:
        return [m.span(1), ("号", m.end(1), m.end(1)), m.span(2), ("室", m.end(2), m.end(2))]
    return [m.span(3), ("号", m.end(3), m.end(3)), m.span(4), ("室", m.end(4), m.end(4)), m.span(5), m.span(6)]


def _bare_room(m: re.Match) -> list[Piece]:
    return [m.span(), ("室", m.end(), m.end())]


_STEPS = (
    (_LEGACY, _legacy),
    (_NUMERAL, _numeral),
)
# Rare forms, behind one cheap test: door suffixes and ranges, floors in words, 路 mistyped, 2F-202.
_RARE = re.compile(r"号[甲乙丙丁之附\-]|附\d|底[楼层]|地下|B\d|[璐陆潞]\d|\dF")
_RARE_STEPS = (
    (_DOOR_FORM, _door_form),
    (_FLOOR_WORD, _floor_word),
    (_ROAD_TYPO, _road_typo),
    (_FLOOR_ROOM, _floor_room),
)
_LATER_STEPS = (
    (_BUILDING, _building),
    (_ROOM, _room),
    (_DASH_ROOM, _dash_room),
    (_NUMERAL, _numeral),
    (_BARE_ROOM, _bare_room),
)


# Cheap first tests for the costly patterns, each a necessary condition (what every match holds): most
# addresses have no remark, space, dash or bare room number.
_NOISE_HINT = re.compile(r"[\s()\[\]【】近对旁附沿门电提N]|^20\d{4}")
_HINTS = {_DASH_ROOM: re.compile("[-/]"), _BARE_ROOM: re.compile(r"\d$")}


def normalize_with_offsets(text: str) -> Normalized:
    """Normalise ``text`` and keep, per normalised character, the input span it came from."""
    translated = text.translate(_TABLE)
    norm = Normalized(translated, list(range(len(text))), list(range(1, len(text) + 1)))
    while _NOISE_HINT.search(norm.text) and _NOISE.search(norm.text):  # dropping one remark can expose another
        norm = _rewrite(norm, _NOISE, _drop)
    rare = _RARE.search(norm.text)
    for pattern, replace in _STEPS:
        norm = _step(norm, pattern, replace)
    # numerals in words become digits first: 附三百七十二号 is a rare form once it reads 附372号
    for pattern, replace in _RARE_STEPS if rare or _RARE.search(norm.text) else ():
        norm = _step(norm, pattern, replace)
    for pattern, replace in _LATER_STEPS:
        norm = _step(norm, pattern, replace)
    return norm


def _step(norm: Normalized, pattern: re.Pattern, replace: Callable[[re.Match], list[Piece] | None]) -> Normalized:
    hint = _HINTS.get(pattern)
    if (hint is None or hint.search(norm.text)) and pattern.search(norm.text):
        return _rewrite(norm, pattern, replace)
    return norm


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """The address in one spelling: 上海市卢湾区長樂路三百七十二弄５號402（后门） -> 上海市黄浦区长乐路372弄5号402室."""
    return normalize_with_offsets(text).text
