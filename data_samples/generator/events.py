"""The sample world's events: complaints, patrol findings, repairs, renovations, visits, checks.

Complaint texts carry a ``{where}`` placeholder that each export fills with the address or shop
name as a resident would write it. A few businesses are hotspots: several unrelated-looking
complaints (noise, litter, wiring) share one source, the "five complaints, one noodle stall" case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from data_samples.generator.businesses import Business, is_food
from data_samples.generator.geography import House
from data_samples.generator.population import AS_OF, Person


@dataclass(frozen=True)
class Volumes:
    """How many events of each kind, per 1,000 people (care visits and checks per subject)."""

    complaints: float = 60
    patrols: float = 4000
    repairs: float = 150
    urban_cases: float = 20
    renovations: float = 8
    ev_repairs: float = 10
    activities: float = 20
    care_visits_per_person: int = 6
    waste_checks_per_site: int = 12
    inspections_per_shop: int = 12


@dataclass(slots=True)
class Event:
    event_id: str
    kind: str
    category: str
    house: House
    occurred: datetime
    description: str = ""
    business: Business | None = None
    person: Person | None = None
    closed: datetime | None = None
    status: str = "已办结"
    participants: list[Person] = field(default_factory=list)


_SHOP_COMPLAINTS = {
    "噪音扰民": "市民反映{where}夜间经营噪音很大，影响休息，要求处理。",
    "油烟扰民": "来电人称{where}油烟直排，楼上住户窗户都是油，希望尽快整改。",
    "占道经营": "{where}长期在人行道上摆放桌椅占道经营，行人通行困难。",
    "垃圾乱堆": "{where}门口垃圾乱堆，夏天有异味，请相关部门处理。",
    "违规用电": "市民反映{where}从楼道私拉电线，存在安全隐患。",
    "违规排污": "{where}将污水倒入雨水井，要求查处。",
}
HOUSE_COMPLAINTS = {
    "楼上漏水": "来电人反映{where}楼上漏水，协商无果，要求协调。",
    "装修扰民": "{where}装修噪音大，周末一早就开始施工。",
    "群租": "市民反映{where}疑似群租，人员进出频繁。",
    "楼道堆物": "{where}楼道堆放杂物，存在消防隐患。",
    "违规用电": "{where}电瓶车在楼道充电，私拉电线，存在安全隐患。",
}
_PATROL = ("楼道堆物", "电瓶车违规充电", "占道经营", "垃圾未分类", "消防通道堵塞", "违规搭建", "无异常")
_REPAIRS = ("水管漏水", "电梯故障", "门禁损坏", "楼道灯不亮", "下水道堵塞", "屋面渗水")
_URBAN = ("跨门营业", "占道经营", "违规设置户外广告", "油烟直排", "乱倒垃圾")
_EV = ("充电桩无法启动", "充电中断", "扫码无反应", "充电口损坏")
_ACTIVITIES = ("社区议事会", "为老服务日", "垃圾分类宣传", "亲子读书会", "健康讲座", "志愿者培训")


def _moment(rng: random.Random, days_back: int = 365) -> datetime:
    moment = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 8) - timedelta(days=rng.randrange(1, days_back))
    return moment + timedelta(minutes=rng.randrange(0, 12 * 60))


class _Events(list):
    def __init__(self, id_prefix: str = ""):
        super().__init__()
        self.id_prefix = id_prefix

    def add(self, kind: str, category: str, house: House, occurred: datetime, **fields) -> Event:
        event = Event(f"E{self.id_prefix}{len(self) + 1:07d}", kind, category, house, occurred, **fields)
        event.closed = fields.get("closed") or occurred + timedelta(hours=12 + (len(self) * 7919) % 200)
        self.append(event)
        return event


def build_events(
    rng: random.Random,
    houses: list[House],
    people: list[Person],
    businesses: list[Business],
    volumes: Volumes,
    id_prefix: str = "",
) -> list[Event]:
    per_k = len(people) / 1000
    residents = [p for p in people if p.home is not None]
    homes = [h for h in houses if h.kind == "home"]
    food = [b for b in businesses if is_food(b)] or businesses
    hotspots = rng.sample(food, max(1, len(food) // 20))
    events = _Events(id_prefix)

    for _ in range(round(volumes.complaints * per_k)):
        reporter = rng.choice(residents)
        if businesses and rng.random() < 0.45:
            business = rng.choice(hotspots) if rng.random() < 0.5 else rng.choice(businesses)
            category, text = rng.choice(list(_SHOP_COMPLAINTS.items()))
            events.add(
                "complaint",
                category,
                business.house,
                _moment(rng),
                description=text,
                business=business,
                person=reporter,
            )
        else:
            category, text = rng.choice(list(HOUSE_COMPLAINTS.items()))
            events.add("complaint", category, rng.choice(homes), _moment(rng), description=text, person=reporter)

    for _ in range(round(volumes.patrols * per_k)):
        business = rng.choice(businesses) if businesses and rng.random() < 0.3 else None
        house = business.house if business else rng.choice(homes)
        category = rng.choice(_PATROL)
        events.add(
            "patrol",
            category,
            house,
            _moment(rng, 180),
            business=business,
            status="无需处置" if category == "无异常" else rng.choice(("已整改", "待整改", "已整改")),
        )

    for _ in range(round(volumes.repairs * per_k)):
        person = rng.choice(residents)
        events.add(
            "repair",
            rng.choice(_REPAIRS),
            person.home,
            _moment(rng),
            person=person,
            status=rng.choice(("已完成", "已完成", "处理中")),
        )

    for _ in range(round(volumes.urban_cases * per_k)):
        business = rng.choice(businesses) if businesses else None
        if business:
            events.add(
                "urban_case",
                rng.choice(_URBAN),
                business.house,
                _moment(rng),
                business=business,
                status=rng.choice(("已结案", "已立案", "整改中")),
            )

    for house in rng.sample(homes, min(len(homes), round(volumes.renovations * per_k))):
        start = _moment(rng, 200)
        events.add(
            "renovation",
            rng.choice(("局部装修", "全屋装修", "厨卫改造")),
            house,
            start,
            closed=start + timedelta(days=rng.randrange(20, 120)),
            person=rng.choice(residents),
        )

    for person in (p for p in residents if "care_visited" in p.flags):
        for month in range(volumes.care_visits_per_person):
            visit = datetime(AS_OF.year, AS_OF.month, 1, 9) - timedelta(days=30 * month + rng.randrange(0, 20))
            events.add(
                "care_visit",
                rng.choice(("上门探访", "电话问候", "代购物品", "陪同就医")),
                person.home,
                visit,
                person=person,
                status=rng.choice(("身体良好", "身体良好", "需关注", "已转介")),
            )
        if rng.random() < 0.3:
            events.add(
                "retrofit",
                rng.choice(("卫生间扶手", "防滑地面", "紧急呼叫器", "坐便器改造")),
                person.home,
                _moment(rng),
                person=person,
            )

    sites = {}
    for house in homes:
        sites.setdefault(house.site, house)
    for _ in range(round(volumes.ev_repairs * per_k)):
        events.add(
            "ev_repair", rng.choice(_EV), rng.choice(list(sites.values())), _moment(rng), person=rng.choice(residents)
        )
    for house in sites.values():
        for month in range(volumes.waste_checks_per_site):
            when = datetime(AS_OF.year, AS_OF.month, 1, 7) - timedelta(days=30 * month + rng.randrange(0, 25))
            events.add("waste_check", rng.choice(("合格", "合格", "合格", "混投", "未破袋")), house, when)
    for business in businesses:
        for month in range(volumes.inspections_per_shop):
            when = datetime(AS_OF.year, AS_OF.month, 1, 10) - timedelta(days=30 * month + rng.randrange(0, 25))
            category = rng.choice(("门前三包", "消防安全", "食品安全", "店招店牌", "无异常"))
            events.add(
                "shop_inspection",
                category,
                business.house,
                when,
                business=business,
                status="合格" if category == "无异常" or rng.random() < 0.7 else "限期整改",
            )
    offices = {h.committee.code: h for h in houses if h.kind == "public"}
    for _ in range(round(volumes.activities * per_k)):  # held at the committee's office
        host = rng.choice(residents)
        neighbours = [
            p for p in rng.sample(residents, min(len(residents), 40)) if p.home.committee == host.home.committee
        ][: rng.randrange(3, 15)]
        events.add(
            "activity",
            rng.choice(_ACTIVITIES),
            offices[host.home.committee.code],
            _moment(rng),
            person=host,
            participants=[host, *neighbours],
        )
    return events
