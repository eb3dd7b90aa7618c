"""适老化改造 (区民政局, D): a plain xlsx export of the district's applications, header on row 1.

年龄 is the applicant's age when applying, as the system computes it; works still under way have
no 完工日期 and status 施工中; the subsidy is a number cell in yuan.
"""

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = [
    "申请编号",
    "申请人",
    "身份证号",
    "年龄",
    "联系电话",
    "地址",
    "改造项目",
    "申请日期",
    "完工日期",
    "补贴金额",
    "审核状态",
]
_SUBSIDY = {"卫生间扶手": 800, "防滑地面": 2000, "紧急呼叫器": 500, "坐便器改造": 1500}


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    for event in sorted((e for e in world.events if e.kind == "retrofit"), key=lambda e: e.occurred):
        person, applied = event.person, event.occurred.date()
        age = applied.year - person.birth.year - ((applied.month, applied.day) < (person.birth.month, person.birth.day))
        finished = event.closed.date() if event.closed.date() <= AS_OF else None
        rows.append(
            [
                f"SLH{applied:%Y}{len(rows) + 1:05d}",
                noise.name(person.name),
                noise.id_number(person.id_number),
                age,
                noise.phone(person.phone),
                noise.address(event.house),
                event.category,
                applied,
                finished,
                _SUBSIDY[event.category] + rng.choice((0, 0, 100, 200, 300)),
                "已完工" if finished else "施工中",
            ]
        )
        facts = {
            "category": event.category,
            "occurred_at": applied,
            "closed_at": finished,
            "result": rows[-1][9],
            "status": rows[-1][10],
        }
        truth.append(
            {
                "event_id": event.event_id,
                "house_id": event.house.house_id,
                "person_id": person.person_id,
                "facts": facts,
            }
        )
    deliveries.xlsx(
        f"适老化改造申请_{world.subdistrict.name}_2026.xlsx", [Table(HEADER, rows, truth, sheet="申请明细")]
    )
