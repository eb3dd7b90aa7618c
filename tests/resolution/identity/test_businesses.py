"""Businesses on the sample world against truth, name normalisation, and ids that survive re-runs and
new deliveries."""

import os
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize

from benchmarks.business_linking import business_figures, load_truth
from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from resolution.address.records import build_records
from resolution.identity.business_names import branch, brand, names_agree, sign_word
from resolution.identity.businesses import link_signatures, resolve_businesses

SAMPLE_ROOT = Path(os.environ.get("HOUSEKEY_TEST_SAMPLES", SAMPLES))
# Businesses are named by licences and registers, and by the events that name the shop (the file
# sources: the database ones are seeded by the end-to-end and attribution tests, not twice at once).
SOURCES = (
    "address_register",
    "market_entities",
    "food_licences",
    "outdoor_seating",
    "shopfront_inspections",
    "grid_patrols",
)
REGISTRY = {name: spec for name, spec in load_registry().items() if name in SOURCES}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The sample's business and shop-naming file sources landed, staged and address-matched, then businesses resolved."""
    from pipelines.address import address_assets
    from pipelines.definitions import source_assets, warehouse_resources

    path = tmp_path_factory.mktemp("businesses") / "housekey.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_LANDING", str(SAMPLE_ROOT / "landing"))
        env.setenv("HOUSEKEY_WAREHOUSE", str(path))
        assert materialize(
            [*source_assets(REGISTRY), *address_assets(REGISTRY)],
            resources=warehouse_resources(),
            instance=DagsterInstance.ephemeral(),
        ).success
    with duckdb.connect(str(path)) as con:
        resolve_businesses(con)
    return path


@pytest.mark.parametrize(
    "name, expected_brand, expected_branch, expected_word",
    [
        ("上海蓝山餐饮管理有限公司", "蓝山", None, None),
        ("蓝山咖啡(长乐路店)", "蓝山", "长乐路", "咖啡"),
        ("思南服饰（復興中路店）", "思南", "复兴中路", "服饰"),  # full-width brackets, traditional characters
        ("上海市黄浦区小鹿商贸有限公司", "小鹿", None, None),
        ("黄浦区金军建小吃店", "金军建", None, "小吃"),  # 个体工商户: district + owner + trade + 店
        ("小鹿便利店", "小鹿", None, "便利店"),
        ("上海金谷房地产经纪有限公司", "金谷", None, None),
    ],
)
def test_brand_sees_past_boilerplate_and_branch(name, expected_brand, expected_branch, expected_word):
    assert brand(name) == expected_brand
    assert branch(name) == expected_branch
    assert sign_word(name) == expected_word


def test_names_agree_across_legal_and_sign_names_but_not_across_branches():
    assert names_agree("上海蓝山餐饮管理有限公司", "蓝山咖啡(长乐路店)") == 1.0
    assert names_agree("蓝山咖啡", "蓝山咖啡（长乐路店）") == 1.0
    assert names_agree("蓝山咖啡(长乐路店)", "蓝山咖啡(进贤路店)") == 0.0
    assert names_agree("拾光小吃", "黄浦区金军建小吃店") < 0.5


def test_cascade_never_merges_two_credit_codes_and_uses_the_house():
    a, b = "91310101N6WRNKQPX1", "91310101GWX4CE5PGL"  # two valid codes, one legal name (上海蓝山餐饮管理有限公司)
    links = link_signatures(
        [
            (a, "上海蓝山餐饮管理有限公司", None, None, "H1"),
            (b, "上海蓝山餐饮管理有限公司", None, None, "H2"),
            (None, None, "蓝山咖啡(长乐路店)", None, "H1"),
            (None, None, "蓝山咖啡", None, "H2"),
            (None, None, "木子小吃", None, "H3"),
            (None, None, "木子小吃", None, "H3"),
            ("91310101N6WRNKQPX9", None, "三味面馆", None, None),  # a bad check character: no code at all
        ]
    )
    anchors = [link.business.anchor for link in links]
    assert anchors[0] != anchors[1]
    assert anchors[2] == anchors[0] and anchors[3] == anchors[1]
    assert anchors[4] == anchors[5] not in anchors[:4]
    assert links[6].rule == "alone" and "N6WRNKQPX9" not in anchors[6]


def test_businesses_match_truth(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        load_truth(con, SAMPLE_ROOT)
        figures = business_figures(con)
    assert figures["pairwise_precision"] >= 0.99
    assert figures["pairwise_recall"] >= 0.95
    assert figures["records"] > 4000


def test_every_business_has_a_house_and_the_review_queue_names_the_pair(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core.businesses WHERE house_id IS NULL").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM core.business_records WHERE evidence IS NULL").fetchone()[0] == 0
        for name, legal in con.execute("SELECT name, legal_name FROM quality.business_review").fetchall():
            assert name and legal


def test_ids_survive_a_rerun_and_a_new_delivery(warehouse, tmp_path):
    """Hold back the latest patrol export and the licence register, resolve, then let them arrive: every
    business keeps its id; a second run with nothing new changes nothing."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "DROP TABLE core.business_records; DROP TABLE core.businesses; DELETE FROM core.business_id_history"
        )
        held = ("grid_patrols", "food_licences")
        latest = [
            r[0]
            for r in con.execute(
                "SELECT max(_delivery_id) FROM (SELECT _source, _delivery_id FROM staging.grid_patrols "
                "UNION ALL SELECT _source, _delivery_id FROM staging.food_licences) GROUP BY _source"
            ).fetchall()
        ]
        for source in held:
            con.execute(
                f"CREATE TEMP TABLE held_{source} AS SELECT * FROM staging.{source} WHERE _delivery_id IN ?", [latest]
            )
            con.execute(f"DELETE FROM staging.{source} WHERE _delivery_id IN ?", [latest])
        build_records(con, REGISTRY)  # the record backbone, as a run builds it after staging changed
        resolve_businesses(con)
        before = dict(con.execute("SELECT credit_code, business_id FROM core.businesses").fetchall())
        records_before = con.execute(
            "SELECT _source, _delivery_id, _row_number, business_id FROM core.business_records ORDER BY ALL"
        ).fetchall()
        for source in held:
            con.execute(f"INSERT INTO staging.{source} SELECT * FROM held_{source}")
        build_records(con, REGISTRY)
        resolve_businesses(con)
        after = dict(con.execute("SELECT credit_code, business_id FROM core.businesses").fetchall())
        kept = sum(after.get(code) == business_id for code, business_id in before.items())
        assert kept / len(before) >= 0.999
        resolve_businesses(con)
        records_again = set(
            con.execute("SELECT _source, _delivery_id, _row_number, business_id FROM core.business_records").fetchall()
        )
        assert set(records_before) <= records_again


def test_a_reviewers_decision_on_a_doubtful_link_is_used():
    code = "91310101N6WRNKQPX1"
    signatures = [(code, "上海蓝山餐饮管理有限公司", None, None, "H1"), (None, None, "老王面馆", None, "H1")]
    assert link_signatures(signatures)[1].doubtful  # the only business at the house, names apart
    confirmed = link_signatures(signatures, {("老王面馆", "H1"): "same"})
    assert not confirmed[1].doubtful and confirmed[1].business is confirmed[0].business
    apart = link_signatures(signatures, {("老王面馆", "H1"): "different"})
    assert apart[1].business is not apart[0].business and apart[1].rule == "reviewer"
