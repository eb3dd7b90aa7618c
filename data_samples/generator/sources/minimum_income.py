"""低保 (民政局, M): minimum-income households as CSV in GB18030, one row per household member.

The benefit is granted to a household: every member of a household with a low-income person is
listed under the head's certificate, with the household size and the monthly amount.
"""
from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["救助证号", "户主姓名", "成员姓名", "身份证号", "与户主关系", "家庭住址", "保障人数", "月保障金额", "起始日期"]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    households: dict = {}
    for p in world.residents:
        households.setdefault(p.household_id, []).append(p)
    rows, truth = [], []
    for number, members in enumerate((m for m in households.values() if any("low_income" in p.flags for p in m)), 1):
        head, since = members[0], AS_OF.replace(year=AS_OF.year - rng.randrange(0, 6), month=rng.randrange(1, 13), day=1)
        for p in members:
            rows.append([f"HPDB{number:06d}", head.name, noise.name(p.name), noise.id_number(p.id_number), p.relation,
                         noise.address(p.home), len(members), 1510 * len(members), f"{since:%Y-%m-%d}"])
            truth.append({"person_id": p.person_id, "house_id": p.home.house_id})
    deliveries.csv(f"低保对象_{AS_OF:%Y%m}.csv", Table(HEADER, rows, truth), encoding="gb18030")
