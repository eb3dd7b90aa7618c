"""不动产登记 (市不动产登记中心, M): xlsx with two title rows above the header, one row per owned home.

Owners who live elsewhere (absentee landlords) are here too. Titles registered before 2016 keep
their old 房地产权证 numbers (沪房地卢字 before 卢湾 merged into 黄浦 in 2011).
"""

from datetime import date, timedelta

from data_samples.generator.formats import Table

HEADER = ["不动产权证号", "坐落", "权利人", "证件号码", "共有情况", "建筑面积", "登记日期"]


def _certificate(registered: date, seq: int) -> str:
    if registered.year >= 2016:  # 不动产统一登记 began in Shanghai in 2016
        return f"沪({registered.year})黄字不动产权第{seq:06d}号"
    district = "卢" if registered.year < 2011 else "黄"
    return f"沪房地{district}字({registered.year})第{seq:06d}号"


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    with_spouse = {p.household_id for p in world.residents if p.relation == "配偶"}
    rows, truth = [], []
    for owner in world.people:
        for house in owner.owns:
            lives_here = owner.home == house
            if lives_here and owner.moved_in:
                registered = owner.moved_in - timedelta(days=rng.randrange(10, 60))  # bought, then moved in
            else:
                registered = date(1996, 1, 1) + timedelta(days=rng.randrange(0, 29 * 365))
            shared = "共同共有" if lives_here and owner.household_id in with_spouse else "单独所有"
            rows.append(
                [
                    _certificate(registered, len(rows) + 1),
                    noise.address(house),
                    noise.name(owner.name),
                    noise.id_number(owner.id_number),
                    shared,
                    house.area_m2,
                    registered,
                ]
            )
            facts = {
                "role": "co-owner" if shared == "共同共有" else "owner",
                "area_m2": house.area_m2,
                "valid_from": registered,
            }
            truth.append({"facts": facts, "house_id": house.house_id, "person_id": owner.person_id})
    table = Table(
        HEADER, rows, truth, sheet="Sheet1", title="黄浦区不动产登记信息（住宅）", notes=["导出时间：2026-11-01"]
    )
    deliveries.xlsx(f"不动产登记信息_黄浦区_{world.subdistrict.name}_20261101.xlsx", [table])
