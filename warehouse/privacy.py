"""What may leave the private warehouse about a person: masks, keyed tokens and the quasi-identifier rules.

Publishing (warehouse/publish.py) and the quality report use these functions and nothing else, so a
rule changes in one place; docs/privacy.md explains each choice and how to rotate a token key.

- ``mask_text``: ID numbers and phones inside any text, in the forms people and systems write them
  (prefixed ``sfz``/``tel``/``身份证``, split by spaces, dots or dashes, full-width digits, invisible
  characters between digits, ``+86``/``0086``/``86-`` phones, IDs a source already half-masked). An ID
  number keeps only its region (``310101************``): its birth date and sequence never show.
- ``mask_rejected``: the same, and any run of 11 or more digits that is no date or time, for values a rule
  rejected (a mistyped ID number is still someone's ID number; ``20260924165800`` is a time and stays).
- ``mask_id_number``, ``mask_phone``, ``mask_name`` (``name_sql``), ``birth_year``: the values of those columns.
- ``mask_field``: a value under its column's rule; ``mask_quarantined``: a value a rule refused, under the
  rule of the column (or record-key columns) it came from. The quality report shows values only through these.
- ``token``: a keyed HMAC of an identifier; the key comes from ``HOUSEKEY_TOKEN_KEY_<n>`` (the highest
  ``n`` is current and names the tokens: ``k2…``), never from the code.
- The column rules below: what the analyst copy leaves out, and which columns hold names, birth dates,
  ID numbers and phones (the quasi-identifiers: name + birth date + house single out almost everyone).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from stdnum import luhn

from schemas.identifiers import STAGED_PHONES, phones

KEY_ENV = "HOUSEKEY_TOKEN_KEY"  # HOUSEKEY_TOKEN_KEY_<n> is key n; the plain name is key 1
ENVIRONMENT_ENV = "HOUSEKEY_ENV"
PRODUCTION = "production"
LOCAL_KEY_FILE = "token.key"  # beside the warehouse, owner-only: a warehouse's own key when none is set
LOCAL_KEY_ID = "0"
MIN_KEY_LENGTH = 16
_VERSIONED_KEY = re.compile(rf"{KEY_ENV}_(\d+)")

PRIVATE_SCHEMAS = {"raw"}  # every value as delivered, under the sender's own headers
PRIVATE_COLUMNS = {"_extra"}  # columns no spec describes: nobody can say what they hold
# person_id (PSN...) is identity resolution's own key, not personal data: it stays as it is, for joins.
ID_NUMBER_COLUMNS = {"id_number", "counterpart_id_number", "reporter_id_number"}  # region only, and a token
PHONE_COLUMNS = {"phone", "counterpart_phone", "reporter_phone", "contact_phone"}  # 138****5678, and a token
NAME_COLUMNS = {  # 张*
    "name",
    "other_name",
    "counterpart_name",
    "reporter_name",
    "contact_name",
    "person_name",
    "legal_person",
}
BIRTH_DATE_COLUMNS = {"birth_date"}  # the year only, as birth_year
QUARANTINED_VALUE = ("quality", "quarantine", "value")  # what a rule refused: mask_quarantined
REJECTED_VALUES = {("quality", "quarantine", "reason")}  # a reason quotes the refused value: mask_rejected

# What the patterns read: full-width digits, signs and spaces as ASCII, every space as " ", invisible format
# characters (zero-width spaces and joiners, BOM, direction marks: Unicode category Cf) dropped.
# Other numerals (①, ¹, Arabic-Indic digits) are not read as digits.
_FULL_WIDTH = {
    **{chr(0xFF10 + d): str(d) for d in range(10)},
    "＊": "*",
    "－": "-",
    "．": ".",
    "／": "/",
    "＿": "_",
    "＋": "+",
    "（": "(",
    "）": ")",
}
_UNICODE_READING = {"Zs": " ", "Cf": None}  # spaces and format characters, by Unicode category


@cache
def _readable() -> dict[int, str | None]:
    """The translation table, built on first use: naming the spaces and format characters takes one pass over every
    code point (a second of CPU a run that publishes nothing, such as a no-op, never spends)."""
    categories = {
        chr(c): _UNICODE_READING[k] for c in range(0x110000) if (k := unicodedata.category(chr(c))) in _UNICODE_READING
    }
    return str.maketrans(_FULL_WIDTH | categories)


# One optional separator between the groups of a number: 310101-19850615-7779, 138.1234.5670, 138 1234 5670.
_SEP = r"[ .\-_/]?"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"  # the first character of a plate
_PLATE_LETTER = "A-HJ-NP-Za-hj-np-z"  # plates use no I and no O
_BORN = (
    r"(?P<born>(?:出生(?:日期|年月日|年月)?|生日|生于)[于在是为:：]? ?)(?P<born_year>(?:19|20)[0-9]{2})"
    r"(?P<born_rest>年[0-9]{1,2}月(?:[0-9]{1,2}[日号]?)?|[\-/.][0-9]{1,2}(?:[\-/.][0-9]{1,2})?)"
)
_PLATE = (
    rf"(?P<plate>[{_PROVINCES}][{_PLATE_LETTER}])[·•.\- ]?(?:[DFdf][{_PLATE_LETTER}0-9][0-9]{{4}}|[0-9]{{5}}[DFdf]"
    rf"|[{_PLATE_LETTER}0-9]{{4}}[{_PLATE_LETTER}0-9挂学警港澳])<EA>"
)
# The forms, written once for Python (which masks) and RE2 (DuckDB's pre-test): <B> no digit before, <E> no digit
# after, <BA> and <EA> no letter or digit, <RP> a closing parenthesis. Earlier forms win where two could start.
# Beside each form, a looser pre-test when the form itself would make the RE2 pattern long: DuckDB compiles the
# pattern once for every table it publishes (and for every key column), and the time goes with its length.
_FORMS = (
    # a document named in words: 护照号码：E12345678, 台胞证 12345678 (the code alone could be anything)
    (
        r"(?P<doc_word>(?:护照|通行证|台胞证|回乡证|居留证|证件)(?:号码|号)?[:：]? ?)(?P<doc_code>[A-Za-z0-9]{6,})",
        "护照|通行证|台胞证|回乡证|居留证|证件",
    ),
    # an exact birth date in words (出生于1950年1月2日, 生日: 1950-01-02): the year stays, as birth_year does
    (_BORN, "出生|生日|生于"),
    # an ID number a source already masked: its visible birth year or tail would help rebuild it
    (r"<B>(?P<half>[1-8][0-9]{5})\*{4}[0-9Xx*]{8}", None),  # as our own mask: masking twice changes nothing
    # 18 digits; no end boundary: card numbers such as 残疾证号 are the ID number plus two digits. The birth date
    # is checked loosely on purpose: an ID number with a typo still names a person.
    (
        rf"<B>(?P<id18>[1-8][0-9]{{5}}){_SEP}(?:19|20)[0-9]{{2}}{_SEP}[01][0-9]{_SEP}[0-3][0-9]{_SEP}[0-9]{{3}}[0-9Xx]",
        None,
    ),
    # 15 digits (the first generation) with a real month and day and a region no year starts (no region code starts
    # 19 or 20): document numbers such as XC202605060002312 and patrol ids such as XC202610290207504 stay
    (
        rf"<B>(?P<id15>(?:1[0-8]|2[1-9]|[3-8][0-9])[0-9]{{4}}){_SEP}[0-9]{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]){_SEP}[0-9]{{3}}<E>",
        None,
    ),
    (
        rf"<B>(?P<cc>(?:\+|00)?86{_SEP})?(?P<mobile>1[3-9][0-9]){_SEP}[0-9]{{4}}{_SEP}(?P<mobile_tail>[0-9]{{4}})<E>",
        None,
    ),
    (rf"<B>(?P<area>0?21<RP>){_SEP}[0-9]{{4}}(?P<line_tail>[0-9]{{4}})<E>", None),
    # a bank card: 16-19 digits from an issuer of the cards used in China (62 UnionPay, 4 Visa, 5 Mastercard, 35 JCB,
    # 94/95 domestic), passing Luhn (checked in Python), not glued to letters (hashes); house ids start 31
    (
        r"<BA>(?P<card>(?:62|[45][0-9]|35|9[45])[0-9]{2}(?:[ \-]?[0-9]{4}){2}[ \-]?[0-9]{4}(?:[ \-]?[0-9]{1,3})?)<E>",
        r"<BA>(?:62|[45][0-9]|35|9[45])[0-9]{2}[ \-]?[0-9]{4}[ \-]?[0-9]{4}",
    ),
    # the unified social credit code of a person trading alone (个体工商户: 92): type and region stay
    (r"<BA>(?P<uscc92>92[0-9]{6})[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}<EA>", "<BA>92[0-9]{6}[0-9A-Za-z]"),
    # passports (E/G and 8 digits, E and a letter and 7), Hong Kong/Macau permits (C), home-return permits (H/M,
    # 8 or 10 digits), permits to Taiwan (L)
    (r"<BA>(?P<document>[EeGgCcLlHhMm][0-9]{8}(?:[0-9]{2})?|[EeCc][A-Za-z][0-9]{7})<EA>", None),
    # a vehicle plate: 沪A·12345, 沪A12345, new energy 沪AD12345 / 沪A12345D
    (_PLATE, f"[{_PROVINCES}][A-Za-z]"),
)


def _written(forms: list[str], **boundaries: str) -> str:
    written = "|".join(forms)
    for name, boundary in boundaries.items():
        written = written.replace(f"<{name}>", boundary)
    return written


# the look-ahead names every character a form can start with: Python skips other positions without trying each form
_IDENTIFIER = re.compile(
    f"(?=[0-9+EeGgCcLlHhMm护通台回居证出生{_PROVINCES}])(?:"
    + _written(
        [form for form, _ in _FORMS],
        BA="(?<![0-9A-Za-z])",
        EA="(?![0-9A-Za-z])",
        B="(?<![0-9])",
        E="(?![0-9])",
        RP=r"\)?",
    )
    + ")"
)
_LONG_DIGITS = re.compile(r"(?<![0-9A-Za-z])[0-9]{11,}")
# 12 or 14 digits from 19xx or 20xx are a time written compactly (20260924165800), right or wrong: no region code
# starts 19 or 20, and a phone has 11 digits
_COMPACT_TIME = re.compile(r"(?:19|20)[0-9]{10}(?:[0-9]{2})?")
# The RE2 (DuckDB) test that a text may hold an identifier: a form above in ASCII (RE2 has no look-around: the
# boundaries are consumed), or any character the patterns read differently (full-width, invisible, an unusual
# space). Text failing it is published as it is, without a Python call; house ids and document numbers fail it.
# (No Unicode classes inside the forms: RE2 falls back to a slow matcher on large Unicode patterns.)
MAY_HOLD_IDENTIFIERS = (
    _written(
        [test or form for form, test in _FORMS],
        BA="(?:^|[^0-9A-Za-z])",
        EA="(?:[^0-9A-Za-z]|$)",
        B="(?:^|[^0-9])",
        E="(?:[^0-9]|$)",
        RP="[)）]?",
    )
    + r"|[０-９＊－．／＿＋\p{Cf}\x{00A0}\x{1680}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"
)


def full_width_sql(expression: str) -> str:
    """``expression`` with the full-width digits and signs read as ASCII, as ``mask_text`` reads them: text whose
    only unusual characters these are (addresses such as 长乐路１６２弄) passes the pre-test after this, or not."""
    full_width, ascii_ = "".join(_FULL_WIDTH), "".join(_FULL_WIDTH.values())
    return f"translate({expression}, '{full_width}', '{ascii_}')"


def _masked(match: re.Match) -> str:
    groups = match.groupdict()
    if region := groups["half"] or groups["id18"] or groups["id15"]:
        return region + "*" * 12  # one length for all: masking a masked text changes nothing
    if groups["mobile"]:
        return (groups["cc"] or "") + groups["mobile"] + "****" + groups["mobile_tail"]
    if groups["area"]:
        return groups["area"] + "****" + groups["line_tail"]
    if card := groups["card"]:
        digits = re.sub("[^0-9]", "", card)
        # a long number failing Luhn is some other code; the ends stay, as on a bank's receipt
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:] if luhn.is_valid(digits) else card
    if groups["born"]:
        return groups["born"] + groups["born_year"] + re.sub("[0-9]+", "*", groups["born_rest"])
    kept = groups["doc_word"] or groups["uscc92"] or groups["plate"] or groups["document"][0]
    return kept + "*" * (len(match.group(0)) - len(kept))


_DOCUMENT_WORDS = {"护照": "passport", "台胞证": "taiwan_permit"}  # 通行证, 回乡证, 居留证, 证件: any other document
_DOCUMENT_LETTERS = {"E": "passport", "G": "passport", "L": "taiwan_permit"}  # C, H, M: Hong Kong and Macau


def identifiers_in(text: str | None) -> list[str]:
    """The kinds of personal identifier ``mask_text`` masks in ``text``, one per occurrence: id_number, mobile,
    landline, bank_card, birth_date, passport, hk_macau_permit, taiwan_permit, document, individual_credit_code,
    plate_number."""
    found = []
    for match in _IDENTIFIER.finditer((text or "").translate(_readable())):
        groups = {name: value for name, value in match.groupdict().items() if value}
        if _masked(match) == match.group(0):
            continue  # a card failing Luhn, an ID number masked already: nothing to hide
        if "doc_word" in groups:
            found.append(next((k for w, k in _DOCUMENT_WORDS.items() if w in groups["doc_word"]), "document"))
        elif "document" in groups:
            found.append(_DOCUMENT_LETTERS.get(groups["document"][0].upper(), "hk_macau_permit"))
        else:
            found.append(next(kind for group, kind in _GROUP_KINDS.items() if group in groups))
    return found


_GROUP_KINDS = {
    "half": "id_number",
    "id18": "id_number",
    "id15": "id_number",
    "mobile": "mobile",
    "area": "landline",
    "card": "bank_card",
    "born": "birth_date",
    "uscc92": "individual_credit_code",
    "plate": "plate_number",
}


def mask_text(text: str | None) -> str | None:
    """``text`` with every ID number and phone masked. Text holding none is returned as it is; text holding one
    is returned as the patterns read it (full-width digits as ASCII, invisible characters dropped), masked."""
    if not text:
        return text
    readable = text.translate(_readable())
    masked = _IDENTIFIER.sub(_masked, readable)
    return text if masked == readable else masked


def mask_rejected(text: str | None) -> str | None:
    """A value a rule rejected: ``mask_text``, and every run of 11 or more digits (a mistyped ID number or
    phone) keeps its first three and last two digits."""
    if not text:
        return text
    readable = text.translate(_readable())
    masked = _LONG_DIGITS.sub(_masked_digits, _IDENTIFIER.sub(_masked, readable))
    return text if masked == readable else masked


def _masked_digits(match: re.Match) -> str:
    digits = match.group(0)
    return digits if _COMPACT_TIME.fullmatch(digits) else digits[:3] + "*" * (len(digits) - 5) + digits[-2:]


def mask_id_number(value: str | None) -> str | None:
    """An ID number column's value: its region only (``310101************``)."""
    if not value:
        return value
    readable = value.translate(_readable()).strip()
    return readable[:6] + "*" * 12 if re.fullmatch("[0-9]{6}", readable[:6]) else "*" * len(readable)


