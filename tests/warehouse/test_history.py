"""History end to end: an earlier 实有人口 snapshot with the movers at their previous homes closes those
ties and opens the new ones, so "who lived at <house> on 2025-06-01" is the truth's answer.

The committed sample's two snapshots (October and November 2026) show only the movers of the last month
(checked on the sample's own run), so the test also delivers a May 2025 snapshot: the November file with
each person who moved in after 2025-05-01 at the house they lived in before (truth previous_house_id).
The real pipeline runs on the address register, the three 实有人口 files and two small sources.
"""

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_samples.generator.generate import SAMPLES

TRUTH = SAMPLES / "truth"
EARLIER = "实有人口_202505.csv"
DAY = date(2025, 6, 1)
# identity resolution wants a business source and an event source besides the residents
SOURCES = ("address_register", "actual_residents", "market_entities", "renovation_filings")


def _earlier_snapshot(landing: Path) -> pd.DataFrame:
    """Write the May 2025 snapshot; returns the movers it places at their previous house."""
    people = pd.read_csv(TRUTH / "people.csv", dtype=str)
    houses = pd.read_csv(TRUTH / "houses.csv", dtype=str).set_index("house_id")["address"]
    records = pd.read_csv(TRUTH / "records.csv", dtype=str)
    rows = records[(records["source"] == "actual_residents") & (records["file"] == "实有人口_202611.csv")]
    person_of_row = dict(zip(rows["row_number"].astype(int), rows["person_id"], strict=False))
    movers = people[
        people["moved_in"].notna()
        & (pd.to_datetime(people["moved_in"]) > pd.Timestamp("2025-05-01"))
        & people["previous_house_id"].notna()
    ].set_index("person_id")
    with open(landing / "actual_residents" / "实有人口_202611.csv", encoding="gbk", newline="") as f:
        table = list(csv.reader(f))
    header, body = table[0], table[1:]
    address, registered = header.index("居住地址"), header.index("登记日期")
    for number, row in enumerate(body, start=2):
        person = person_of_row.get(number)
        if person in movers.index:
            row[address] = houses[movers.at[person, "previous_house_id"]].removeprefix("上海市黄浦区")
            row[registered] = "2015-03-01"
    with open(landing / "actual_residents" / EARLIER, "w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([header, *body])
    return movers


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

    from connectors.spec import load_registry
    from pipelines.definitions import pipeline_assets, warehouse_resources

    root = tmp_path_factory.mktemp("history")
    landing = root / "landing"
    for source in SOURCES:
        shutil.copytree(SAMPLES / "landing" / source, landing / source)
    movers = _earlier_snapshot(landing)
    registry = {name: spec for name, spec in load_registry().items() if name in SOURCES}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_LANDING", str(landing))
        env.setenv("HOUSEKEY_WAREHOUSE", str(root / "housekey.duckdb"))
        env.setenv("HOUSEKEY_AS_OF", "2026-11-01")
        assets = [a for a in pipeline_assets(registry) if not any(key.path[0] == "publish" for key in a.keys)]
        links = AssetSelection.assets(AssetKey(["core", "links"])).upstream()  # tags and marts want every source
        assert materialize(
            assets, selection=links, resources=warehouse_resources(), instance=DagsterInstance.ephemeral()
        ).success
    with duckdb.connect(str(root / "housekey.duckdb"), read_only=True) as con:
        links = con.execute("""SELECT p.id_number, l.house_id, l.valid_from, l.valid_to FROM core.links l
                               JOIN core.people p USING (person_id) WHERE l.link_kind = 'living'""").df()
    return movers, links


def _moves_right(movers: pd.DataFrame, links: pd.DataFrame) -> tuple[int, int]:
    """How many movers' old home closed the day before they moved in, and new home opened that day."""
    right_old = right_new = 0
    for _person, mover in movers.iterrows():
        moved_in = date.fromisoformat(mover["moved_in"])
        mine = links[links["id_number"] == mover["id_number"]]
        old = mine[mine["house_id"] == mover["previous_house_id"]]
        new = mine[mine["house_id"] == mover["home_house_id"]]
        right_old += len(old) == 1 and old["valid_to"].iloc[0].date() == moved_in - timedelta(days=1)
        right_new += len(new) == 1 and new["valid_from"].iloc[0].date() == moved_in and pd.isna(new["valid_to"].iloc[0])
    print(f"{len(movers)} movers: old home closed right {right_old}, new home opened right {right_new}")
    return right_old, right_new


def test_movers_leave_the_old_house_the_day_before_moving_in(moved):
    movers, links = moved
    assert len(movers) > 50
    right_old, right_new = _moves_right(movers, links)
    assert right_old / len(movers) >= 0.95 and right_new / len(movers) >= 0.95, (right_old, right_new, len(movers))


def test_the_samples_own_snapshots_move_the_last_months_movers(full_warehouse):
    """The October snapshot still lists who moved in since October 1 at their previous home; November at the new."""
    people = pd.read_csv(TRUTH / "people.csv", dtype=str)
    movers = people[people["moved_in"].fillna("") >= "2026-10-01"].set_index("person_id")
    assert len(movers) >= 20
    with duckdb.connect(str(full_warehouse), read_only=True) as con:
        links = con.execute("""SELECT p.id_number, l.house_id, l.valid_from, l.valid_to FROM core.links l
                               JOIN core.people p USING (person_id) WHERE l.link_kind = 'living'""").df()
    right_old, right_new = _moves_right(movers, links)
    assert right_old / len(movers) >= 0.9 and right_new / len(movers) >= 0.9, (right_old, right_new, len(movers))


def test_who_lived_there_on_the_day_is_the_truth(moved):
    movers, links = moved
    people = pd.read_csv(TRUTH / "people.csv", dtype=str)
    day = pd.Timestamp(DAY)
    there = links[(links["valid_from"] <= day) & (links["valid_to"].isna() | (links["valid_to"] >= day))]
    people = people[pd.to_datetime(people["birth_date"]) <= day]  # the born since lived nowhere then
    agree = 0
    for house in movers["previous_house_id"].unique():
        truth = people[
            (
                (people["home_house_id"] == house)
                & (people["moved_in"].isna() | (pd.to_datetime(people["moved_in"]) <= day))
            )
            | ((people["previous_house_id"] == house) & (pd.to_datetime(people["moved_in"]) > day))
        ]
        agree += set(there.loc[there["house_id"] == house, "id_number"]) == set(truth["id_number"])
    houses = len(movers["previous_house_id"].unique())
    print(f"who lived there on {DAY}: the truth's answer at {agree} of {houses} houses movers left")
    assert agree / houses >= 0.9
