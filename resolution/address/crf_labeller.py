"""A learned element labeller for the public corpus: a CRF over characters, stacked on the rule parser.

Each character (a run of digits or latin letters counts as one, as the corpus tokenises) is described
by the rule parser's element label for it, its place in that element (B/I/E/S) and the elements around
it; the same label and place when the parser knows only China's divisions (a view that does not depend
on which names the gazetteer holds); whether a gazetteer name starts, covers or ends there; its class
(digit, letter, Chinese numeral, designator such as 号/弄/室/楼/路); and the characters around it (up
to three each side, bigrams and trigrams). ``train`` fits the model with python-crfsuite;
``CrfLabeller.label`` returns elements as ``(label, start, end)`` offsets into the text, the corpus's
element format.

The rule parser (resolution.address.parse) still decides houses; this labeller only reports elements.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pycrfsuite

from resolution.address.gazetteer import Gazetteer
from resolution.address.parse import default_gazetteer, parse

# Bump when the features change: a cached model is keyed on it.
FEATURE_VERSION = "6"
# How many folds of the training sentences are parsed with a gazetteer built without them (see train).
FOLDS = 5
# Averaged perceptron: on the corpus's dev split as good as L-BFGS (c1/c2 tried) in a tenth of the time.
ALGORITHM, EPOCHS = "ap", 10

Element = tuple[str, int, int]
Sentence = tuple[str, Iterable[Element]]

_TOKEN = re.compile(r"\d+|[A-Za-z]+|.", re.DOTALL)
_NUMERALS = set("〇零一二三四五六七八九十百千两廿卅")
_DESIGNATORS = set("号弄室楼层幢栋座单元户门路街道巷村组镇乡区县市省苑园府庭城厦院")
_PUNCTUATION = set("-—_/\\,，、.。;；:：()（）[]【】#*~?？!！'\" ")


def _tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of each character; a run of digits or latin letters is one."""
    return [m.span() for m in _TOKEN.finditer(text)]


def _char_class(token: str) -> str:
    if token.isdigit():
        return "digit"
    if token.isascii() and token.isalpha():
        return "latin"
    if token in _NUMERALS:
        return "numeral"
    if token in _DESIGNATORS:
        return "designator"
    if token in _PUNCTUATION or token.isspace():
        return "punct"
    return "han"


def _shape(token: str) -> str:
    """The token as a feature: digit runs by length, latin runs as one letter or 'latin'."""
    if token.isdigit():
        return f"<d{min(len(token), 5)}>"
    if token.isascii() and token.isalpha():
        return token.upper() if len(token) == 1 else "<latin>"
    return token


def _rule_tags(text: str, spans: list[tuple[int, int]], gazetteer: Gazetteer) -> list[list[str]]:
    """The rule parser's view of each character: its element's label, its place in it (B/I/E/S), the
    element's last character, the labels of the elements before and after, and whether the same text or
    label came earlier (a repeated 宁波市 is redundant)."""
    # an address in English or pinyin is parsed in its Chinese rewrite, and its elements point there
    elements = [e for e in parse(text, gazetteer).elements if text[e.start : e.end] == e.text]
    tags = [["r=O", "rp=O"] for _ in spans]
    k = 0
    for n, element in enumerate(elements):
        while k < len(spans) and spans[k][0] < element.start:
            k += 1
        inside = []
        while k < len(spans) and spans[k][1] <= element.end:
            inside.append(k)
            k += 1
        label = element.label
        before = elements[n - 1].label if n else "^"
        after = elements[n + 1].label if n + 1 < len(elements) else "$"
        again = element.text in text[: element.start]
        earlier = any(e.label == label for e in elements[:n])
        for m, i in enumerate(inside):
            where = "S" if len(inside) == 1 else "B" if m == 0 else "E" if m == len(inside) - 1 else "I"
            tags[i] = [
                f"r={label}",
                f"rp={label}-{where}",
                f"rl={label}|{element.text[-1]}",
                f"re-1={before}|{label}",
                f"re+1={label}|{after}",
                f"rdup={label}|{again}|{earlier}",
            ]
    return tags


def _gazetteer_marks(text: str, spans: list[tuple[int, int]], gazetteer: Gazetteer) -> list[set[str]]:
    """For each character, the labels of the gazetteer names starting at, ending at and covering it."""
    marks = [set() for _ in spans]
    for i, (start, _) in enumerate(spans):
        found = gazetteer.longest(text, start, len(text))
        if found is None:
            continue
        stop, entry = found
        marks[i].add(f"gs={entry.label}")
        for j in range(i, len(spans)):
            if spans[j][1] > stop:
                break
            marks[j].add(f"gi={entry.label}")
            if spans[j][1] == stop:
                marks[j].add(f"ge={entry.label}")
    return marks