def mask_phone(value: str | None) -> str | None:
    """A phone column's value: the first three and last four digits of an 11-digit number, else the last two;
    each phone of a cell staging keeps several in (``139…;021…``) on its own."""
    if not value:
        return value
    if len(parts := phones(value)) > 1:
        return STAGED_PHONES.join(map(mask_phone, parts))
    digits = re.sub("[^0-9]", "", value.translate(_readable()))
    if len(digits) >= 11:
        return digits[-11:-8] + "****" + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


# Printable ASCII: there Python's strip() and upper() agree with SQL's trim(x, ' ') and upper(), and _readable()
# changes nothing, so the SQL forms below give what the Python functions give; other values go to the Python one.
_PLAIN = "'[ -~]*'"


def plain_sql(expression: str, sql: str, python: str) -> str:
    """``sql`` for a value of printable ASCII (NULL and '' as they are), else the Python UDF named ``python``: the
    mask in SQL for the values almost every column holds, the Python function only for the rest."""
    return (
        f"CASE WHEN {expression} IS NULL OR {expression} = '' THEN {expression} "
        f"WHEN regexp_full_match({expression}, {_PLAIN}) THEN {sql} ELSE {python}({expression}) END"
    )


def id_number_sql(expression: str) -> str:
    """``mask_id_number`` in SQL for printable ASCII (``plain_sql``)."""
    value = f"trim({expression}, ' ')"
    return (
        f"CASE WHEN regexp_full_match(left({value}, 6), '[0-9]{{6}}') THEN left({value}, 6) || '************' "
        f"ELSE repeat('*', length({value})) END"
    )


