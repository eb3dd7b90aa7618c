"""退役军人 (退役军人事务局, D): the veterans' roster as a legacy Excel 97-2003 workbook (.xls).

Dates of enlistment and discharge are real date cells; the ID column is text, as the bureau keeps it.
"""

from datetime import date

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["姓名", "性别", "身份证号", "入伍时间", "退役时间", "安置方式", "现居住地址", "联系电话"]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    for p in world.residents:
        if "veteran" not in p.flags:
            continue
        enlisted = date(p.birth.year + 18 + rng.randrange(0, 3), rng.choice((3, 9, 12)), 1)
        discharged = date(enlisted.year + rng.choice((2, 3, 5, 8, 12)), rng.choice((3, 9, 12)), 1)
        rows.append(
            [
                noise.name(p.name),
                "男" if p.sex == "M" else "女",
                noise.id_number(p.id_number),
                enlisted,
                discharged,
                rng.choice(("自主就业", "安排工作", "退休", "逐月领取退役金")),
                noise.address(p.home),
                noise.phone(p.phone),
            ]
        )
        facts = {"sex": p.sex, "valid_from": enlisted, "valid_to": discharged, "category": rows[-1][5]}
        truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.home.house_id})
    deliveries.xls(f"退役军人花名册_{AS_OF:%Y%m}.xls", [Table(HEADER, rows, truth, sheet="花名册")])
