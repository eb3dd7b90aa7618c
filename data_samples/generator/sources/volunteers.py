"""志愿者/社区能人 (居委会, S): the committees' list of volunteers and community talents, CSV in UTF-8.

Committees record no ID numbers here: only the name, birth month, mobile and address.
"""

from datetime import timedelta

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["姓名", "性别", "出生年月", "手机", "居住地址", "类型", "特长", "服务时长(小时)", "注册日期"]
_SKILLS = ("文艺表演", "家电维修", "法律咨询", "心理疏导", "书法绘画", "健康保健", "摄影", "外语", "电脑")


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    for p in world.residents:
        kinds = [k for flag, k in (("volunteer", "志愿者"), ("talent", "社区能人")) if flag in p.flags]
        for kind in kinds:
            rows.append(
                [
                    noise.name(p.name),
                    "男" if p.sex == "M" else "女",
                    f"{p.birth:%Y.%m}",
                    noise.phone(p.phone),
                    noise.address(p.home, prefix=False),
                    kind,
                    rng.choice(_SKILLS) if kind == "社区能人" else None,
                    rng.randrange(0, 300) if kind == "志愿者" else None,
                    f"{AS_OF - timedelta(days=rng.randrange(30, 2000)):%Y-%m-%d}",
                ]
            )
            facts = {
                "sex": p.sex,
                "birth_date": p.birth,
                "category": kind,
                "note": rows[-1][6],
                "status": rows[-1][7],
                "valid_from": rows[-1][8],
            }
            truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.home.house_id})
    deliveries.csv(f"志愿者及社区能人_{AS_OF:%Y%m}.csv", Table(HEADER, rows, truth))
