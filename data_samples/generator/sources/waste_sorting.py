"""垃圾分类检查 (区绿化市容局, D): CSV in UTF-8, monthly exports of the checks at each building.

The site is written as the lane or compound and building, never a room, and without city or
district; dates as 20260305. The biggest source after grid patrols, so it is plain and fast.
"""

from dataclasses import replace

from data_samples.generator.formats import Table
from data_samples.generator.population import GIVEN, SURNAMES

HEADER = ["检查日期", "小区/弄", "检查结果", "问题描述", "检查人"]
_PROBLEMS = {
    "混投": ("湿垃圾中混有塑料袋", "干湿垃圾混投", "可回收物混入干垃圾"),
    "未破袋": ("湿垃圾未破袋投放", "湿垃圾连袋投放"),
}


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    checkers = [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(8)]
    months = {}
    for e in (e for e in world.events if e.kind == "waste_check"):
        months.setdefault(e.occurred.strftime("%Y%m"), []).append(e)
    for month in sorted(months):
        rows, truth = [], []
        for e in sorted(months[month], key=lambda e: e.occurred):
            site = replace(e.house, unit_no=None, floor_no=None, room_no=None)  # the building, not a room
            problem = rng.choice(_PROBLEMS[e.category]) if e.category in _PROBLEMS else None
            rows.append(
                [
                    e.occurred.strftime("%Y%m%d"),
                    noise.address(site, prefix=False),
                    e.category,
                    problem,
                    rng.choice(checkers),
                ]
            )
            facts = {"occurred_at": e.occurred.date(), "result": e.category}
            truth.append({"facts": facts, "event_id": e.event_id, "house_id": e.house.house_id, "names": "building"})
            if noise.hit(noise.rates.duplicate_row):  # the same check entered twice
                rows.append(rows[-1])
                truth.append(truth[-1])
        deliveries.csv(f"垃圾分类检查_{month}.csv", Table(HEADER, rows, truth))
