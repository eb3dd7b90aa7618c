"""户籍人口 (公安部门, N): registered residents as a fixed-width GB18030 text dump, no header line.

Only people whose 户籍 is in the subdistrict; 人户分离 shows as a registered address other than
where they live. The layout (character widths) is documented in the spec, as the old system does.
"""

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

FIELDS = [
    ("户号", 9),
    ("姓名", 6),
    ("性别", 2),
    ("与户主关系", 4),
    ("公民身份号码", 18),
    ("出生日期", 8),
    ("户籍地址", 40),
    ("登记日期", 8),
]


def export(world, deliveries):
    noise = deliveries.noise
    rows, truth = [], []
    for p in world.people:
        if p.registered is None:
            continue
        registered_on = p.birth if p.birth.year >= 1990 else p.birth.replace(year=1990, day=min(p.birth.day, 28))
        rows.append(
            [
                f"{world.subdistrict.code[-2:]}{p.household_id[-6:]:0>7}",
                noise.name(p.name),
                "男" if p.sex == "M" else "女",
                p.relation,
                noise.id_number(p.id_number),
                f"{p.birth:%Y%m%d}",
                noise.address(p.registered, prefix=False),
                f"{registered_on:%Y%m%d}",
            ]
        )
        facts = {"sex": p.sex, "birth_date": p.birth, "valid_from": registered_on}
        truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.registered.house_id})
    deliveries.fixed_width(
        f"HJRK_{AS_OF:%Y%m%d}.txt", Table([f for f, _ in FIELDS], rows, truth), [w for _, w in FIELDS]
    )