def _phone_digits_sql(expression: str) -> str:
    digits = f"regexp_replace({expression}, '[^0-9]', '', 'g')"  # bound once (see token_sql)
    return (
        f"list_transform([{digits}], lambda d: CASE WHEN length(d) >= 11 THEN substr(d, length(d) - 10, 3) || '****' "
        "|| right(d, 4) ELSE repeat('*', greatest(length(d) - 2, 0)) || right(d, 2) END)[1]"
    )


def phone_sql(expression: str) -> str:
    """``mask_phone`` in SQL for printable ASCII (``plain_sql``): each phone of a cell on its own."""
    parts = f"list_filter(string_split({expression}, '{STAGED_PHONES}'), lambda p: p <> '')"
    return (
        f"CASE WHEN len({parts}) > 1 THEN array_to_string(list_transform({parts}, lambda p: {_phone_digits_sql('p')}), "
        f"'{STAGED_PHONES}') ELSE {_phone_digits_sql(expression)} END"
    )


def name_sql(expression: str) -> str:
    """``mask_name`` in SQL (publishing masks every name without a Python call)."""
    return f"CASE WHEN trim({expression}) = '' THEN {expression} ELSE left(trim({expression}), 1) || '*' END"


def mask_name(value: str | None) -> str | None:
    """A person's name: the first character (the surname, or the first of 欧阳) and one ``*``: 张三丰 -> 张*."""
    return value if value is None or not value.strip() else value.strip()[0] + "*"


