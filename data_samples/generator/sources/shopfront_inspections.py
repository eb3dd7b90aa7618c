"""沿街商铺巡查 (街道城运中心, S): an xlsx ledger of street-front shop checks, one sheet per quarter.

Shops are named by their sign as the inspector wrote it (branch often left off, full-width
brackets); each sheet has a title row above the header and the filler's signature below.
"""

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF, GIVEN, SURNAMES

HEADER = ["店招名称", "地址", "检查日期", "检查项目", "检查结果", "整改要求", "检查人"]
_ITEMS = {
    "门前三包": "门前三包责任区保洁",
    "消防安全": "消防器材及疏散通道",
    "食品安全": "食品经营规范",
    "店招店牌": "店招店牌安全",
    "无异常": "日常巡查",
}
_ORDERS = {
    "门前三包": "清理门前堆物，落实门前三包",
    "消防安全": "补配灭火器，清理疏散通道",
    "食品安全": "规范食品储存，公示健康证",
    "店招店牌": "加固店招，消除坠落隐患",
    "无异常": "按要求整改",
}


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    inspectors = [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(6)]
    quarters: dict = {}
    for e in sorted((e for e in world.events if e.kind == "shop_inspection"), key=lambda e: e.occurred):
        quarters.setdefault(f"{e.occurred.year}年第{(e.occurred.month - 1) // 3 + 1}季度", []).append(e)
    tables = []
    for quarter, events in quarters.items():
        rows, truth = [], []
        for e in events:
            sign = e.business.shop_name
            if noise.hit(0.3):
                sign = sign.split("(")[0]
            elif noise.hit(0.2):
                sign = sign.replace("(", "（").replace(")", "）")
            rows.append(
                [
                    sign,
                    noise.address(e.house, prefix=False),
                    e.occurred.date(),
                    _ITEMS[e.category],
                    e.status,
                    _ORDERS[e.category] if e.status == "限期整改" else None,
                    rng.choice(inspectors),
                ]
            )
            facts = {"occurred_at": e.occurred.date(), "category": _ITEMS[e.category], "result": e.status}
            truth.append(
                {
                    "event_id": e.event_id,
                    "business_id": e.business.business_id,
                    "house_id": e.house.house_id,
                    "facts": facts,
                }
            )
        tables.append(
            Table(
                HEADER,
                rows,
                truth,
                sheet=quarter,
                title=f"{world.subdistrict.name}沿街商铺巡查台账（{quarter}）",
                footnotes=[f"填表人：{inspectors[0]}", f"填表日期：{AS_OF:%Y年%m月%d日}"],
            )
        )
    deliveries.xlsx(f"沿街商铺巡查台账_{AS_OF:%Y%m}.xlsx", tables)
