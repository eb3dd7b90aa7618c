"""独居老人关爱台账 (居委会, S): one xlsx workbook, one sheet per committee, title row, merged two-row header.

The 本月走访 group spans 走访日期/走访方式/身体状况 (read as "本月走访/走访日期", ...); the emergency
contact is written into 备注. IDs were typed into Excel (a few are 3.10101E+17). One committee's
superseded list is kept as a hidden sheet "旧台账" of plain note lines, no data rows.
"""
from data_samples.generator.formats import Table
from data_samples.generator.identifiers import mobile
from data_samples.generator.population import GIVEN

HEADER = ["序号", "老人姓名", "身份证号", "居住地址", "联系电话",
          "本月走访/走访日期", "本月走访/走访方式", "本月走访/身体状况", "备注"]
GROUPS = [("本月走访", 5, 7)]
_STATUS_NOTES = {"需关注": "血压偏高，需持续关注", "已转介": "已转介社区卫生服务中心"}


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng

    def id_cell(number):  # Excel stored some IDs as numbers: the digits are gone
        value = noise.id_number(number, excel=True)
        return float(value) if value.endswith("E+17") else value

    visits = sorted((e for e in world.events if e.kind == "care_visit"), key=lambda e: (e.person.person_id, e.occurred))
    contacts, sheets = {}, {}
    for event in visits:
        elder = event.person
        if elder.person_id not in contacts:  # a child living elsewhere: not a resident of the subdistrict
            relation = rng.choice(("儿子", "女儿", "侄子", "外甥女"))
            name = elder.name[0] + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            contacts[elder.person_id] = f"紧急联系人：{relation}{name} {mobile(rng)}"
        rows, truth = sheets.setdefault(event.house.committee.name, ([], []))
        note = "；".join(filter(None, (contacts[elder.person_id], _STATUS_NOTES.get(event.status))))
        rows.append([len(rows) + 1, noise.name(elder.name), id_cell(elder.id_number),
                     noise.address(event.house, prefix=False), noise.phone(elder.phone),
                     event.occurred.date(), event.category, event.status, note])
        truth.append({"event_id": event.event_id, "house_id": event.house.house_id, "person_id": elder.person_id})
        if noise.hit(noise.rates.duplicate_row):
            rows.append([len(rows) + 1, *rows[-1][1:]])
            truth.append(truth[-1])
    tables = [Table(HEADER, rows, truth, sheet=name, title=f"{name}独居老人关爱走访台账（2026年）", groups=GROUPS,
                    footnotes=["填表人：顾敏（社工）", "填表日期：2026年11月1日"])
              for name, (rows, truth) in sorted(sheets.items())]
    if tables:  # the first committee's 2025 list, superseded: a few note lines the spec does not read
        first = tables[0]
        elders = dict((r[1], r[3]) for r in reversed(first.rows))
        old = [f"{i}  {name}  {address}  已并入2026年新台账" for i, (name, address) in enumerate(list(elders.items())[:4], 1)]
        tables.append(Table([], [], [], sheet="旧台账", title=f"{first.sheet}独居老人名单（2025年，已停用）", notes=old, hidden=True))
    deliveries.xlsx("独居老人关爱台账_瑞金二路街道_202610.xlsx", tables)
