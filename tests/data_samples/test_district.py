"""`housekey generate --district`: four real 黄浦区 subdistricts whose people move between them, the district
sources exported once for all, routing truth and city-wide person truth."""

import csv
import filecmp
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.housekey import app
from data_samples.generator.district import DEFAULT_SUBDISTRICTS, DISTRICT_SOURCES, generate_district
from data_samples.generator.geography import ROADS
from warehouse.subdistricts import read_subdistricts

PEOPLE, SEED = 150, 20261101
GAZETTEER = Path(__file__).resolve().parents[2] / "schemas" / "roads.csv"


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("district") / "huangpu"
    result = CliRunner().invoke(app, ["generate", "--district", "--out", str(out), "--people", str(PEOPLE)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def people(district) -> dict[tuple[str, str], dict]:
    """Every subdistrict's truth people by (subdistrict, person_id), with their city person."""
    city = {(r["subdistrict"], r["person_id"]): r["city_person"] for r in _csv(district / "truth" / "city_people.csv")}
    found = {}
    for code in DEFAULT_SUBDISTRICTS:
        for row in _csv(district / code / "truth" / "people.csv"):
            found[code, row["person_id"]] = {**row, "city_person": city.pop((code, row["person_id"]))}
    assert city == {}, "city_people.csv names only people of the subdistricts' truth"
    return found


def test_the_layout(district):
    for code in DEFAULT_SUBDISTRICTS:
        world = district / code
        assert {p.name for p in world.iterdir()} == {"landing", "databases", "truth", "manifest.json"}
        landing = {p.name for p in (world / "landing").iterdir()}
        assert len(landing) > 20 and not landing & set(DISTRICT_SOURCES), "district sources land once, not here"
        assert json.loads((world / "manifest.json").read_text(encoding="utf-8"))["people"] == PEOPLE
    assert {p.name for p in (district / "district" / "landing").iterdir()} == set(DISTRICT_SOURCES)
    assert (district / "district" / "truth" / "routing.csv").is_file()
    assert (district / "truth" / "city_people.csv").is_file()


def test_the_new_subdistricts_have_real_committees_and_roads(district):
    houses = {code: _csv(district / code / "truth" / "houses.csv") for code in ("310101002", "310101013")}
    assert len({h["committee_code"] for h in houses["310101002"]}) == 19  # 南京东路街道's 19 committees
    assert len({h["committee_code"] for h in houses["310101013"]}) == 17  # 外滩街道's 17
    gazetteer = {r["road"]: r["districts"] for r in _csv(GAZETTEER)}
    roads = {code: {r["road"] for r in _csv(ROADS / f"{code}.csv")} for code in houses}
    assert all("黄浦区" in gazetteer.get(road, "") for code in roads for road in roads[code]), "real roads of 黄浦区"
    assert not roads["310101002"] & roads["310101013"], "no address could be in both"
    assert {h["road"] for h in houses["310101013"]} <= roads["310101013"]


def test_no_address_is_in_two_subdistricts(district):
    """Roads two subdistricts share keep apart by the side of the street: every address routes to one."""
    addresses = [h["address"] for code in DEFAULT_SUBDISTRICTS for h in _csv(district / code / "truth" / "houses.csv")]
    assert len(set(addresses)) == len(addresses) > 500


def test_movers_are_one_human_in_two_subdistricts(district, people):
    moves = _csv(district / "truth" / "moves.csv")
    residents = sum(1 for p in people.values() if p["home_house_id"] and "moved_away" not in p["flags"])
    assert 0.05 * residents <= len(moves) <= 0.15 * residents
    assert {m["from_subdistrict"] for m in moves} == set(DEFAULT_SUBDISTRICTS)
    shown = phones = 0
    for move in moves:
        left = people[move["from_subdistrict"], move["from_person_id"]]
        arrived = people[move["to_subdistrict"], move["to_person_id"]]
        assert move["from_subdistrict"] != move["to_subdistrict"]
        assert left["city_person"] == arrived["city_person"] == move["city_person"]
        assert (left["name"], left["sex"], left["birth_date"]) == (
            arrived["name"],
            arrived["sex"],
            arrived["birth_date"],
        )
        assert arrived["id_number"] in (left["id_number"], "")
        shown += arrived["id_number"] != ""
        phones += arrived["phone"] != left["phone"]
        # A knows where they lived until the move, B where they live since
        assert left["home_house_id"] == "" and left["previous_house_id"] == move["from_house_id"]
        assert move["from_house_id"].startswith(move["from_subdistrict"])
        assert arrived["home_house_id"] == move["to_house_id"] and move["to_house_id"].startswith(
            move["to_subdistrict"]
        )
        assert arrived["moved_in"] == move["moved_on"] < "2026-11-01"
    assert 0 < shown < len(moves) and 0 < phones < len(moves)
    per_human = Counter(p["city_person"] for p in people.values())
    assert sorted(Counter(per_human.values()).items())[1:] == [(2, len(moves))], "a mover is in two subdistricts"


def _records(district: Path, code: str) -> list[dict]:
    return _csv(district / code / "truth" / "records.csv")


def _month(sheet: str) -> str:
    """2026年4月 -> 2026-04"""
    year, month = sheet.rstrip("月").split("年")
    return f"{year}-{int(month):02d}"


def test_the_sources_date_the_move_consistently(district):
    moves = _csv(district / "truth" / "moves.csv")
    records = {code: _records(district, code) for code in DEFAULT_SUBDISTRICTS}
    events = {code: _csv(district / code / "truth" / "events.csv") for code in DEFAULT_SUBDISTRICTS}
    by_person = defaultdict(list)  # the district files' rows by the person they are about
    for row in _csv(district / "district" / "truth" / "records.csv"):
        by_person[row["person_id"]].append(row)
    seen = Counter()
    for move in moves:
        day, left, arrived = move["moved_on"], move["from_person_id"], move["to_person_id"]
        # every event of the person in A, every 12345 order they called in and their lease came before the move
        assert all(e["occurred_at"][:10] < day for e in events[move["from_subdistrict"]] if e["person_id"] == left)
        for row in by_person[left]:
            assert row["house_id"].startswith(move["from_subdistrict"])
            if row["source"] == "hotline_12345":
                assert json.loads(row["facts"])["occurred_at"][:10] < day
            elif row["source"] == "rental_registration":
                assert _month(row["sheet"]) <= day[:7] and json.loads(row["facts"])["valid_from"] < day
            seen["before", row["source"]] += 1
        # and B's after it, at the new home
        for row in by_person[arrived]:
            assert row["house_id"] == move["to_house_id"]
            if row["source"] == "hotline_12345":
                assert json.loads(row["facts"])["occurred_at"][:10] > day
            elif row["source"] == "rental_registration":
                assert _month(row["sheet"]) >= day[:7]
            seen["after", row["source"]] += 1
        # A's residents' snapshots list them only in October, and only if they left after October 1
        snapshots = {
            r["file"]
            for r in records[move["from_subdistrict"]]
            if r["source"] == "actual_residents" and r["person_id"] == left
        }
        assert snapshots == ({"实有人口_202610.csv"} if day >= "2026-10-01" else set())
        # B's snapshots register them at the new home on the move day, not before it
        theirs = [
            r
            for r in records[move["to_subdistrict"]]
            if r["source"] == "actual_residents" and r["person_id"] == arrived
        ]
        assert {r["file"] for r in theirs} == (
            {"实有人口_202611.csv"} if day >= "2026-10-01" else {"实有人口_202610.csv", "实有人口_202611.csv"}
        )
        assert all(r["house_id"] == move["to_house_id"] and json.loads(r["facts"])["valid_from"] == day for r in theirs)
        seen["after", "actual_residents"] += len(theirs)
    assert all(
        seen[when, source] > 0 for when in ("before", "after") for source in ("hotline_12345", "rental_registration")
    )
    assert seen["after", "actual_residents"] > 0


def test_no_id_number_belongs_to_two_humans(people):
    humans = defaultdict(set)
    for person in people.values():
        if person["id_number"]:
            humans[person["id_number"]].add(person["city_person"])
    assert len(humans) > 500 and all(len(h) == 1 for h in humans.values())


def test_district_files_span_every_subdistrict_and_routing_adds_up(district):
    manifest = json.loads((district / "district" / "manifest.json").read_text(encoding="utf-8"))
    routing = _csv(district / "district" / "truth" / "routing.csv")
    records = _csv(district / "district" / "truth" / "records.csv")
    assert len(routing) == len(records) == len({(r["file"], r["sheet"], r["row_number"]) for r in routing})
    houses = {
        code: {h["house_id"] for h in _csv(district / code / "truth" / "houses.csv")} for code in DEFAULT_SUBDISTRICTS
    }
    for route, record in zip(routing, records, strict=True):
        assert (route["file"], route["sheet"], route["row_number"]) == (
            record["file"],
            record["sheet"],
            record["row_number"],
        )
        if route["subdistrict"] in houses:
            assert record["house_id"] in houses[route["subdistrict"]]
        else:
            assert route["subdistrict"] in ("out_of_area", "quarantine")
    for source, delivered in manifest["sources"].items():
        rows = [r for r in routing if r["source"] == source]
        assert len(rows) == delivered["rows_emitted"] == sum(f["rows"] for f in delivered["files"])
        where = Counter(r["subdistrict"] for r in rows)
        assert set(DEFAULT_SUBDISTRICTS) <= set(where) and where["out_of_area"] > 0, source
        assert (
            sum(where.values())
            == sum(where[c] for c in DEFAULT_SUBDISTRICTS) + where["out_of_area"] + where["quarantine"]
        )
    assert manifest["routing"]["quarantine"] > 0
    # a whole file spans the district: the market register's one JSON file
    market = _files(district / "district" / "landing" / "market_entities")
    (document,) = (json.loads(p.read_text(encoding="utf-8")) for p in market.values())
    assert document["total"] == len(document["data"]) == manifest["sources"]["market_entities"]["rows_emitted"]
    assert {r["subdistrict"] for r in routing if r["source"] == "market_entities"} >= {
        *DEFAULT_SUBDISTRICTS,
        "out_of_area",
        "quarantine",
    }


def test_12345_dispatches_each_order_to_its_subdistrict(district):
    names = {s.code: s.name for s in read_subdistricts(district / "subdistricts.yaml").values()}
    routing = _csv(district / "district" / "truth" / "routing.csv")
    records = _csv(district / "district" / "truth" / "records.csv")
    offices = Counter()
    for route, record in zip(routing, records, strict=True):
        office = json.loads(record["facts"]).get("status", "")
        if route["source"] == "hotline_12345" and route["subdistrict"] in names and "街道" in office:
            assert office.startswith(names[route["subdistrict"]]), (office, route)
            offices[route["subdistrict"]] += 1
    assert set(offices) == set(names)


def test_same_seed_same_bytes(district, tmp_path):
    generate_district(tmp_path, PEOPLE, SEED)
    ours, again = _files(district), _files(tmp_path)
    assert ours.keys() == again.keys() and len(ours) > 100
    assert [n for n in ours if not filecmp.cmp(ours[n], again[n], shallow=False)] == []


def test_the_subdistricts_file_is_a_valid_district(district):
    configured = read_subdistricts(district / "subdistricts.yaml")
    assert list(configured) == list(DEFAULT_SUBDISTRICTS)
    for code, subdistrict in configured.items():
        assert subdistrict.landing == district.resolve() / code / "landing"
        assert subdistrict.warehouse == district.resolve() / code / "warehouse.duckdb"
        assert subdistrict.district_landing == district.resolve() / "district" / "landing"
    assert configured["310101013"].name == "外滩街道"


def test_a_district_of_one_subdistrict_fails_clearly(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--district", "--out", str(tmp_path), "--subdistricts", "310101022"])
    assert result.exit_code == 1 and "at least two" in result.output
    assert not (tmp_path / "district").exists()
