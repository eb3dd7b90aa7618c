"""The analyst copy holds no bank card number, ID number or mobile number in any column of any layer (issue 17).

A real ledger as a district sends it (老年综合津贴发放名册: a title row, a hidden 银行卡号 column no spec knows, an
emergency contact's mobile and ID number in an unmapped column, ID numbers, mobiles, cards, a passport, a plate and
a birth date in its 备注 free text, a card in a column mapped to a text field, a card typed into the birth date) runs
through the pipeline up to publishing beside the sample's register, household roll (its first 300 lines) and 12345
orders; then every table name, column name and text value of ``analyst.duckdb`` is read back and searched, and so is
the sample world's analyst copy."""

import re
import shutil
import unicodedata
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import AssetKey, AssetSelection, DagsterInstance, materialize
from openpyxl import Workbook
from stdnum import luhn
from stdnum.cn import ric

from connectors.onboarding.draft import draft_spec
from connectors.onboarding.profile import profile
from connectors.spec import SourceSpec, load_registry
from data_samples.generator.generate import SAMPLES
from pipelines.definitions import pipeline_assets, warehouse_resources
from pipelines.dry_run import check_source

REPO = Path(__file__).resolve().parents[2]
# every asset the analyst copy is made from, publishing included; not the report site written after it (its quality
# report and pages, 1.5-4 CPU s of the run), which nothing here reads
UP_TO_PUBLISHING = AssetSelection.assets(AssetKey(["publish", "analyst_copy"])).upstream()
SPEC = """\
name: elderly_allowance
title: 老年综合津贴发放名册
owner: 黄浦区民政局
level: D
format: excel
encoding: detect
files: "老年综合津贴发放名册_*.xlsx"
delivery: snapshot
freshness_days: 40
record_kind: person
record_key: [身份证号]
columns:
  姓名: {to: name}
  身份证号: {to: id_number}
  联系电话: {to: phone}
  居住地址: {to: address}
  出生日期: {to: birth_date}
  开户信息: {to: category}
  备注: {to: note}
"""
HEADER = ["序号", "姓名", "身份证号", "联系电话", "居住地址", "出生日期", "开户信息", "备注", "紧急联系人", "银行卡号"]
ADDRESSES = ["陕西南路8弄1号101室", "瑞金二路150弄3号201室", "永嘉路10弄2号102室"]


def _id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "?")  # stdnum drops the last character


def _card(first18: str) -> str:
    return first18 + luhn.calc_check_digit(first18)


PEOPLE = [  # (name, ID number, mobile, bank card), people who exist only in this test
    (f"{surname}老伯", _id(f"310101194501{m:02d}{m:03d}"), f"139{m:04d}7788", _card(f"62220212{m:04d}789012"))
    for m, surname in enumerate("张王李陈刘周吴郑", start=1)
]
CONTACTS = [(_id(f"310104197502{m:02d}{100 + m:03d}"), f"158{m:04d}2244") for m in range(1, len(PEOPLE) + 1)]
assert all(ric.is_valid(i) for _, i, *_ in PEOPLE) and all(luhn.is_valid(card) for *_, card in PEOPLE)
ROLL_LINES = 300
OTHERS = ["E12345678", "沪A·12345", "出生于1945年1月2日"]  # a passport, a plate, a birth date in the note


def _write_ledger(folder: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "2026年11月"
    sheet.append(["黄浦区瑞金二路街道老年综合津贴发放名册（2026年11月）"])
    sheet.append(HEADER)
    for i, ((name, id_number, mobile, card), (contact_id, contact_mobile)) in enumerate(
        zip(PEOPLE, CONTACTS, strict=True)
    ):
        birth = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}" if i else card  # a card typed as a date
        note = f"本人手机{mobile}，代领人身份证{contact_id}，工资卡{card}；{OTHERS[i % 3]}"
        contact = f"儿子 {contact_mobile} 身份证 {contact_id}"
        sheet.append([i + 1, name, id_number, mobile, ADDRESSES[i % 3], birth, f"工商银行 {card}", note, contact, card])
    sheet.column_dimensions["J"].hidden = True  # 银行卡号: hidden, as the ledger had it
    folder.mkdir(parents=True)
    book.save(folder / "老年综合津贴发放名册_202611.xlsx")


