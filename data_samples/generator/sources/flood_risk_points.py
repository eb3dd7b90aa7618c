"""防汛防台隐患点 (区应急管理局, D): the pre-flood-season survey, an xlsx list under a title row.

About 1.5% of residential buildings: 低洼积水 names a ground-floor home (room address); the other
hazards name the building only (no room), so they can match no finer than the building. The
responsible person is a committee cadre, or the property manager of a compound.
"""

from dataclasses import replace
from datetime import date, timedelta

from data_samples.generator.formats import Table
from data_samples.generator.geography import ROOM_FLOORS
from data_samples.generator.identifiers import mobile
from data_samples.generator.population import GIVEN, SURNAMES

HEADER = ["隐患点编号", "所属居委", "隐患点位置", "隐患类型", "责任人", "联系电话", "排查日期", "整改措施"]
_HAZARDS = {"lane": ("低洼积水", "危旧房屋", "高空坠物"), "compound": ("低洼积水", "地下空间", "高空坠物")}
_MEASURES = {
    "低洼积水": "备足沙袋、挡水板，暴雨期间安排专人值守",
    "危旧房屋": "已报房管办排危修缮，台风期间组织人员临时转移",
    "高空坠物": "清理阳台外花盆杂物，加固空调外机支架",
    "地下空间": "配备移动抽水泵，出入口设置挡水板",
}


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    ground = {}  # per building, its lowest room: the home a low-lying flood reaches first
    for house in world.houses:
        if house.kind == "home" and (house.site not in ground or _low(house) < _low(ground[house.site])):
            ground[house.site] = house
    chosen = rng.sample(list(ground.values()), max(3, round(len(ground) * 0.015)))
    cadres = {}  # one flood-duty cadre per committee
    rows, truth = [], []
    for house in sorted(chosen, key=lambda h: h.house_id):
        lane = house.lane_no is not None
        hazard = rng.choice(_HAZARDS["lane" if lane else "compound"])
        where = house if hazard == "低洼积水" else replace(house, unit_no=None, floor_no=None, room_no=None)
        if lane or rng.random() < 0.5:
            person = cadres.setdefault(house.committee.code, (rng.choice(SURNAMES) + rng.choice(GIVEN), mobile(rng)))
        else:
            manager = f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}（{house.compound}物业）"
            person = (manager, f"021{rng.randrange(5000_0000, 6500_0000)}")
        surveyed = date(2026, 4, 15) + timedelta(days=rng.randrange(0, 40))
        rows.append(
            [
                f"RJ-FX-2026-{len(rows) + 1:03d}",
                house.committee.name,
                noise.address(where),
                hazard,
                person[0],
                noise.phone(person[1]),
                surveyed,
                _MEASURES[hazard],
            ]
        )
        facts = {"risk_type": hazard, "note": _MEASURES[hazard]}
        truth.append(
            {"facts": facts, "house_id": house.house_id, "names": "house" if hazard == "低洼积水" else "building"}
        )
    table = Table(
        HEADER, rows, truth, sheet="隐患点清单", title=f"{world.subdistrict.name}2026年汛前防汛防台隐患点排查清单"
    )
    deliveries.xlsx(f"防汛防台隐患点_{world.subdistrict.name}_2026.xlsx", [table])


def _low(house) -> tuple:
    """How near the ground a room is: by floor, then room (a 石库门 room by the floor its name puts it on)."""
    return (house.floor_no or ROOM_FLOORS.get(house.room_no, 2), house.room_no or "")