def features(text: str, gazetteer: Gazetteer) -> tuple[list[tuple[int, int]], list[list[str]]]:
    """The characters of ``text`` and the CRF features of each."""
    spans = _tokens(text)
    words = [_shape(text[a:b]) for a, b in spans]
    classes = [_char_class(text[a:b]) for a, b in spans]
    rules = _rule_tags(text, spans, gazetteer)
    plain = _rule_tags(text, spans, default_gazetteer())  # the same on training and new text
    marks = _gazetteer_marks(text, spans, gazetteer)
    n = len(spans)

    def at(seq: list, i: int) -> str:
        return seq[i] if 0 <= i < n else "^" if i < 0 else "$"

    out = []
    seen: set[str] = set()  # the rule labels of the characters before this one
    numbers_after = sum(c == "digit" for c in classes)
    for i in range(n):
        rule = rules[i][0][2:]
        numbers_after -= classes[i] == "digit"
        before, after = rules[i - 1][0][2:] if i else "^", rules[i + 1][0][2:] if i + 1 < n else "$"
        out.append(
            [
                "bias",
                f"w={words[i]}",
                f"w-1={at(words, i - 1)}",
                f"w+1={at(words, i + 1)}",
                f"w-2={at(words, i - 2)}",
                f"w+2={at(words, i + 2)}",
                f"w-1w={at(words, i - 1)}{words[i]}",
                f"ww+1={words[i]}{at(words, i + 1)}",
                f"w-1ww+1={at(words, i - 1)}{words[i]}{at(words, i + 1)}",
                f"c={classes[i]}",
                f"c-1={at(classes, i - 1)}",
                f"c+1={at(classes, i + 1)}",
                *rules[i],
                *("0" + tag for tag in plain[i][:2]),
                f"r-1={before}",
                f"r+1={after}",
                f"r-1r={before}|{rule}",
                f"rr+1={rule}|{after}",
                f"rw={rule}|{words[i]}",
                f"w-2w-1={at(words, i - 2)}{at(words, i - 1)}",
                f"w+1w+2={at(words, i + 1)}{at(words, i + 2)}",
                f"w-3={at(words, i - 3)}",
                f"w+3={at(words, i + 3)}",
                *marks[i],
                *(f"r{mark}|{rule}" for mark in marks[i] if mark.startswith("gs")),
                *(f"seen={label}" for label in ("road", "poi", "town", "roadno", "houseno") if label in seen),
                f"numbers_after={min(numbers_after, 3)}",
            ]
        )
        seen.add(rule)
    return spans, out


def _bio(spans: list[tuple[int, int]], elements: Iterable[Element]) -> list[str]:
    """BIO tags of each character for gold elements."""
    tags = ["O"] * len(spans)
    for label, start, end in elements:
        inside = [i for i, (a, b) in enumerate(spans) if a >= start and b <= end]
        for n, i in enumerate(inside):
            tags[i] = ("B-" if n == 0 else "I-") + label
    return tags


def _elements(text: str, spans: list[tuple[int, int]], tags: list[str]) -> list[Element]:
    """Elements from BIO tags, as conlleval reads them (an I- of another label opens a new element)."""
    found: list[list] = []
    current = None
    for (a, b), tag in zip(spans, tags, strict=True):
        if tag == "O":
            current = None
            continue
        label = tag[2:]
        if tag.startswith("B-") or current is None or current[0] != label:
            current = [label, a, b]
            found.append(current)
        else:
            current[2] = b
    return [tuple(element) for element in found]


def train(
    sentences: list[Sentence],
    gazetteer: Gazetteer,
    model_path: Path,
    fold_gazetteer: Callable[[list[Sentence]], Gazetteer] | None = None,
) -> None:
    """Fit a model on labelled ``sentences`` and write it to ``model_path``.

    When the gazetteer holds the training sentences' own names, the rule parser labels them better than it
    labels new text and the model learns to trust it too much; ``fold_gazetteer`` (the training names of
    some sentences -> a gazetteer) lets each fold be parsed with a gazetteer built without it.
    """
    trainer = pycrfsuite.Trainer(algorithm=ALGORITHM, verbose=False)
    order = list(range(len(sentences)))
    random.Random(0).shuffle(order)  # folds independent of the corpus's order
    folds = [order[k::FOLDS] for k in range(FOLDS)] if fold_gazetteer else [order]
    for fold in folds:
        if fold_gazetteer is None:
            seen = gazetteer
        else:
            held = set(fold)
            seen = fold_gazetteer([s for i, s in enumerate(sentences) if i not in held])
        for i in fold:
            text, gold = sentences[i]
            spans, xs = features(text, seen)
            trainer.append(xs, _bio(spans, gold))
    trainer.set_params({"max_iterations": EPOCHS})
    trainer.train(str(model_path))


class CrfLabeller:
    """A trained model and the gazetteer its rule features are computed with."""

    def __init__(self, model_path: Path, gazetteer: Gazetteer) -> None:
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model_path))
        self._gazetteer = gazetteer

    def label(self, text: str) -> list[Element]:
        """The elements of ``text`` as (label, start, end), offsets into ``text``."""
        if not text:
            return []
        spans, xs = features(text, self._gazetteer)
        return _elements(text, spans, self._tagger.tag(xs))
