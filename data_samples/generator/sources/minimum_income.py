"""低保 (民政局, M): minimum-income households as CSV in GB18030, one row per household member.

The benefit goes to a household with Shanghai 户籍: every member is listed under the head's
certificate, with the household's one address as the clerk typed it, its size and monthly amount.
"""

from datetime import date

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = [
    "救助证号",
    "户主姓名",
    "成员姓名",
    "身份证号",
    "与户主关系",
    "家庭住址",
    "保障人数",
    "月保障金额",
    "起始日期",
]
_MONTHLY = 1510  # Shanghai's 2024 minimum-income standard, yuan per person and month


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    households: dict = {}
    for p in world.residents:
        households.setdefault(p.household_id, []).append(p)
    rows, truth = [], []
    eligible = (
        m
        for m in households.values()
        if any("low_income" in p.flags and p.is_local for p in m) and m[0].relation == "户主"
    )  # group rentals are no household: 租客 get no benefit together
    for number, members in enumerate(eligible, start=1):
        head, address = members[0], noise.address(members[0].home)
        month = AS_OF.year * 12 + AS_OF.month - 1 - rng.randrange(1, 72)  # granted from a month's first day
        since = date(month // 12, month % 12 + 1, 1)
        for p in members:
            rows.append(
                [
                    f"HPDB{number:06d}",
                    head.name,
                    noise.name(p.name),
                    noise.id_number(p.id_number),
                    p.relation,
                    address,
                    len(members),
                    _MONTHLY * len(members),
                    f"{since:%Y-%m-%d}",
                ]
            )
            facts = {
                "note": head.name,
                "category": len(members),
                "status": _MONTHLY * len(members),
                "valid_from": since,
            }
            truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.home.house_id})
    deliveries.csv(f"低保对象_{AS_OF:%Y%m}.csv", Table(HEADER, rows, truth), encoding="gb18030")