def birth_year_sql(expression: str) -> str:
    """``birth_year`` in SQL, as an integer (publishing's ``birth_year`` column)."""
    return f"year(TRY_CAST({expression} AS DATE))"


def birth_year(value: str | None) -> str | None:
    """A birth date: its year only (a quasi-identifier: name, birth date and house single out almost everyone);
    None when it is no date."""
    try:
        return str(dt.date.fromisoformat((value or "").strip()[:10]).year)
    except ValueError:
        return None


_FIELD_MASKS = {
    **dict.fromkeys(ID_NUMBER_COLUMNS, mask_id_number),
    **dict.fromkeys(PHONE_COLUMNS, mask_phone),
    **dict.fromkeys(NAME_COLUMNS, mask_name),
    **dict.fromkeys(BIRTH_DATE_COLUMNS, birth_year),
}
# staging's rules name the transform, their column the delivered header: the transform says what the value is
_TRANSFORM_FIELDS = {"transform_id_number": "id_number", "transform_phone": "phone"}
_KEY_PART = re.compile(r"(?:^|, )([a-z_][a-z0-9_]*)=")  # the gate writes a record key as "name=张三, birth_date=…"


def mask_field(column: str, value: str | None, rejected: bool = False) -> str | None:
    """A text value under the rule its column gives (ID number, phone, name, birth date); other text
    ``mask_rejected`` when a rule refused it, else ``mask_text``."""
    mask = _FIELD_MASKS.get(column) or (mask_rejected if rejected else mask_text)
    return mask(value)


