"""残疾人 (残联, M): the disability register as "Unicode text": UTF-16 with a BOM, tab-separated.

That is what Excel's "Save as Unicode text" writes, the format this federation's system exports.
The 20-character 残疾证号 is the ID number followed by the category and grade digits.
"""

from datetime import timedelta

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["残疾证号", "姓名", "性别", "身份证号", "残疾类别", "残疾等级", "居住地址", "联系电话", "发证日期"]
_KINDS = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    for p in world.residents:
        if "disabled" not in p.flags:
            continue
        kind, grade = rng.randrange(len(_KINDS)), rng.randrange(4)
        issued = AS_OF - timedelta(days=rng.randrange(30, 3650))
        rows.append(
            [
                f"{p.id_number}{kind + 1}{grade + 1}",
                noise.name(p.name),
                "男" if p.sex == "M" else "女",
                noise.id_number(p.id_number),
                _KINDS[kind],
                f"{'一二三四'[grade]}级",
                noise.address(p.home),
                noise.phone(p.phone),
                f"{issued:%Y-%m-%d}",
            ]
        )
        facts = {"sex": p.sex, "category": _KINDS[kind], "status": f"{'一二三四'[grade]}级", "valid_from": issued}
        truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.home.house_id})
    deliveries.csv(f"残疾人名册_{AS_OF:%Y%m}.txt", Table(HEADER, rows, truth), encoding="utf-16", delimiter="\t")
