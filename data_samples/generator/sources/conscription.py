"""征兵登记 (区人武部, D): young men registered for conscription, an xlsx the committees filled by hand.

The ID column went through Excel: a few numbers were typed as numbers and now read 3.10101E+17,
their digits lost; staging must quarantine them rather than guess.
"""

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["姓名", "身份证号", "文化程度", "户籍地址", "现居住地址", "联系电话", "登记日期", "体检结果"]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    for p in world.residents:
        if "conscript" not in p.flags:
            continue
        registered = noise.address(p.registered, prefix=False) if p.registered else None
        number = noise.id_number(p.id_number, excel=True)
        if "E+" in str(number):  # typed as a number: a number cell that shows 3.10101E+17
            number = float(number)
        rows.append(
            [
                noise.name(p.name),
                number,
                rng.choice(("高中", "大专", "本科", "本科在读")),
                registered,
                noise.address(p.home, prefix=False),
                noise.phone(p.phone),
                AS_OF.replace(month=rng.randrange(1, 7), day=rng.randrange(1, 28)),
                rng.choice(("合格", "合格", "不合格", "待复检")),
            ]
        )
        facts = {"category": rows[-1][2], "status": rows[-1][7]}
        truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.home.house_id})
    deliveries.xlsx(f"征兵登记_{AS_OF:%Y}.xlsx", [Table(HEADER, rows, truth, sheet="兵役登记")])