@pytest.fixture(scope="module")
def ledger_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sensitive")
    landing, sources = root / "landing", root / "sources"
    sources.mkdir()
    for name in ("address_register", "household_registration", "hotline_12345"):  # the pipeline needs events
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", sources)
        shutil.copytree(SAMPLES / "landing" / name, landing / name)
    # the household roll's first 300 lines of 1,959: people are still linked with Splink beside the ledger's, for
    # 2 CPU s less a run; the whole roll's analyst copy is scanned in the sample world's test below
    roll = landing / "household_registration" / "HJRK_20261101.txt"
    roll.write_bytes(b"".join(roll.read_bytes().splitlines(keepends=True)[:ROLL_LINES]))
    (sources / "elderly_allowance.yaml").write_text(SPEC, encoding="utf-8")
    _write_ledger(landing / "elderly_allowance")
    warehouse = root / "warehouse" / "housekey.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_LANDING", str(landing))
        env.setenv("HOUSEKEY_WAREHOUSE", str(warehouse))
        env.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
        with DagsterInstance.ephemeral() as instance:
            result = materialize(
                pipeline_assets(load_registry(sources)),
                selection=UP_TO_PUBLISHING,
                resources=warehouse_resources(),
                instance=instance,
            )
    assert result.success
    return warehouse


def _texts(con: duckdb.DuckDBPyConnection):
    """Every table name, column name and value of a text-bearing column (lists, structs, maps and JSON as text)."""
    for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
        yield f"{schema}.{table}"
        columns = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
        for column, kind in columns:
            yield column
            if "VARCHAR" not in kind and "JSON" not in kind:
                continue  # numbers, dates, booleans: no identifier is stored as one
            quoted = '"' + column.replace('"', '""') + '"'
            query = f'SELECT DISTINCT CAST({quoted} AS VARCHAR) FROM "{schema}"."{table}" WHERE {quoted} IS NOT NULL'
            yield from (value for (value,) in con.execute(query).fetchall())


