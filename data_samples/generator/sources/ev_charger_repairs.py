"""充电桩报修 (街道, S): the subdistrict's CSV ledger of repair calls for e-bike chargers.

A charger serves a building, so the location is the building, never a room; the compound column
is the name residents use (the compound, or road and lane). Times as "2026/3/5 14:22".
"""

from dataclasses import replace

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["报修单号", "小区", "位置", "报修人", "电话", "故障描述", "报修时间", "处理状态"]
_SPOTS = ("", "", "", "车棚", "非机动车棚", "充电棚")


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    events = sorted((e for e in world.events if e.kind == "ev_repair"), key=lambda e: e.occurred)
    for n, e in enumerate(events, start=1):
        h, t = e.house, e.occurred
        building = replace(h, unit_no=None, floor_no=None, room_no=None)
        compound = h.compound or f"{h.road}{h.lane_no or h.door_no}{'弄' if h.lane_no else '号'}"
        status = (
            "处理中"
            if (AS_OF - t.date()).days < 10
            else rng.choice(("已修复", "已修复", "已修复", "无法修复，已报厂家"))
        )
        rows.append(
            [
                f"CD{t:%Y%m}{n:04d}",
                compound,
                noise.address(building, prefix=False) + rng.choice(_SPOTS),
                noise.name(e.person.name),
                noise.phone(e.person.phone),
                e.category,
                f"{t.year}/{t.month}/{t.day} {t:%H:%M}",
                status,
            ]
        )
        facts = {"category": e.category, "occurred_at": t.replace(second=0, microsecond=0), "status": status}
        truth.append(
            {
                "facts": facts,
                "event_id": e.event_id,
                "house_id": h.house_id,
                "person_id": e.person.person_id,
                "names": "building",
            }
        )
        if noise.hit(noise.rates.duplicate_row):  # the same call logged twice by two staff
            rows.append(rows[-1])
            truth.append(truth[-1])
    deliveries.csv(f"充电桩报修台账_{AS_OF:%Y%m}.csv", Table(HEADER, rows, truth))
