"""业委会名册 (房办, S): owners' committee members of each compound, an xlsx with a title and signature.

Members write their home as building and room only ("5号402室"): the compound is in its own column,
so the address alone does not name the house. One committee per compound: 主任, 副主任, then 委员.
"""

from datetime import date

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["小区名称", "职务", "姓名", "房号", "联系电话", "任期起", "任期止"]
_SMALLEST = 5  # a committee has at least five members


def _room(house) -> str:
    unit = f"{house.unit_no}单元" if house.unit_no else ""
    return f"{house.building_no}号{unit}{house.room_no}室"


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    owners: dict = {}  # compound -> resident owners, the pool a committee is elected from
    for p in world.residents:
        if p.home in p.owns and p.home.compound:
            owners.setdefault(p.home.compound, []).append(p)
    committees: dict = {}
    for compound, pool in owners.items():
        members = [p for p in pool if "owners_committee" in p.flags]
        if members:
            committees[compound] = members
    if sum(map(len, committees.values())) < _SMALLEST:  # a small world still has a committee: the largest compound's
        compound = max(owners, key=lambda c: len(owners[c]))
        committees.setdefault(compound, [])
        spare = [p for p in owners[compound] if p not in committees[compound]]
        committees[compound] += rng.sample(spare, min(len(spare), _SMALLEST - len(committees[compound])))
    rows, truth = [], []
    for compound in sorted(committees):
        start = date(AS_OF.year - rng.randrange(0, 5), rng.randrange(1, 13), 1)  # the committee's term
        for i, p in enumerate(committees[compound]):
            rows.append(
                [
                    compound,
                    ("主任", "副主任")[i] if i < 2 else "委员",
                    noise.name(p.name),
                    _room(p.home),
                    noise.phone(p.phone),
                    start,
                    start.replace(year=start.year + 5),
                ]
            )
            facts = {"role": rows[-1][1], "valid_from": start, "valid_to": rows[-1][6]}
            truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.home.house_id})
    deliveries.xlsx(
        f"业委会成员名册_{AS_OF:%Y%m}.xlsx",
        [
            Table(
                HEADER,
                rows,
                truth,
                sheet="名册",
                title=f"{world.subdistrict.name}业主委员会成员名册",
                footnotes=["填表人：街道房办", f"填表日期：{AS_OF:%Y年%m月%d日}"],
            )
        ],
    )
