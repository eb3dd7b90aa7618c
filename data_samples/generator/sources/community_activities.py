"""活动管理 (居委会, S): one xlsx workbook, one sheet per committee, held at the committee's office.

All participants sit in ONE cell, separated by 、 (now and then by ， as the typist liked); 参与人数
is a number cell. The place is the office's address, sometimes with the room added.
"""

from data_samples.generator.formats import Table

HEADER = ["序号", "活动名称", "活动日期", "活动地点", "组织者", "联系电话", "参与人员", "参与人数"]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    sheets = {}
    for event in sorted((e for e in world.events if e.kind == "activity"), key=lambda e: e.occurred):
        place = noise.address(event.house, prefix=False) + rng.choice(("", "", "二楼活动室", "（居委会）"))
        names = rng.choice(("、", "、", "、", "，")).join(noise.name(p.name) for p in event.participants)
        rows, truth = sheets.setdefault(event.house.committee.name, ([], []))
        organiser = event.person
        rows.append(
            [
                len(rows) + 1,
                event.category,
                event.occurred.date(),
                place,
                noise.name(organiser.name),
                noise.phone(organiser.phone),
                names,
                len(event.participants),
            ]
        )
        facts = {"category": event.category, "occurred_at": event.occurred.date(), "result": len(event.participants)}
        truth.append(
            {
                "event_id": event.event_id,
                "house_id": event.house.house_id,
                "person_id": organiser.person_id,
                "facts": facts,
            }
        )
    tables = [
        Table(HEADER, rows, truth, sheet=name, title=f"{name}社区活动记录")
        for name, (rows, truth) in sorted(sheets.items())
    ]
    deliveries.xlsx(f"社区活动台账_{world.subdistrict.name}_2026.xlsx", tables)
