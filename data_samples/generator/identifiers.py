"""Valid identifiers for the sample world: resident ID numbers and unified social credit codes.

Check characters come from python-stdnum, the same library the pipeline validates with.
"""

from __future__ import annotations

import random
from datetime import date

from stdnum.cn import ric, uscc

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def id_number(rng: random.Random, division: str, birth: date, sex: str, used: set[str]) -> str:
    """An 18-character ID number: division, birth date, sequence (odd for men), check character."""
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
        body = f"{division}{birth:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")  # stdnum reads the body from a full-length number
        if number not in used:
            used.add(number)
            return number


def credit_code(rng: random.Random, division: str, individual: bool, used: set[str]) -> str:
    """An 18-character unified social credit code: 91 company or 92 individual business."""
    prefix = "92" if individual else "91"
    while True:
        org = "".join(rng.choice(_USCC_ALPHABET) for _ in range(9))
        body = f"{prefix}{division}{org}"
        code = body + uscc.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def mobile(rng: random.Random) -> str:
    """An 11-digit mainland mobile number."""
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
