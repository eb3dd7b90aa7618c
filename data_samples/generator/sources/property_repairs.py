"""物业报修 (物业服务企业, S): a live MariaDB table of repair requests, pulled on updated_at.

The property company knows its own compounds: the address is the room within the compound
("锦江公寓3幢502室", no road) wherever the compound has a name, with the usual clerk's noise.
"""

from datetime import datetime, timedelta

from data_samples.generator.population import AS_OF

COLUMNS = [
    ("repair_id", "varchar(20)"),
    ("address", "varchar(200)"),
    ("reporter", "varchar(50)"),
    ("phone", "varchar(30)"),
    ("category", "varchar(20)"),
    ("content", "text"),
    ("reported_at", "datetime"),
    ("status", "varchar(10)"),
    ("finished_at", "datetime"),
    ("updated_at", "datetime"),
]
_CONTENT = {
    "水管漏水": "厨房水管接口漏水，地上都是水",
    "电梯故障": "电梯停在{}楼不动，按钮没反应",
    "门禁损坏": "单元门禁刷卡打不开",
    "楼道灯不亮": "{}楼楼道灯不亮，晚上看不清",
    "下水道堵塞": "卫生间下水道堵了，返水",
    "屋面渗水": "下雨天天花板渗水",
}


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    now = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
    rows, truth = [], []
    for n, e in enumerate(sorted((e for e in world.events if e.kind == "repair"), key=lambda e: e.occurred), 1):
        address = noise.address(e.house, prefix=False)
        if e.house.compound and e.house.lane_no is None and e.house.compound in address:
            address = address[address.index(e.house.compound) :]  # the compound is the property company's world
        # a recent request has had less time to move on: every change falls before the export
        finished = _within(e.occurred, e.closed - e.occurred, now) if e.status == "已完成" else None
        updated = finished or _within(e.occurred, timedelta(hours=rng.randrange(1, 48)), now)
        rows.append(
            [
                f"BX{e.occurred:%Y%m}{n:06d}",
                address,
                noise.name(e.person.name),
                noise.phone(e.person.phone),
                e.category,
                _CONTENT[e.category].format(e.house.floor_no or 1),
                e.occurred,
                e.status,
                finished,
                updated,
            ]
        )
        facts = {"category": e.category, "occurred_at": e.occurred, "status": e.status, "closed_at": finished}
        truth.append(
            {"event_id": e.event_id, "house_id": e.house.house_id, "person_id": e.person.person_id, "facts": facts}
        )
    deliveries.database("mariadb", "property_repairs", COLUMNS, rows, truth, key="repair_id")


def _within(start: datetime, delay: timedelta, now: datetime) -> datetime:
    return start + min(delay, (now - start) / 2)
