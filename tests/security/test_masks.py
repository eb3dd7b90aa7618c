"""The free-text masks on every form an identifier escaped them in (issue 14, S4), on rejected values and on
identifier columns; and the SQL pre-test publishing uses never lets such a text skip the mask."""

from html import escape

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.privacy import (
    MAY_HOLD_IDENTIFIERS,
    birth_year,
    birth_year_sql,
    full_width_sql,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_rejected,
    mask_text,
    name_sql,
)

ID, PHONE = "310101198506157779", "13812345670"
ZW = "\u200b"
S4_FORMS = [  # (text, masked)
    (f"sfz{ID}", "sfz310101************"),
    (f"SFZ:{ID}", "SFZ:310101************"),
    (f"身份证{ID}", "身份证310101************"),
    (f"tel{PHONE}", "tel138****5670"),
    (f"手机{PHONE}", "手机138****5670"),
    ("310101-19850615-7779", "310101************"),
    ("310101 1985 0615 7779", "310101************"),
    ("310101.19850615.7779", "310101************"),
    ("138.1234.5670", "138****5670"),
    ("138 1234 5670", "138****5670"),
    ("138-1234-5670", "138****5670"),
    ("３１０１０１１９８５０６１５７７７９", "310101************"),  # full-width digits
    ("１３８１２３４５６７０", "138****5670"),
    ("１３８－１２３４－５６７０", "138****5670"),  # full-width dashes
    (ZW.join(PHONE), "138****5670"),  # zero-width spaces between every digit
    (f"310101{ZW}19850615\u2060777\ufeff9", "310101************"),  # word joiner, BOM
    ("138\u00a01234\u30005670", "138****5670"),  # no-break and ideographic spaces
    ("+8613812345670", "+86138****5670"),
    ("＋８６ １３８１２３４５６７０", "+86 138****5670"),
    ("008613812345670", "0086138****5670"),
    ("86-13812345670", "86-138****5670"),
    ("+86 138 1234 5670", "+86 138****5670"),
    ("310103********4212", "310103************"),  # half-masked beside a birth date: region only
    ("310103****0615421X", "310103************"),
    ("残疾证号31010119570726723211", "残疾证号310101************11"),  # a card number: the ID and two digits
    ("31010119850615777X", "310101************"),
    ("31010185061577", "31010185061577"),  # 14 digits: no identifier
    ("021-64752518", "021****2518"),
    ("(021)64752518", "(021)****2518"),
    (f"{PHONE},13912345678", "138****5670,139****5678"),
]


@pytest.fixture(scope="module")
def con():
    """One in-memory DuckDB for the pre-test's regexp_matches, which keeps no state between queries: a connection
    per example cost 24 ms of the property test's 300 examples."""
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.parametrize(("text", "masked"), S4_FORMS)
def test_every_s4_form_is_masked(text, masked, con):
    assert mask_text(text) == masked
    assert mask_text(masked) == masked  # masking twice changes nothing
    assert con.execute("SELECT regexp_matches(?, ?)", [text, MAY_HOLD_IDENTIFIERS]).fetchone()[0] or masked == text


def test_a_rejected_value_hides_any_long_digit_run():
    assert mask_rejected("31010119850615777") == "310************77"  # 17 digits: a mistyped ID number
    assert mask_rejected("1985-13-45") == "1985-13-45"  # a bad date stays readable
    assert mask_rejected("巡查编号XC202605060002312") == "巡查编号XC202605060002312"


def test_identifier_columns_keep_only_the_region_or_the_ends():
    assert mask_id_number(ID) == mask_id_number("310101********7779") == "310101************"
    assert mask_id_number("31010119850615777") == "310101************"
    assert mask_phone(PHONE) == mask_phone("+86 138-1234-5670") == "138****5670"
    assert mask_phone("64752518") == "******18"


