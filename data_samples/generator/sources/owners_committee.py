"""业委会名册 (房办, S): owners' committee members of each compound, an xlsx with a title and signature.

Members write their home as building and room only ("5号402室"): the compound is in its own column.
"""
from datetime import date

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["小区名称", "职务", "姓名", "房号", "联系电话", "任期起", "任期止"]


def _room(house) -> str:
    if house.lane_no is not None:
        return f"{house.building_no}号{house.room_no}室"
    unit = f"{house.unit_no}单元" if house.unit_no else ""
    return f"{house.building_no}号楼{unit}{house.room_no}室"


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    members = [p for p in world.residents if "owners_committee" in p.flags and p.home.compound]
    if len(members) < 5:  # a small world still has a committee or two: its compounds' head owners
        owners = [p for p in world.residents if p.home in p.owns and p.home.compound and p not in members]
        members += rng.sample(owners, min(len(owners), 5 - len(members)))
    rows, truth = [], []
    for i, p in enumerate(sorted(members, key=lambda m: (m.home.compound, m.person_id))):
        start = date(AS_OF.year - rng.randrange(0, 4), rng.randrange(1, 13), 1)
        rows.append([p.home.compound, ("主任", "副主任", "委员", "委员", "委员")[i % 5], noise.name(p.name), _room(p.home),
                     noise.phone(p.phone), start, start.replace(year=start.year + 5)])
        truth.append({"person_id": p.person_id, "house_id": p.home.house_id})
    deliveries.xlsx(f"业委会成员名册_{AS_OF:%Y%m}.xlsx",
                    [Table(HEADER, rows, truth, sheet="名册", title="瑞金二路街道业主委员会成员名册",
                           footnotes=["填表人：房办", f"填表日期：{AS_OF:%Y年%m月%d日}"])])
