"""城管执法 (区城管执法局, D): a live PostgreSQL table of enforcement cases, pulled on updated_at.

Officers write the shop's sign as they see it (often without the branch), the credit code only
when the party showed a licence; a row changes as the case moves from 立案 to 结案.
"""

from datetime import datetime, timedelta

from data_samples.generator.population import AS_OF

COLUMNS = [
    ("case_no", "text"),
    ("shop_name", "text"),
    ("credit_code", "varchar(18)"),
    ("address", "text"),
    ("violation", "text"),
    ("description", "text"),
    ("filed_at", "timestamp"),
    ("status", "text"),
    ("closed_at", "timestamp"),
    ("updated_at", "timestamp"),
]
_FACTS = {
    "跨门营业": "当事人在店门外跨门经营，占用人行道约{}平方米。",
    "占道经营": "当事人占用道路摆放桌椅经营，面积约{}平方米。",
    "违规设置户外广告": "当事人擅自设置户外广告牌，面积约{}平方米。",
    "油烟直排": "当事人油烟未经净化直接排放，影响周边约{}户居民。",
    "乱倒垃圾": "当事人将经营垃圾倒入公共垃圾桶，约{}袋。",
}


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    now = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
    rows, truth, numbers = [], [], {}
    for e in sorted((e for e in world.events if e.kind == "urban_case"), key=lambda e: e.occurred):
        b = e.business
        numbers[e.occurred.year] = numbers.get(e.occurred.year, 0) + 1
        sign = b.shop_name.split("(")[0] if noise.hit(0.4) else b.shop_name
        # a recent case has had less time to move on: every change falls before the export
        closed = None
        if e.status == "已结案":
            closed = _within(e.occurred, e.closed - e.occurred + timedelta(days=rng.randrange(3, 30)), now)
        updated = closed or _within(e.occurred, timedelta(days=rng.randrange(1, 10)), now)
        rows.append(
            [
                f"黄城管案〔{e.occurred.year}〕{numbers[e.occurred.year]:05d}号",
                sign,
                b.credit_code if noise.hit(0.7) else None,
                noise.address(b.house),
                e.category,
                _FACTS[e.category].format(rng.randrange(2, 12)),
                e.occurred,
                e.status,
                closed,
                updated,
            ]
        )
        facts = {"category": e.category, "occurred_at": e.occurred, "status": e.status, "closed_at": closed}
        truth.append(
            {"event_id": e.event_id, "business_id": b.business_id, "house_id": b.house.house_id, "facts": facts}
        )
    deliveries.database("postgres", "urban_cases", COLUMNS, rows, truth, key="case_no")


def _within(start: datetime, delay: timedelta, now: datetime) -> datetime:
    return start + min(delay, (now - start) / 2)
