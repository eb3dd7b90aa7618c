"""装修备案 (街道房管办, S): an xlsx ledger with a title row, a 合计 row and the clerk's signature block.

The owner on file is the house's owner where the office knows one (else whoever filed); works not
yet finished have no 竣工日期. A filing is sometimes entered twice.
"""

from datetime import timedelta

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["序号", "房屋地址", "业主姓名", "联系电话", "装修内容", "施工单位", "开工日期", "竣工日期", "备案日期"]
_CONTRACTORS = (
    "上海美家装饰工程有限公司",
    "上海弄堂人家建筑装饰有限公司",
    "上海沪安装潢工程有限公司",
    "上海锦绣装饰设计工程有限公司",
    "业主自行施工",
    "上海百安居装饰工程有限公司",
)


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    owners = {house.house_id: person for person in world.people for house in person.owns}
    rows, truth = [], []
    for event in sorted((e for e in world.events if e.kind == "renovation"), key=lambda e: e.occurred):
        person = owners.get(event.house.house_id, event.person)
        start = event.occurred.date()
        finished = event.closed.date() if event.closed.date() <= AS_OF else None
        rows.append(
            [
                len(rows) + 1,
                noise.address(event.house, prefix=False),
                noise.name(person.name),
                noise.phone(person.phone),
                event.category,
                rng.choice(_CONTRACTORS),
                start,
                finished,
                start - timedelta(days=rng.randrange(1, 8)),
            ]
        )
        facts = {"category": event.category, "occurred_at": start, "closed_at": finished}
        truth.append(
            {
                "event_id": event.event_id,
                "house_id": event.house.house_id,
                "person_id": person.person_id,
                "facts": facts,
            }
        )
        if noise.hit(noise.rates.duplicate_row * 3):  # a paper form keyed in again by the next shift
            rows.append([len(rows) + 1, *rows[-1][1:]])
            truth.append(truth[-1])
    table = Table(
        HEADER,
        rows,
        truth,
        sheet="装修备案",
        title=f"{world.subdistrict.name}房屋装修备案登记台账（2026年）",
        totals=True,
        footnotes=["填表人：陆晓燕", "填表日期：2026年11月1日"],
    )
    deliveries.xlsx("装修备案登记台账_2026.xlsx", [table])
