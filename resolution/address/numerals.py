"""Chinese numerals as clerks write them in addresses: 三百七十二 -> 372, 十五 -> 15, 二〇二六 -> 2026, 廿八 -> 28."""

from __future__ import annotations

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_TENS = {"廿": 20, "卅": 30}  # old-style twenty and thirty, still on lane signs: 廿八号
NUMERAL_CHARS = "".join(DIGITS) + "".join(_UNITS) + "".join(_TENS)


def chinese_to_int(text: str) -> int | None:
    """The value of a Chinese numeral, or None when the characters do not form one.

    Without 十/百/千 the digits are read one by one (二〇二六 -> 2026, 四〇二 -> 402).
    """
    if text and text[0] in _TENS:  # 廿 and 廿八: twenty, then at most one digit
        tail = text[1:]
        if tail and (len(tail) > 1 or not DIGITS.get(tail)):
            return None
        return _TENS[text[0]] + (DIGITS[tail] if tail else 0)
    if not text or any(c not in DIGITS and c not in _UNITS for c in text):
        return None
    if not any(c in _UNITS for c in text):
        return int("".join(str(DIGITS[c]) for c in text))
    total, digit, last_unit = 0, None, 10_000
    for c in text:
        if c in DIGITS:
            if digit is not None and DIGITS[c] != 0:
                return None  # two digits in a row inside a unit numeral: 三四百
            digit = DIGITS[c] if DIGITS[c] else None
        else:
            unit = _UNITS[c]
            if unit >= last_unit or digit is None and unit > 10:
                return None  # 百 after 十, 百 with no digit: not a numeral
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)