def _readable(text: str) -> str:
    """As a reader sees it: full-width digits as ASCII, invisible characters dropped (not the masks' own code)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")


def identifiers(text: str) -> list[str]:
    """Bank cards (16-19 digits from the issuers of cards used in China, Luhn), valid 18-digit ID numbers and
    mobiles (1[3-9] and 9 digits) standing as numbers of their own in ``text``."""
    found = []
    for run in re.findall(r"[0-9]+[Xx]?", _readable(text)):
        digits = run.rstrip("Xx")
        if 16 <= len(digits) <= 19 and re.match("62|4|5|35|9[45]", digits) and luhn.is_valid(digits):
            found.append(f"bank card {run}")
        if any(ric.is_valid(run[i : i + 18]) for i in range(len(run) - 17)):
            found.append(f"ID number {run}")
        if re.fullmatch("1[3-9][0-9]{9}", run):
            found.append(f"mobile {run}")
    return found


def scan(analyst: Path) -> tuple[int, list[str]]:
    """(texts read, identifiers found with where) over the whole analyst copy."""
    scanned, hits = 0, []
    with duckdb.connect(str(analyst), read_only=True) as con:
        for text in _texts(con):
            scanned += 1
            hits += [f"{found} in {text[:80]!r}" for found in identifiers(text)]
    return scanned, hits


def test_the_ledger_really_delivered_every_identifier(ledger_run):
    """The warehouse itself holds them in clear (raw, _extra, free text, quarantine): the scan below can fail."""
    with duckdb.connect(str(ledger_run), read_only=True) as con:
        raw = con.execute("SELECT string_agg(\"银行卡号\", ',') FROM raw.elderly_allowance").fetchone()[0]
        extra = con.execute("SELECT string_agg(_extra::VARCHAR, ',') FROM staging.elderly_allowance").fetchone()[0]
        notes = con.execute("SELECT string_agg(note || category, ',') FROM staging.elderly_allowance").fetchone()[0]
        refused = con.execute(
            "SELECT value FROM quality.quarantine WHERE source = 'elderly_allowance' AND column_name = '出生日期'"
        ).fetchall()
    cards = [card for *_, card in PEOPLE]
    assert set(cards) <= set(raw.split(",")) and refused == [(cards[0],)]
    assert all(c in extra and c in notes for c in cards[1:])  # the first row may be quarantined whole
    assert all(mobile in extra for _, mobile in CONTACTS[1:])


def test_the_analyst_copy_of_a_ledger_holds_no_card_id_or_mobile(ledger_run):
    scanned, hits = scan(ledger_run.with_name("analyst.duckdb"))
    assert scanned > 10_000
    assert hits == []


def test_no_planted_identifier_survives_in_any_written_form(ledger_run):
    """Every identifier the ledger carried, searched as digits with separators taken out, and the passport,
    plate and birth date of the free text as written."""
    planted = {v for person in PEOPLE for v in person[1:]} | {v for contact in CONTACTS for v in contact}
    with duckdb.connect(str(ledger_run.with_name("analyst.duckdb")), read_only=True) as con:
        texts = list(_texts(con))
        published = con.execute("SELECT note, category FROM staging.elderly_allowance ORDER BY note").fetchall()
    digits = "\n".join(re.sub(r"(?<=[0-9Xx])[ \-.]?(?=[0-9Xx])", "", _readable(t)) for t in texts)
    assert [v for v in planted if v in digits] == []
    assert [v for v in OTHERS if any(v in t for t in texts)] == []
    assert len(published) >= len(PEOPLE) - 1  # the row with a card for a birth date may be quarantined whole
    assert all("6222***********" in note and "139****7788" in note for note, _ in published)


def test_the_sample_worlds_analyst_copy_holds_no_card_id_or_mobile(full_warehouse):
    scanned, hits = scan(full_warehouse.with_name("analyst.duckdb"))
    assert scanned > 100_000
    assert hits == []


def test_source_init_proposes_dropping_the_card_columns(tmp_path):
    _write_ledger(tmp_path / "landing")
    found = profile(tmp_path / "landing" / "老年综合津贴发放名册_202611.xlsx")
    verdicts = {c.name: c.sensitive for c in found.columns if c.sensitive}
    assert verdicts["开户信息"].kind == verdicts["银行卡号"].kind == "bank_card"
    assert verdicts["紧急联系人"].in_text and verdicts["身份证号"].kind == "id_number"
    drafted = draft_spec(found, "elderly_allowance")
    assert {"开户信息", "银行卡号"} <= set(drafted.spec["drop"])
    assert "bank card" in drafted.spec["drop"]["开户信息"]
    assert "masked in the analyst copy" in drafted.why["身份证号"]


def test_source_check_names_the_sensitive_columns_a_spec_leaves_in_clear(tmp_path):
    _write_ledger(tmp_path / "landing")
    ledger = tmp_path / "landing" / "老年综合津贴发放名册_202611.xlsx"
    spec = SourceSpec.model_validate(yaml.safe_load(SPEC))
    flagged = [n for n in check_source(spec, [ledger]).notes if n.startswith("sensitive column")]
    assert [n.split(":")[0] for n in flagged] == [
        f"sensitive column {c}" for c in ("开户信息", "紧急联系人", "银行卡号")
    ]
    assert "mapped to category, which is not masked for them" in flagged[0] and "not mapped" in flagged[2]
    dropped = yaml.safe_load(SPEC) | {"drop": dict.fromkeys(["开户信息", "紧急联系人", "银行卡号"], "sensitive")}
    del dropped["columns"]["开户信息"]
    report = check_source(SourceSpec.model_validate(dropped), [ledger])
    assert [n for n in report.notes if n.startswith("sensitive column")] == []
