"""市场主体登记 (市场监督管理局, M): a JSON document from the city register's data-sharing API.

Chinese keys, the records under "data" beside the export time and total. Every business in the
subdistrict, plus entities long deregistered (注销) still listed at shops that now stand empty.
"""

from datetime import timedelta

from data_samples.generator.businesses import BRANDS
from data_samples.generator.formats import Table
from data_samples.generator.geography import DISTRICT_CODE
from data_samples.generator.identifiers import credit_code
from data_samples.generator.outside import OutsideWorld, outside_rows
from data_samples.generator.population import AS_OF

HEADER = ["统一社会信用代码", "企业名称", "类型", "法定代表人", "住所", "成立日期", "经营范围", "登记状态", "联系电话"]
_TRADES = ("商贸", "贸易", "服饰", "文化传播", "餐饮管理", "电子科技")
_SCOPE = "许可项目：{licensed}。一般项目：{general}。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
_LICENSED = {
    "cafe": "餐饮服务",
    "bar": "餐饮服务；酒类经营",
    "noodle": "餐饮服务",
    "restaurant": "餐饮服务",
    "snack": "餐饮服务",
    "bakery": "食品生产；食品销售",
    "tea": "餐饮服务",
    "convenience": "食品销售；烟草制品零售",
}
_GENERAL = {
    "hair": "理发服务；美容服务",
    "laundry": "洗烫服务",
    "florist": "花卉种植；礼品花卉销售",
    "clothing": "服装服饰零售",
    "convenience": "日用百货销售",
    "agency": "房地产经纪",
    "office": "组织文化艺术交流活动；会议及展览服务",
}


def _scope(business) -> str:
    licensed = _LICENSED.get(business.category, "无")
    if "coffee_bar" in business.flags:
        licensed += "；酒类经营"
    general = _GENERAL.get(business.category, "餐饮管理；食用农产品零售")
    return _SCOPE.format(licensed=licensed, general=general)


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    for b in world.businesses:
        kind = "个体工商户" if b.is_individual else "有限责任公司（自然人投资或控股）"
        rows.append(
            [
                b.credit_code,
                b.legal_name,
                kind,
                noise.name(b.owner.name),
                noise.address(b.house),
                f"{b.opened:%Y-%m-%d}",
                _scope(b),
                "存续（在营、开业、在册）",
                noise.phone(b.phone),
            ]
        )
        facts = {"entity_type": kind, "valid_from": b.opened, "scope": rows[-1][6], "status": rows[-1][7]}
        truth.append({"facts": facts, "business_id": b.business_id, "house_id": b.house.house_id})
    occupied, used = {b.house.house_id for b in world.businesses}, {b.credit_code for b in world.businesses}
    for house in (h for h in world.houses if h.kind == "shop" and h.house_id not in occupied):
        opened = AS_OF - timedelta(days=rng.randrange(2000, 6000))  # the shop's last tenant, long gone
        rows.append(
            [
                credit_code(rng, DISTRICT_CODE, False, used),
                f"上海{house.road[:2]}{rng.choice(_TRADES)}有限公司",
                "有限责任公司（自然人投资或控股）",
                noise.name(rng.choice(world.people).name),
                noise.address(house),
                f"{opened:%Y-%m-%d}",
                _SCOPE.format(licensed="无", general="日用百货销售"),
                "注销",
                None,
            ]
        )
        facts = {"entity_type": rows[-1][2], "valid_from": opened, "scope": rows[-1][6], "status": rows[-1][7]}
        truth.append({"facts": facts, "house_id": house.house_id})
    outside = OutsideWorld(rng, world, district_first=False)
    for _ in range(outside_rows(len(rows))):  # the city register's query returns entities of other subdistricts too
        place, opened = outside.place(business=True), AS_OF - timedelta(days=rng.randrange(100, 6000))
        rows.append(
            [
                credit_code(rng, DISTRICT_CODE, False, used),
                f"上海{rng.choice(BRANDS)}{rng.choice(_TRADES)}有限公司",
                "有限责任公司（自然人投资或控股）",
                noise.name(outside.person().name),
                place.address,
                f"{opened:%Y-%m-%d}",
                _SCOPE.format(licensed="无", general="日用百货销售"),
                "存续（在营、开业、在册）",
                noise.phone(outside.person().phone),
            ]
        )
        facts = {"entity_type": rows[-1][2], "valid_from": opened, "scope": rows[-1][6], "status": rows[-1][7]}
        truth.append({"facts": {**place.facts, **facts}, "names": "out_of_area"})
    envelope = {"code": 200, "msg": "成功", "exportTime": f"{AS_OF:%Y-%m-%d} 06:00:00", "total": len(rows)}
    deliveries.json(
        f"市场主体登记_{AS_OF:%Y%m%d}.json", Table(HEADER, rows, truth), records_path="data", envelope=envelope
    )
