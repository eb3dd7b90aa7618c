"""Sensitive identifiers beyond ID numbers and phones (issue 17, point 4): bank cards, passports and permits,
credit codes of people trading alone, vehicle plates, exact birth dates in free text. The analyst copy's masks
hide each in any text, the SQL pre-test lets none skip them, and ``source init``'s column verdict names them."""

import duckdb
import pytest
from stdnum import luhn

from connectors.onboarding.sensitive import column_verdict
from warehouse.privacy import MAY_HOLD_IDENTIFIERS, identifiers_in, mask_rejected, mask_text

CARD = "6222021234567890128"  # UnionPay, 19 digits, Luhn
assert luhn.is_valid(CARD)

MASKED = [  # (text, masked, kinds found)
    (CARD, "6222***********0128", ["bank_card"]),
    (f"工资卡{CARD}已停用", "工资卡6222***********0128已停用", ["bank_card"]),
    ("6222 0212 3456 7890 128", "6222***********0128", ["bank_card"]),
    ("4111-1111-1111-1111", "4111********1111", ["bank_card"]),  # Visa, 16 digits in groups
    ("护照号码：E12345678", "护照号码：*********", ["passport"]),
    ("护照G12345678", "护照*********", ["passport"]),
    ("持EA1234567入境", "持E********入境", ["passport"]),
    ("港澳通行证C12345678", "港澳通行证*********", ["document"]),
    ("C12345678", "C********", ["hk_macau_permit"]),
    ("回乡证H1234567801", "回乡证***********", ["document"]),
    ("台胞证 12345678", "台胞证 ********", ["taiwan_permit"]),
    ("92310101W98LF7CUAP", "92310101**********", ["individual_credit_code"]),
    ("车辆沪A·12345违停", "车辆沪A******违停", ["plate_number"]),
    ("沪AD12345", "沪A******", ["plate_number"]),
    ("沪A12345D 充电", "沪A****** 充电", ["plate_number"]),
    ("老人出生于1950年1月2日", "老人出生于1950年*月*日", ["birth_date"]),
    ("生日: 1950-01-02", "生日: 1950-*-*", ["birth_date"]),
    ("出生日期1950.1.2，独居", "出生日期1950.*.*，独居", ["birth_date"]),
    (
        f"本人身份证310101195001021234，手机13912345678，银行卡{CARD}",
        "本人身份证310101************，手机139****5678，银行卡6222***********0128",
        ["id_number", "mobile", "bank_card"],
    ),
]
KEPT = [  # texts that hold no personal identifier and stay as they are
    "6222021234567890123",  # card-like, fails Luhn
    "310101023001000046",  # a house id (no card issuer starts 31)
    "2026110112345678",  # a number from a date
    "91310101A6TPKHJCGU",  # a company's credit code: public
    "巡查编号XC202605060002312",
    "WG37",
    "2026年5月3日来电投诉",  # a date without a birth word
    "出生年月",  # a header
    "沪ABC",
    "E1234567",  # 7 digits: no passport
]
SKIPPED = [  # keys publishing copies everywhere: the SQL pre-test keeps them from the Python masks
    "170a5be4496344645d177520f6901714c35365c6e546db13c646491852b7eacb",  # a file hash with 8 digits in a row
    "B310101023H0A35419995",  # a business id
    "PSN3101010230000001",  # a person id
    "310101023001000046",  # a house id
    "actual_residents:224a730348de#2",  # a record id
]


@pytest.mark.parametrize(("text", "masked", "kinds"), MASKED)
def test_each_sensitive_form_is_masked_and_named(text, masked, kinds):
    assert mask_text(text) == masked
    assert mask_text(masked) == masked  # masking twice changes nothing
    assert mask_rejected(text) == masked
    assert identifiers_in(text) == kinds and identifiers_in(masked) == []
    with duckdb.connect() as con:  # the SQL pre-test never lets it skip the Python masks
        assert con.execute("SELECT regexp_matches(?, ?)", [text, MAY_HOLD_IDENTIFIERS]).fetchone()[0]


@pytest.mark.parametrize("text", KEPT)
def test_codes_dates_and_company_codes_stay(text):
    assert mask_text(text) == text and identifiers_in(text) == []


def test_a_column_of_cards_is_a_bank_card_column_whatever_its_header():
    values = [CARD, "4111111111111111", "6222 0212 3456 7890 128", ""]
    verdict = column_verdict("备用信息", values)
    assert (verdict.kind, verdict.share, verdict.in_text, verdict.masked_as) == ("bank_card", 1.0, False, set())
    assert verdict.reason == "100% of its values are bank card numbers (Luhn)"


def test_ids_and_mobiles_are_masked_where_mapped_and_free_text_names_them():
    assert column_verdict("证件", ["310101195001021234", "31010119500102123X"]).masked_as >= {"id_number"}
    assert column_verdict("联系方式", ["13912345678", "139 1234 5678"]).kind == "mobile"
    notes = ["独居老人，身体尚可"] * 30 + ["联系人手机13912345678"] * 2
    assert (column_verdict("备注", notes).kind, column_verdict("备注", notes).in_text) == ("mobile", True)
    assert column_verdict("备注", ["独居老人，身体尚可"] * 30) is None


def test_a_header_naming_a_document_tells_numbers_no_pattern_does():
    assert column_verdict("台胞证号", ["12345678", "87654321"]).kind == "taiwan_permit"
    assert column_verdict("编号", ["12345678", "87654321"]) is None
    assert column_verdict("车牌号", ["沪A·12345", "沪AD12345"]).kind == "plate_number"


@pytest.mark.parametrize("key", SKIPPED)
def test_keys_and_hashes_skip_the_python_masks(key):
    with duckdb.connect() as con:
        assert not con.execute("SELECT regexp_matches(?, ?)", [key, MAY_HOLD_IDENTIFIERS]).fetchone()[0]
