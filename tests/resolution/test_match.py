"""The matching cascade on a small register: exact rooms, coarser levels, typos, and the review queue."""

import pytest

from resolution.address.match import match_house
from resolution.address.register import Register, RegisteredHouse


def _house(house_id, road, lane=None, door=None, compound=None, building=None, unit=None, room=None, kind="home"):
    return RegisteredHouse(house_id, road, lane, door, compound, building, unit, room, kind)


@pytest.fixture(scope="module")
def register():
    return Register(
        [
            _house("L1", "长乐路", lane="372", building="5", room="402"),
            _house("L2", "长乐路", lane="372", building="5", room="302"),
            _house("L3", "长乐路", lane="372", building="6", room="402"),
            _house("C1", "复兴中路", door="1200", compound="锦江公寓", building="3", unit="1", room="502"),
            _house("C2", "复兴中路", door="1200", compound="锦江公寓", building="3", unit="2", room="502"),
            _house("S1", "进贤路", door="101", kind="shop"),
        ]
    )


def test_a_room_in_a_lane(register):
    found = match_house(register, {"road": "长乐路", "lane_no": "372", "building_no": "5", "room_no": "402"})
    assert (found.house_id, found.match_level, found.needs_review) == ("L1", "room", False)
    assert "长乐路372弄" in found.match_reason


def test_a_shop_door_is_one_house(register):
    found = match_house(register, {"road": "进贤路", "door_no": "101"})
    assert (found.house_id, found.match_level) == ("S1", "door")


def test_a_homophone_road_matches_when_the_number_exists_there(register):
    found = match_house(register, {"road": "近贤路", "door_no": "101"})
    assert found.house_id == "S1" and "近贤路→进贤路" in found.match_reason
    assert match_house(register, {"road": "近贤路", "door_no": "999"}).house_id is None


def test_a_building_without_room_is_not_guessed(register):
    found = match_house(register, {"road": "长乐路", "lane_no": "372", "building_no": "5"})
    assert (found.house_id, found.match_level, found.needs_review) == (None, "building", True)
    assert set(found.candidates) == {"L1", "L2"}


def test_a_missing_unit_that_leaves_two_rooms_goes_to_review(register):
    found = match_house(register, {"road": "复兴中路", "door_no": "1200", "building_no": "3", "room_no": "502"})
    assert found.house_id is None and found.needs_review and set(found.candidates) == {"C1", "C2"}


def test_a_compound_without_road(register):
    found = match_house(register, {"compound": "锦江公寓", "building_no": "3", "unit_no": "2", "room_no": "502"})
    assert (found.house_id, found.match_level) == ("C2", "room")


def test_a_room_not_in_the_register_stops_at_the_building(register):
    found = match_house(register, {"road": "长乐路", "lane_no": "372", "building_no": "5", "room_no": "999"})
    assert (found.house_id, found.match_level, found.needs_review) == (None, "building", True)


def test_nothing_known_is_no_match(register):
    assert match_house(register, {"road": "无名路", "door_no": "1"}).match_level == "none"
    assert match_house(register, {"road": "长乐路"}).match_level == "road"


def test_a_reviewers_decision_is_reused(tmp_path):
    """An ambiguous address goes to review; once decided, the next resolution uses the decision."""
    import duckdb

    from resolution.address.register import Register
    from resolution.address.resolve import record_decision, resolve_addresses

    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA quality; CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.houses AS SELECT * FROM (VALUES ('C1', '复兴中路', '1200', '锦江公寓', '3', '1', '502'), "
        "('C2', '复兴中路', '1200', '锦江公寓', '3', '2', '502')) t(house_id, road, door_no, compound, building_no, "
        "unit_no, room_no)"
    )
    con.execute(
        "CREATE TABLE staging.repairs AS SELECT 'd1' AS _delivery_id, 'f.csv' AS _file_name, NULL AS _sheet, "
        "2 AS _row_number, 'd1#2' AS _record_id, '复兴中路1200号锦江公寓3号楼502室' AS address"
    )
    register = Register(
        [
            RegisteredHouse(h, r, None, d, c, b, u, room, "home")
            for h, r, d, c, b, u, room in con.execute("SELECT * FROM core.houses").fetchall()
        ]
    )
    resolve_addresses(con, register)
    assert con.execute("SELECT house_id, needs_review FROM core.address_matches").fetchall() == [(None, True)]
    assert con.execute("SELECT records FROM quality.address_review").fetchall() == [(1,)]
    record_decision(con, "复兴中路1200号锦江公寓3号楼502室", "C2", "延中居委会 张社工")
    with pytest.raises(ValueError):
        record_decision(con, "复兴中路1200号锦江公寓3号楼502室", "C9", "nobody")
    resolve_addresses(con, register)
    assert con.execute(
        "SELECT house_id, match_level, match_reason, needs_review FROM core.address_matches"
    ).fetchall() == [("C2", "room", "decided by 延中居委会 张社工", False)]
    assert con.execute("SELECT count(*) FROM quality.address_review").fetchone() == (0,)


def test_matching_on_two_processes_gives_the_same_matches_in_order(register):
    from resolution.address.batch import match_addresses

    texts = ["长乐路372弄5号402室", "茂名南路58号", "不存在路1号", "长乐路372弄5号", "近贤路71弄2号101室"] * 40
    assert match_addresses(texts, register, workers=2) == match_addresses(texts, register, workers=1)
