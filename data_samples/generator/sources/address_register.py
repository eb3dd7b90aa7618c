"""标准地址库 (规划资源局 / 房管局, M): the standard address register, CSV in UTF-8, one row per house.

The register is clean: its 地址编码 is the canonical house key and its 标准地址 the canonical form,
with the hierarchy (committee, grid, road, lane, door, compound, building, unit, floor, room).
"""

from data_samples.generator.formats import Table
from data_samples.generator.geography import DISTRICT_NAME
from data_samples.generator.population import AS_OF

HEADER = [
    "地址编码",
    "标准地址",
    "区",
    "街道",
    "居委会代码",
    "居委会名称",
    "网格编码",
    "路名",
    "弄号",
    "门牌号",
    "小区名称",
    "楼号",
    "单元号",
    "楼层",
    "室号",
    "房屋类型",
    "建筑面积",
]
_KINDS = {"home": "住宅", "shop": "商铺", "office": "办公", "public": "公建"}


def export(world, deliveries):
    rows, truth = [], []
    for h in world.houses:
        rows.append(
            [
                h.house_id,
                h.canonical(),
                DISTRICT_NAME,
                world.subdistrict.name,
                h.committee.code,
                h.committee.name,
                h.grid_code,
                h.road,
                h.lane_no,
                h.door,
                h.compound,
                h.building_no,
                h.unit_no,
                h.floor_no,
                h.room_no,
                _KINDS[h.kind],
                f"{h.area_m2:.1f}",
            ]
        )
        facts = {"house_kind": h.kind, "area_m2": round(h.area_m2, 1)}
        truth.append({"facts": facts, "house_id": h.house_id})
    deliveries.csv(f"标准地址库_{AS_OF:%Y%m}.csv", Table(HEADER, rows, truth))
