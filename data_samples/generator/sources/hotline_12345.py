"""12345市民服务热线工单 (市城运中心, M): one xlsx export per month of the work orders for the subdistrict.

诉求地址 is sometimes empty or only road and number; the place is in the free text 诉求内容, as the
caller said it: an address, the shop sign (with or without its branch), or both. Callers are often
only "张先生"; orders still open have no 办结时间 and no 处理结果. A district's export (generate --district)
holds the orders of all its subdistricts, each dispatched (承办单位) to the office of its own 街道.
"""

import re
from datetime import datetime, timedelta

from data_samples.generator.events import HOUSE_COMPLAINTS
from data_samples.generator.formats import Table
from data_samples.generator.outside import OutsideWorld, outside_rows
from data_samples.generator.population import AS_OF

HEADER = [
    "工单编号",
    "来电时间",
    "来电人",
    "来电号码",
    "诉求地址",
    "诉求内容",
    "诉求分类",
    "承办单位",
    "办结时间",
    "处理结果",
]
_OFFICE = {
    "噪音扰民": "{subdistrict}城管中队",
    "占道经营": "{subdistrict}城管中队",
    "垃圾乱堆": "{subdistrict}城管中队",
    "油烟扰民": "黄浦区生态环境局",
    "违规排污": "黄浦区水务局",
    "违规用电": "{subdistrict}平安办",
    "楼上漏水": "{subdistrict}房管办",
    "装修扰民": "{subdistrict}房管办",
    "群租": "{subdistrict}房管办",
    "楼道堆物": "{subdistrict}平安办",
}
_OUTCOMES = (
    "经现场核查，情况属实，已责令整改，来电人表示认可。",
    "已联系来电人说明情况，并约谈相关方，后续加强巡查。",
    "经核实，现场未发现所述情况，已向来电人解释。",
    "已协调双方达成一致，问题已解决。",
)
_NOW = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
_NOT_OURS = "经核实，诉求地址不属于本街道辖区，已退回市热线重新派单。"


def _where(noise, rng, event) -> str:
    """The place as the caller named it."""
    address = noise.address(event.house, prefix=False)
    if event.business is None:
        return address
    sign = event.business.shop_name
    return rng.choice((sign, sign, re.sub(r"\(.*店\)$", "", sign), address, f"{address}的{sign}"))


def _caller(noise, rng, caller) -> str:
    """The caller's name as the operator noted it: often only the surname, sometimes nothing."""
    r = rng.random()
    if r < 0.05:
        return "匿名"
    return caller.name[0] + ("先生" if caller.sex == "M" else "女士") if r < 0.5 else noise.name(caller.name)


def _address(noise, rng, house) -> tuple[str | None, str]:
    """诉求地址 as the operator keyed it, and what it names: the house, only a road number, or nothing."""
    r = rng.random()
    if r < 0.15:
        return None, "none"
    if r < 0.35:
        number = f"{house.lane_no}弄" if house.lane_no is not None else f"{house.door}号"
        return f"{house.road}{number}", "house" if house.building_no is None else "road_number"
    return noise.address(house), "house"


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    months = {}
    for event in sorted((e for e in world.events if e.kind == "complaint"), key=lambda e: e.occurred):
        house, caller = event.house, event.person
        address, names = _address(noise, rng, house)
        closed = event.closed if event.closed <= _NOW else None
        rows, truth = months.setdefault(f"{event.occurred:%Y%m}", ([], []))
        office = _OFFICE[event.category].format(subdistrict=world.subdistrict_of(house))
        rows.append(
            [
                f"{event.occurred:%y%m%d}{len(rows) + 1:05d}",
                event.occurred,
                _caller(noise, rng, caller),
                noise.phone(caller.phone),
                address,
                event.description.format(where=_where(noise, rng, event)),
                event.category,
                office,
                closed,
                rng.choice(_OUTCOMES) if closed else None,
            ]
        )
        facts = {
            "occurred_at": event.occurred,
            "category": event.category,
            "status": office,
            "closed_at": closed,
            "result": rows[-1][9],
        }
        truth.append(
            {
                "event_id": event.event_id,
                "house_id": house.house_id,
                "person_id": caller.person_id,
                "business_id": event.business.business_id if event.business else None,
                "names": names,
                "facts": facts,
            }
        )
    _outside_orders(world, deliveries, months)
    for month, (rows, truth) in sorted(months.items()):
        deliveries.xlsx(
            f"12345工单_{world.subdistrict.name}_{month}.xlsx", [Table(HEADER, rows, truth, sheet="工单明细")]
        )


def _outside_orders(world, deliveries, months) -> None:
    """Orders the city dispatched to the subdistrict about places outside it: the caller named a road of
    another subdistrict (often a near-namesake of one here); the subdistrict sends them back."""
    noise, rng = deliveries.noise, deliveries.rng
    outside = OutsideWorld(rng, world, district_first=False)
    for _ in range(outside_rows(sum(len(rows) for rows, _ in months.values()))):
        place, caller = outside.place(), outside.person()
        category = rng.choice(sorted(HOUSE_COMPLAINTS))
        occurred = _NOW - timedelta(days=rng.randrange(1, 365), minutes=rng.randrange(0, 1440))
        closed = occurred + timedelta(days=rng.randrange(1, 4))
        rows, truth = months.setdefault(f"{occurred:%Y%m}", ([], []))
        office = _OFFICE[category].format(subdistrict=world.subdistrict.name)
        rows.append(
            [
                f"{occurred:%y%m%d}{len(rows) + 1:05d}",
                occurred,
                caller.name[0] + ("先生" if caller.sex == "M" else "女士"),
                noise.phone(caller.phone),
                place.address if rng.random() < 0.8 else None,
                HOUSE_COMPLAINTS[category].format(where=place.address),
                category,
                office,
                closed,
                _NOT_OURS,
            ]
        )
        facts = {"occurred_at": occurred, "category": category, "status": office, "closed_at": closed}
        truth.append({"names": "out_of_area", "facts": {**place.facts, **facts, "result": _NOT_OURS}})
