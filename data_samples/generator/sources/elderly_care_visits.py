"""独居老人关爱台账 (居委会, S): one xlsx workbook, one sheet per committee, title row, merged two-row header.

Groups 紧急联系人 (姓名/电话) and 本月走访 (走访日期/走访方式/身体状况) read as "紧急联系人/姓名", ...
IDs were typed into Excel (a few are 3.10101E+17 number cells). A hidden sheet "说明" holds the
filling instructions: a few text lines, no header, no data.
"""

from data_samples.generator.formats import Table
from data_samples.generator.identifiers import mobile
from data_samples.generator.population import AS_OF, GIVEN, SURNAMES

HEADER = [
    "序号",
    "老人姓名",
    "身份证号",
    "居住地址",
    "紧急联系人/姓名",
    "紧急联系人/电话",
    "本月走访/走访日期",
    "本月走访/走访方式",
    "本月走访/身体状况",
    "备注",
]
GROUPS = [("紧急联系人", 4, 5), ("本月走访", 6, 8)]
_STATUS_NOTES = {"需关注": "血压偏高，需持续关注", "已转介": "已转介社区卫生服务中心"}
_INSTRUCTIONS = [
    "填表说明",
    "1. 每位独居老人每月至少走访一次，走访后三个工作日内填入本台账。",
    "2. 走访方式：上门探访、电话问候、代购物品、陪同就医，选填一项。",
    "3. 身体状况：身体良好、需关注、已转介；需关注或已转介的，请在备注中写明情况。",
    "4. 身份证号请先将单元格设为文本格式再录入，以免显示为科学计数法。",
]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng

    def id_cell(number):  # Excel stored some IDs as numbers: the digits are gone
        value = noise.id_number(number, excel=True)
        return float(value) if value.endswith("E+17") else value

    visits = sorted((e for e in world.events if e.kind == "care_visit"), key=lambda e: (e.person.person_id, e.occurred))
    contacts, sheets = {}, {}
    for event in visits:
        elder = event.person
        if elder.person_id not in contacts:  # a child living elsewhere; some elders have nobody to name
            name = elder.name[0] + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            contacts[elder.person_id] = (name, noise.phone(mobile(rng))) if rng.random() < 0.9 else (None, None)
        contact_name, contact_phone = contacts[elder.person_id]
        note = _STATUS_NOTES.get(event.status) or (None if contact_name else "无子女，由楼组长协助照看")
        rows, truth = sheets.setdefault(event.house.committee.name, ([], []))
        rows.append(
            [
                len(rows) + 1,
                noise.name(elder.name),
                id_cell(elder.id_number),
                noise.address(event.house, prefix=False),
                contact_name,
                contact_phone,
                event.occurred.date(),
                event.category,
                event.status,
                note,
            ]
        )
        facts = {
            "occurred_at": event.occurred.date(),
            "category": event.category,
            "status": event.status,
            "result": note,
        }
        truth.append(
            {"event_id": event.event_id, "house_id": event.house.house_id, "person_id": elder.person_id, "facts": facts}
        )
        if noise.hit(noise.rates.duplicate_row):
            rows.append([len(rows) + 1, *rows[-1][1:]])
            truth.append(truth[-1])
    signed = f"填表日期：{AS_OF.year}年{AS_OF.month}月{AS_OF.day}日"
    tables = [
        Table(
            HEADER,
            rows,
            truth,
            sheet=name,
            title=f"{name}独居老人关爱走访台账（{AS_OF.year}年）",
            groups=GROUPS,
            footnotes=[f"填表人：{rng.choice(SURNAMES)}{rng.choice(GIVEN)}（社工）", signed],
        )
        for name, (rows, truth) in sorted(sheets.items())
    ]
    tables.append(
        Table([], [], [], sheet="说明", notes=_INSTRUCTIONS, hidden=True)
    )  # last: the active sheet cannot hide
    deliveries.xlsx(f"独居老人关爱台账_{world.subdistrict.name}_202610.xlsx", tables)
