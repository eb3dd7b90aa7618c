"""source init learns from what it is told: reviewed specs teach their headers, the owner's name sets the level,
and the messy ledger of docs/onboarding.md is drafted close to its reviewed spec."""

from pathlib import Path

import pytest
import yaml
from stdnum.cn import ric
from typer.testing import CliRunner

from commands.housekey import app
from connectors import spec as spec_module
from connectors.onboarding.draft import draft_spec, level_of
from connectors.onboarding.learned import DRAFT_MARKER, learned_headers
from connectors.onboarding.profile import profile
from connectors.onboarding.render import render
from connectors.spec import SourceSpec, load_spec

LEDGER = Path(__file__).resolve().parents[2] / "docs" / "examples" / "老年综合津贴发放名册_202611.xlsx"
HEADER = "领款人,证件号,住址,核对结果"
ROWS = [
    f"王小明,{body}{ric.calc_check_digit(body + '0')},长乐路{i}号,已核对"
    for i in range(1, 21)
    for body in [f"31010119500101{i:03d}"]
]


@pytest.fixture
def registry(tmp_path, monkeypatch) -> Path:
    """An empty registry folder in place of connectors/sources/."""
    folder = tmp_path / "sources"
    folder.mkdir()
    monkeypatch.setattr(spec_module, "SOURCES_DIR", folder)
    return folder


def reviewed(folder: Path, name: str, columns: dict[str, str], marker: bool = False, **fields) -> None:
    spec = {
        "name": name,
        "title": name,
        "owner": "瑞金二路街道",
        "level": "S",
        "format": "csv",
        "record_kind": "person",
        "columns": {c: {"to": t} for c, t in columns.items()},
        **fields,
    }
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    (folder / f"{name}.yaml").write_text((DRAFT_MARKER + "\n" if marker else "") + text, encoding="utf-8")


def sample(tmp_path: Path, header: str = HEADER) -> Path:
    path = tmp_path / "核对名单_202611.csv"
    path.write_text("\n".join([header, *ROWS]), encoding="utf-8")
    return path


def load_spec_file(path: Path) -> SourceSpec:
    """A reviewed spec kept beside its export, whatever its file is called."""
    return SourceSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_a_reviewed_header_beats_the_synonyms(registry, tmp_path):
    found = profile(sample(tmp_path))
    before = draft_spec(found, "checks").spec["columns"]
    assert before["核对结果"]["to"] == "status"  # synonyms.yaml: 结果 is status
    reviewed(registry, "roster", {"领款人": "name", "核对结果": "note", "证件号": "id_number"})
    after = draft_spec(found, "checks")
    assert {c: e["to"] for c, e in after.spec["columns"].items()} == {
        "领款人": "name",
        "证件号": "id_number",
        "住址": "address",
        "核对结果": "note",
    }
    assert after.why["核对结果"] == "reviewed in roster"