SEPARATORS = st.sampled_from(["", " ", "-", ".", ZW, "\u2060", "\u00a0"])
WIDTH = st.sampled_from([str, lambda s: s.translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"})])


@st.composite
def written_identifiers(draw) -> str:
    """An ID number or phone as someone might write it, inside some text."""
    before = ["", "，", " ", "备注"]
    if draw(st.booleans()):
        groups = [
            "310101",
            draw(st.sampled_from(["1985", "2003"])),
            "0615",
            "777" + draw(st.sampled_from("0123456789X")),
        ]
        before += ["sfz", "SFZ", "身份证", "身份证号："]
    else:
        groups = [draw(st.sampled_from(["138", "159", "186"])), "1234", "5670"]
        before += ["tel", "电话：", "+86", "+86 ", "0086", "86-", "＋８６"]
    separator = draw(SEPARATORS)
    body = draw(WIDTH)(separator.join(groups))
    before = draw(st.sampled_from(before))
    after = draw(st.sampled_from(["", "，", "。", " 张三", "号"]))
    return before + body + after


@settings(max_examples=300, deadline=None)
@given(written_identifiers())
def test_no_written_identifier_survives_and_the_pre_test_sees_it(con, text):
    masked = mask_text(text)
    digits = "".join(c for c in masked if c.isdigit())
    assert "19850615" not in digits and "20030615" not in digits and "12345670" not in digits, (text, masked)
    assert con.execute("SELECT regexp_matches(?, ?)", [text, MAY_HOLD_IDENTIFIERS]).fetchone()[0], text
    # publishing tests again with full-width digits as ASCII: an identifier still passes
    test = f"SELECT regexp_matches({full_width_sql('?')}, ?)"
    assert con.execute(test, [text, MAY_HOLD_IDENTIFIERS]).fetchone()[0], text


@pytest.mark.parametrize(
    "code",
    [
        "310101023001000046",
        "grid_patrols:XC202605070003495",
        "grid_patrols:XC202610290207504",  # a patrol id whose date reads as a month and day
        "hotline_12345:25110300001",
        "a870a7688dde69df138016dc847d50f8ae3dbac1391816f07",
        "2026-09-24 16:58:00",
    ],
)
def test_codes_and_times_skip_the_python_masks(code, con):
    """House ids, document numbers, hashes and times are most of the text with digits: the pre-test lets them by."""
    assert not con.execute("SELECT regexp_matches(?, ?)", [code, MAY_HOLD_IDENTIFIERS]).fetchone()[0]
    assert mask_text(code) == code


def test_a_rejected_time_stays_readable():
    assert mask_rejected("20260924165800") == "20260924165800"
    assert mask_rejected("受理时间202613011658") == "受理时间202613011658"  # a wrong time is still no identifier
    assert mask_rejected("1381234567801") == "138********01"


QUARANTINED = [  # (rule, column, value, as the report and the analyst copy show it)
    ("transform_id_number", "身份证号", "3101011985061577", "310101************"),
    ("suite:person.id_number_checksum", "id_number", "310101198506157770", "310101************"),
    ("transform_phone", "联系电话", "1381234567", "********67"),
    ("suite:person.record_key_unique", "name", "name=张三丰, birth_date=1985-06-15", "name=张*, birth_date=1985"),
    (
        "suite:event.record_key_unique",
        "person_name",
        "person_name=李四, occurred_at=2026-09-24 16:58:00",
        "person_name=李*, occurred_at=2026-09-24 16:58:00",
    ),
    ("transform_datetime", "受理时间", "20261301165800", "20261301165800"),
    ("transform_date", "出生日期", "1985-13-45", "1985-13-45"),
    ("suite:event.occurred_not_in_future", "occurred_at", "2027-01-01 09:00:00", "2027-01-01 09:00:00"),
]


def test_the_report_masks_refused_values_as_the_analyst_copy_does(tmp_path, monkeypatch):
    from connectors.spec import load_registry
    from quality.report import render
    from warehouse.database import connect
    from warehouse.publish import publish

    monkeypatch.setenv("HOUSEKEY_TOKEN_KEY_1", "key-for-the-report-and-publish-test")
    warehouse = tmp_path / "housekey.duckdb"
    sources = ("actual_residents", "contact_book")
    with connect(warehouse) as con:
        for i, (rule, column, value, _) in enumerate(QUARANTINED):
            con.execute(
                "INSERT INTO quality.quarantine (source, delivery_id, file_name, row_number, column_name, rule, value) "
                "VALUES (?, ?, 'f.csv', ?, ?, ?, ?)",
                [sources[i % 2], f"d{i % 2}", i, column, rule, value],  # the report shows five rules per source
            )
        html = render(con, {s: load_registry()[s] for s in sources})
        publish(con, warehouse)
    with duckdb.connect(str(tmp_path / "analyst.duckdb"), read_only=True) as analyst:
        published = [
            v for (v,) in analyst.execute("SELECT value FROM quality.quarantine ORDER BY row_number").fetchall()
        ]
    assert published == [shown for *_, shown in QUARANTINED]
    for *_, shown in QUARANTINED:
        assert escape(shown) in html
    for _, _, value, shown in QUARANTINED:
        assert value == shown or escape(value) not in html


def test_a_name_and_a_birth_date_are_masked_alike_in_python_and_in_sql():
    with duckdb.connect() as con:
        for name in ["张三丰", " 欧阳娜娜 ", "李", "", "  "]:
            sql = con.execute(f"SELECT {name_sql('n')} FROM (SELECT ?::VARCHAR AS n)", [name]).fetchone()[0]
            assert sql == mask_name(name), name
        for born in ["1985-06-15", "1899-01-01 00:00:00", "1985-13-45", "不详"]:
            sql = con.execute(f"SELECT {birth_year_sql('b')} FROM (SELECT ?::VARCHAR AS b)", [born]).fetchone()[0]
            assert (None if sql is None else str(sql)) == birth_year(born), born