def mask_quarantined(rule: str, column: str | None, value: str | None) -> str | None:
    """A value ``rule`` refused (quality.quarantine.value), under the rule of the column it came from; a record
    key's columns each under its own."""
    if value is None:
        return None
    parts = list(_KEY_PART.finditer(value))
    if len(parts) > 1 and parts[0].start() == 0:
        ends = [p.start() for p in parts[1:]] + [len(value)]
        return ", ".join(
            f"{p.group(1)}={mask_field(p.group(1), value[p.end() : end], rejected=True)}"
            for p, end in zip(parts, ends, strict=True)
        )
    return mask_field(_TRANSFORM_FIELDS.get(rule, column or ""), value, rejected=True)


class MissingTokenKey(RuntimeError):
    """No token key where one is required (``HOUSEKEY_ENV=production``), or a key unfit for use."""


@dataclass(frozen=True)
class TokenKey:
    """A token key and its id; the id starts every token it makes (``k2…``), so a rotation is visible."""

    id: str
    secret: bytes = b""

    def __repr__(self) -> str:  # the secret never reaches a log
        return f"TokenKey(id={self.id!r})"


def configured_keys() -> dict[int, str]:
    """The token keys set in the environment, by number (``HOUSEKEY_TOKEN_KEY`` alone counts as key 1)."""
    keys = {
        int(m.group(1)): value for name, value in os.environ.items() if (m := _VERSIONED_KEY.fullmatch(name)) and value
    }
    if plain := os.environ.get(KEY_ENV):
        if keys.get(1, plain) != plain:
            raise MissingTokenKey(f"{KEY_ENV} and {KEY_ENV}_1 are both set and differ: set one of them")
        keys[1] = plain
    return keys


