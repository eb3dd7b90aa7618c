"""食品经营许可 (市场监督管理所, D): CSV in UTF-8, every food business's licence.

The licence names the legal entity, not the shop sign; licensed activities are one cell joined
with "；", and 日咖夜酒 cafés hold both 饮品制售 and 酒类零售. The same file is delivered twice.
"""

from datetime import timedelta

from data_samples.generator.businesses import BRANDS, CATEGORIES, is_food
from data_samples.generator.formats import Table
from data_samples.generator.geography import DISTRICT_CODE
from data_samples.generator.identifiers import credit_code
from data_samples.generator.outside import OutsideWorld, outside_rows
from data_samples.generator.population import AS_OF

HEADER = ["许可证编号", "经营者名称", "社会信用代码", "经营场所", "主体业态", "经营项目", "有效期至", "发证日期"]
_FORMS = {
    "convenience": "食品销售经营者（便利店）",
    "bakery": "餐饮服务经营者（糕点店）",
    "cafe": "餐饮服务经营者（饮品店）",
    "tea": "餐饮服务经营者（饮品店）",
    "bar": "餐饮服务经营者（饮品店）",
}
_ITEMS = {
    "cafe": "饮品制售；冷食类食品制售",
    "tea": "饮品制售",
    "bar": "饮品制售；酒类零售",
    "noodle": "热食类食品制售",
    "snack": "热食类食品制售",
    "restaurant": "热食类食品制售；冷食类食品制售",
    "bakery": "糕点类食品制售；预包装食品（不含冷藏冷冻食品）销售",
    "convenience": "预包装食品（含冷藏冷冻食品）销售；散装食品（不含冷藏冷冻食品）销售",
}
_TERM = timedelta(days=5 * 365)  # a food licence is valid for five years


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    for seq, b in enumerate((b for b in world.businesses if is_food(b)), start=1):
        issued = b.opened - timedelta(days=rng.randrange(5, 40))
        while issued + _TERM < AS_OF:  # renewed every five years
            issued += _TERM
        items = _ITEMS[b.category] + ("；酒类零售" if "coffee_bar" in b.flags else "")
        kind = "1" if b.category == "convenience" else "2"
        rows.append(
            [
                f"JY{kind}{DISTRICT_CODE}{seq:06d}{rng.randrange(10)}",
                b.legal_name,
                b.credit_code,
                noise.address(b.house),
                _FORMS.get(b.category, "餐饮服务经营者（小型餐饮）"),
                items,
                _slash(issued + _TERM - timedelta(days=1)),
                _slash(issued),
            ]
        )
        facts = {
            "entity_type": rows[-1][4],
            "category": items,
            "valid_from": issued,
            "valid_to": issued + _TERM - timedelta(days=1),
        }
        truth.append({"facts": facts, "business_id": b.business_id, "house_id": b.house.house_id})
        if noise.hit(noise.rates.duplicate_row):  # a licence listed twice by the export's join
            rows.append(rows[-1])
            truth.append(truth[-1])
    _outside_licences(world, deliveries, rows, truth)
    name = f"食品经营许可_{AS_OF:%Y%m}.csv"
    deliveries.csv(name, Table(HEADER, rows, truth))
    deliveries.redeliver(name, f"食品经营许可_{AS_OF:%Y%m}_重发.csv")  # resent: sorts after the original


def _slash(day) -> str:
    return f"{day.year}/{day.month}/{day.day}"


def _outside_licences(world, deliveries, rows, truth) -> None:
    """Licences the district's food office issued elsewhere in the district, listed in the same export."""
    rng = deliveries.rng
    outside = OutsideWorld(rng, world, district_first=True)
    used = {b.credit_code for b in world.businesses}
    for seq in range(len(rows) + 1, len(rows) + 1 + outside_rows(len(rows))):
        category = rng.choice(sorted(_ITEMS))
        place, issued = outside.place(business=True), AS_OF - timedelta(days=rng.randrange(30, 5 * 365))
        kind = "1" if category == "convenience" else "2"
        rows.append(
            [
                f"JY{kind}{DISTRICT_CODE}{seq:06d}{rng.randrange(10)}",
                f"上海{rng.choice(BRANDS)}{CATEGORIES[category][1]}有限公司",
                credit_code(rng, DISTRICT_CODE, False, used),
                place.address,
                _FORMS.get(category, "餐饮服务经营者（小型餐饮）"),
                _ITEMS[category],
                _slash(issued + _TERM - timedelta(days=1)),
                _slash(issued),
            ]
        )
        facts = {
            "entity_type": rows[-1][4],
            "category": _ITEMS[category],
            "valid_from": issued,
            "valid_to": issued + _TERM - timedelta(days=1),
        }
        truth.append({"facts": {**place.facts, **facts}, "names": "out_of_area"})
