"""Which sensitive identifier a delivered column holds: bank cards, ID numbers, mobiles, passports and permits,
individuals' credit codes, vehicle plates, exact birth dates in free text.

A value is read by the analyst copy's own patterns (``warehouse.privacy.identifiers_in``: a bank card is 16-19
digits from a card issuer's range passing Luhn, a credit code of a person trading alone starts 92), so what
``source init`` and ``source check`` flag is what publishing masks. A column's verdict is the kind most of its
values hold (or, for free text, the kind some of them hold), with its share. ``source init`` proposes a column
holding a kind no masked canonical column takes as ``drop``; ``source check`` names every such column a spec
neither drops nor maps to a column masked for its kind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from connectors.spec import SourceSpec
from warehouse.privacy import BIRTH_DATE_COLUMNS, ID_NUMBER_COLUMNS, PHONE_COLUMNS, identifiers_in

HOLDS = 0.5
"""A column holds a kind when at least this share of its filled values does (a few typos aside)."""
IN_TEXT = 0.02
"""Free text holds a kind when at least this share of its values names one (a description quoting an ID)."""
SAMPLE_VALUES = 500
"""Filled values looked at per column, as the profile does."""
KIND_WORDS = {
    "id_number": "ID numbers",
    "mobile": "mobile numbers",
    "landline": "landline numbers",
    "bank_card": "bank card numbers (Luhn)",
    "passport": "passport numbers",
    "hk_macau_permit": "Hong Kong/Macau permit numbers",
    "taiwan_permit": "Taiwan permit numbers",
    "document": "document numbers",
    "individual_credit_code": "credit codes of people trading alone (92…)",
    "plate_number": "vehicle plates",
    "birth_date": "exact birth dates",
}
"""The kinds a column can hold, in the words a draft's comment uses."""
MASKED_COLUMNS = {
    "id_number": ID_NUMBER_COLUMNS,
    "mobile": PHONE_COLUMNS,
    "landline": PHONE_COLUMNS,
    "birth_date": BIRTH_DATE_COLUMNS,
    "individual_credit_code": {"credit_code"},  # published as 92310101**********
}
"""Canonical columns the analyst copy masks for a kind; a kind with none (a bank card) is dropped."""
_KIND_HEADERS = {  # a header naming the document, for numbers no pattern tells apart (台胞证: 8 digits)
    "bank_card": ("银行卡", "卡号", "账号"),
    "passport": ("护照",),
    "hk_macau_permit": ("港澳", "回乡证"),
    "taiwan_permit": ("台胞", "台湾", "赴台"),
    "plate_number": ("车牌", "号牌"),
}
_NUMBERISH = str.maketrans("", "", " -·")


@dataclass(frozen=True)
class Verdict:
    """What sensitive identifier a column holds, and how sure."""

    kind: str
    """A key of KIND_WORDS."""
    share: float
    """Share of the filled values looked at that hold it."""
    in_text: bool = False
    """Only some values name it, inside free text (a note quoting an ID number)."""

    @property
    def reason(self) -> str:
        where = "name" if self.in_text else "are"
        return f"{self.share:.0%} of its values {where} {KIND_WORDS[self.kind]}"

    @property
    def masked_as(self) -> set[str]:
        """Canonical columns that publish this kind masked; empty when only dropping keeps it out."""
        return MASKED_COLUMNS.get(self.kind, set())


def column_verdict(header: str, values: list[str]) -> Verdict | None:
    """The sensitive kind a column holds, from up to SAMPLE_VALUES filled values and its header; None when none.

    A kind found in at least HOLDS of the values wins; a header naming a document (护照号码, 台胞证号) takes its
    kind when at least IN_TEXT of the values are codes of 6 or more letters and digits; otherwise the kind most
    often named inside the values, when at least IN_TEXT of them name it (free text)."""
    looked = [v for v in values if v and v.strip()][:SAMPLE_VALUES]
    if not looked:
        return None
    whole: Counter = Counter()
    inside: Counter = Counter()
    for value in looked:
        kinds = set(identifiers_in(value))
        inside.update(kinds)
        if len(kinds) == 1 and _alone(value):
            whole.update(kinds)
    if whole and whole.most_common(1)[0][1] >= HOLDS * len(looked):
        kind, count = whole.most_common(1)[0]
        return Verdict(kind, count / len(looked))
    named = next((k for k, words in _KIND_HEADERS.items() if any(w in header for w in words)), None)
    codes = sum(v.strip().translate(_NUMBERISH).isalnum() and len(v.strip()) >= 6 for v in looked)
    if named and codes >= IN_TEXT * len(looked):
        return Verdict(named, codes / len(looked))
    if inside and inside.most_common(1)[0][1] >= IN_TEXT * len(looked):
        kind, count = inside.most_common(1)[0]
        return Verdict(kind, count / len(looked), in_text=True)
    return None


def _alone(value: str) -> bool:
    """Whether a value is one identifier and little else (no words around it: 6222 0212 3456 7890 128)."""
    return len(value.strip()) <= 24


def unprotected(spec: SourceSpec, values: dict[str, list[str]]) -> list[str]:
    """One line per delivered column (header -> its values) that holds a sensitive kind while the spec neither
    drops it nor maps it to a column the analyst copy masks for that kind (free text mapped anywhere is masked
    inside). Such a column reaches the private warehouse in clear, and with it every backup."""
    lines = []
    for header, column in values.items():
        verdict = column_verdict(header, column)
        target = spec.canonical_name(header)
        if verdict is None or header in spec.drop or (target and (verdict.in_text or target in verdict.masked_as)):
            continue
        now = f"mapped to {target}, which is not masked for them" if target else "not mapped: it is kept in raw"
        fix = f"map it to {' or '.join(sorted(verdict.masked_as))}, or drop it" if verdict.masked_as else "drop it"
        lines.append(f"sensitive column {header}: {verdict.reason}; {now}; {fix} (drop: {{{header}: why}})")
    return lines