def in_production() -> bool:
    return os.environ.get(ENVIRONMENT_ENV, "").strip().lower() == PRODUCTION


def require_token_key() -> None:
    """Raise ``MissingTokenKey`` (one line) when this environment must have a key and has none, or a key is weak."""
    keys = configured_keys()
    if not keys and in_production():
        raise MissingTokenKey(
            f"{ENVIRONMENT_ENV}={PRODUCTION} and no token key: set {KEY_ENV}_<n> "
            f"(at least {MIN_KEY_LENGTH} characters, e.g. `openssl rand -hex 32`); see docs/privacy.md"
        )
    if weak := sorted(n for n, key in keys.items() if len(key) < MIN_KEY_LENGTH):
        raise MissingTokenKey(f"token key {', '.join(map(str, weak))} is shorter than {MIN_KEY_LENGTH} characters")


def token_key(warehouse: Path) -> TokenKey:
    """The current token key: the highest-numbered ``HOUSEKEY_TOKEN_KEY_<n>``; without one (never in
    production) the warehouse's own random key, kept owner-only in ``token.key`` beside it, so tokens of a
    local warehouse cannot be recomputed by anyone who only knows the code."""
    require_token_key()
    if keys := configured_keys():
        number = max(keys)
        return TokenKey(str(number), keys[number].encode())
    path = warehouse.with_name(LOCAL_KEY_FILE)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return TokenKey(LOCAL_KEY_ID, path.read_bytes().strip())
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32))
    return TokenKey(LOCAL_KEY_ID, path.read_bytes().strip())


_LETTERS_ONLY = str.maketrans("234567", "abcdef")


_TOKEN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"  # base32's alphabet with 2-7 as token() writes them
_HMAC_BLOCK = 64  # SHA-256's block, in bytes (RFC 2104)


def token_pads(key: TokenKey) -> dict[str, bytes]:
    """The parameters ``token_sql`` reads: the key padded to a block and XOR-ed with HMAC's inner and outer pads,
    passed as parameters so the secret is never written into a statement."""
    secret = key.secret if len(key.secret) <= _HMAC_BLOCK else hashlib.sha256(key.secret).digest()
    secret = secret.ljust(_HMAC_BLOCK, b"\0")
    return {"token_inner": bytes(b ^ 0x36 for b in secret), "token_outer": bytes(b ^ 0x5C for b in secret)}


def token_sql(key: TokenKey, expression: str) -> str:
    """``token`` in SQL for a value of printable ASCII (``plain_sql``), with DuckDB's built-in sha256 (no extension):
    HMAC-SHA256 over the pads ``$token_inner`` and ``$token_outer`` (``token_pads``), then the digest's first 100
    bits (25 hex digits) as 20 letters of 5 bits. The digest is bound once through a lambda: DuckDB does not share
    an expression repeated inside CASE, and hashing five times cost five times as much."""
    digest = f"sha256($token_outer || unhex(sha256($token_inner || encode(upper(trim({expression}, ' '))))))"
    letters = [f"substr('{_TOKEN_LETTERS}', 1 + ((bits >> {95 - 5 * i}) & 31)::INTEGER, 1)" for i in range(20)]
    prefix = "k" + key.id.replace("'", "''")
    return (
        f"'{prefix}' || list_transform([('0x' || left({digest}, 25))::HUGEINT], lambda bits: {' || '.join(letters)})[1]"
    )


def token(key: TokenKey, value: str) -> str:
    """A keyed token (HMAC-SHA256) of an identifier: ``k<key id>`` and 20 letters, so that no run of its
    characters passes for a phone or ID number. Equal identifiers (case and spaces aside) give equal tokens."""
    digest = hmac.new(key.secret, value.strip().upper().encode(), hashlib.sha256).digest()
    return f"k{key.id}" + base64.b32encode(digest)[:20].decode().translate(_LETTERS_ONLY)