def test_an_alias_teaches_and_reviewers_vote(registry, tmp_path):
    reviewed(registry, "a", {"结果": "note"})
    reviewed(registry, "b", {"检查结论": "status"})
    reviewed(registry, "c", {"结论": "note"})
    spec = yaml.safe_load((registry / "b.yaml").read_text(encoding="utf-8"))
    spec["columns"]["检查结论"]["aliases"] = ["核对结果"]
    (registry / "b.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert learned_headers({"note", "status"})["核对结果"].target == "status"
    reviewed(registry, "d", {"核对结果": "note"})
    assert "核对结果" not in learned_headers({"note", "status"})  # one each: a tie teaches nothing
    reviewed(registry, "e", {"核对结果": "note"})
    assert learned_headers({"note", "status"})["核对结果"].sources == ("d", "e")


def test_a_draft_not_yet_reviewed_and_the_source_itself_teach_nothing(registry, tmp_path):
    found = profile(sample(tmp_path))
    reviewed(registry, "roster", {"核对结果": "note"}, marker=True)
    assert draft_spec(found, "checks").spec["columns"]["核对结果"]["to"] == "status"
    reviewed(registry, "checks", {"核对结果": "note"})
    assert draft_spec(found, "checks").spec["columns"]["核对结果"]["to"] == "status"
    assert draft_spec(found, "other").spec["columns"]["核对结果"]["to"] == "note"


def test_columns_reviewers_keep_out_are_proposed_the_same_way(registry, tmp_path):
    reviewed(registry, "roster", {"领款人": "name"}, ignore={"核对结果": "the clerk's tick"})
    draft = draft_spec(profile(sample(tmp_path)), "checks")
    assert draft.spec["ignore"] == {"核对结果": "reviewed in roster"} and "核对结果" not in draft.spec["columns"]


@pytest.mark.parametrize(
    "owner, level",
    [
        ("上海市民政局", "M"),
        ("上海市不动产登记中心（黄浦区不动产登记事务中心）", "M"),
        ("上海市黄浦区民政局", "D"),
        ("区人民武装部", "D"),
        ("黄浦区市场监督管理局瑞金二路市场监督管理所", "D"),
        ("瑞金二路街道社区事务受理服务中心", "S"),
        ("思南路居民委员会", "S"),
        ("某某镇人民政府", "S"),
        ("公安部", "N"),
        ("国家卫生健康委员会", "N"),
        ("市场监督管理局", None),
        ("城市运行管理中心", None),
    ],
)
def test_the_level_comes_from_the_owners_name(owner, level):
    assert level_of(owner) == level


def test_the_messy_ledger_is_drafted_as_a_reviewer_would(tmp_path):
    """docs/onboarding.md's walk-through: title rows, a two-row merged header, totals, footnotes, a hidden card."""
    found = profile(LEDGER)
    assert (found.header_row, found.header_rows, found.rows) == (3, 2, 24)
    draft = draft_spec(found, "elderly_allowance", "瑞金二路街道社区事务受理服务中心")
    spec = draft.spec
    assert spec["level"] == "S" and spec["record_kind"] == "person" and spec["record_key"] == ["公民身份号码"]
    assert {c: e["to"] for c, e in spec["columns"].items()} == {
        "姓名": "name",
        "性别": "sex",
        "公民身份号码": "id_number",
        "出生年月": "birth_date",
        "户籍地址": "address",
        "联系电话": "phone",
        "发放信息/津贴档次": "category",
        "备注": "note",
    }
    assert set(spec["ignore"]) == {"序号", "发放信息/发放金额", "发放信息/开户行"}
    assert set(spec["drop"]) == {"发放信息/银行卡号"}
    assert "所属居委" in draft.unmapped  # a person has no committee column: the reviewer decides
    path = tmp_path / "elderly_allowance.yaml"
    path.write_text(render(draft), encoding="utf-8")
    assert load_spec(path).drop.keys() == {"发放信息/银行卡号"}


def test_a_guessed_column_names_how_it_is_read(tmp_path):
    path = tmp_path / "走访_202611.csv"
    path.write_text(
        "\n".join(["对象,证件,来访", *(f"王小明,3101011950010{i:05d},2026.03.{i:02d}" for i in range(1, 21))]),
        encoding="utf-8",
    )
    draft = draft_spec(profile(path), "visits")
    assert draft.spec["columns"]["证件"] == {"to": "id_number", "transform": "id_number"}
    assert "read as id_number" in draft.why["证件"]
    assert "transform: id_number" in render(draft)


def test_accept_says_what_the_review_changed_and_then_the_spec_teaches(registry, tmp_path):
    first = sample(tmp_path)
    drafted = CliRunner().invoke(app, ["source", "init", str(first), "--name", "roster", "--owner", "思南路居民委员会"])
    assert drafted.exit_code == 0, drafted.output
    text = (registry / "roster.yaml").read_text(encoding="utf-8")
    assert DRAFT_MARKER in text and "level: S" in text
    (registry / "roster.yaml").write_text(
        text.replace("核对结果: {to: status}", "核对结果: {to: note}"), encoding="utf-8"
    )
    later = tmp_path / "later"
    later.mkdir()
    other = sample(later, "姓名,身份证号,住址,核对结果")
    assert draft_spec(profile(other), "other").spec["columns"]["核对结果"]["to"] == "status"  # not accepted yet
    checked = CliRunner().invoke(app, ["source", "check", "roster", str(first)])
    assert checked.exit_code == 0 and "roster.yaml is still a draft" in checked.output.replace("\n", "")
    accepted = CliRunner().invoke(app, ["source", "accept", "roster", str(first)])
    assert accepted.exit_code == 0, accepted.output
    assert "3 of 4 columns" in accepted.output and "核对结果: draft status → reviewed note" in accepted.output
    assert DRAFT_MARKER not in (registry / "roster.yaml").read_text(encoding="utf-8")
    assert draft_spec(profile(other), "other").spec["columns"]["核对结果"]["to"] == "note"
    assert "still a draft" not in CliRunner().invoke(app, ["source", "check", "roster", str(first)]).output
    again = CliRunner().invoke(app, ["source", "accept", "roster", str(first)])
    assert again.exit_code == 0 and "0 of 4" not in again.output and "accepted already" in again.output


def test_a_police_extract_padded_with_full_width_spaces_is_split_as_its_layout():
    """GBK fixed width: a letter-prefixed code, a name padded with 　, a sex digit glued to the ID number, a birth
    date (or month) glued to the address."""
    export = Path(__file__).with_name("exports") / "police_extract"
    found = profile(export / "ZZDJ_20261031.txt")
    layout = load_spec_file(export / "spec.yaml").fixed_width.fields
    assert found.widths == [f.width for f in layout]
    draft = draft_spec(found, "police_extract").spec
    assert [draft["columns"][c.name]["to"] for c in found.columns] == [
        "person_ref",
        "name",
        "sex",
        "id_number",
        "birth_date",
        "address",
        "valid_from",
    ]
    assert draft["columns"]["列3"]["values"] == {"1": "M", "2": "F"} and draft["record_key"] == ["列1"]


def test_staff_empty_columns_and_words_kept_out_are_proposed_as_ignore(tmp_path):
    path = tmp_path / "网格走访_202611.csv"
    rows = [f"WG{i % 3:02d},张{i:02d},{'王小明' if i % 2 else '李小红'},长乐路{i}号," for i in range(1, 21)]
    path.write_text("\n".join(["网格,网格员,走访对象,居住地址,列5", *rows]), encoding="utf-8")
    draft = draft_spec(profile(path), "visits").spec
    assert draft["columns"]["网格"]["to"] == "grid_code" and "网格员" not in draft["columns"]
    assert set(draft["ignore"]) >= {"网格员", "列5"}
