"""The sample world's businesses: one per occupied shop or office, with legal and shop-sign names.

Residents name a business by its sign ("阿明面馆(进贤路店)"); its licence holds the legal name
("上海阿明餐饮管理有限公司") and the unified social credit code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from data_samples.generator.geography import DISTRICT_CODE, House
from data_samples.generator.identifiers import credit_code, mobile
from data_samples.generator.population import AS_OF, Person

# category: (sign word, legal-name industry, is food business, weight)
CATEGORIES = {
    "cafe": ("咖啡", "餐饮管理", True, 14),
    "bar": ("酒吧", "餐饮管理", True, 6),
    "noodle": ("面馆", "餐饮", True, 8),
    "restaurant": ("餐厅", "餐饮管理", True, 12),
    "snack": ("小吃", "餐饮", True, 6),
    "bakery": ("烘焙", "食品", True, 4),
    "tea": ("茶饮", "餐饮管理", True, 5),
    "convenience": ("便利店", "商贸", True, 6),
    "hair": ("美发", "美容美发", False, 7),
    "laundry": ("洗衣", "洗涤服务", False, 3),
    "florist": ("花艺", "园艺", False, 3),
    "clothing": ("服饰", "服饰", False, 8),
    "agency": ("房产", "房地产经纪", False, 4),
    "office": ("工作室", "文化传播", False, 0),
}
BRANDS = (
    "阿明",
    "小杨",
    "老街",
    "弄堂",
    "梧桐",
    "思南",
    "瑞金",
    "花园",
    "半岛",
    "南昌",
    "金谷",
    "永兴",
    "福记",
    "德兴",
    "光明",
    "红宝石",
    "蓝山",
    "星光",
    "月湾",
    "慢时光",
    "拾光",
    "一叶",
    "三味",
    "旧时",
    "初见",
    "九月",
    "木子",
    "禾苗",
    "小鹿",
    "橙子",
    "米粒",
    "豆子",
    "青石",
)


@dataclass(slots=True)
class Business:
    business_id: str
    credit_code: str
    legal_name: str
    shop_name: str
    category: str
    house: House
    owner: Person
    phone: str
    opened: date
    is_individual: bool
    flags: set[str]


def build_businesses(
    rng: random.Random,
    premises: list[House],
    owners: list[Person],
    id_prefix: str = "",
    taken: frozenset[str] = frozenset(),
) -> list[Business]:
    """A business in most shops and offices; some cafés pour cocktails at night (日咖夜酒). No credit code is in `taken`."""
    used: set[str] = set(taken)
    businesses = []
    cats = [c for c in CATEGORIES if c != "office"]
    weights = [CATEGORIES[c][3] for c in cats]
    for house in premises:
        if rng.random() > 0.88:
            continue  # vacant shop
        category = "office" if house.kind == "office" else rng.choices(cats, weights)[0]
        sign_word, industry, _, _ = CATEGORIES[category]
        brand = rng.choice(BRANDS)
        individual = category in ("noodle", "snack", "hair", "laundry") and rng.random() < 0.7
        owner = rng.choice(owners)
        if individual:  # 个体工商户: legal name is the district plus the owner's shop
            legal_name = f"黄浦区{owner.name}{sign_word}店"
        else:
            legal_name = f"上海{brand}{industry}有限公司"
        branch = f"({house.road}店)" if rng.random() < 0.6 else ""
        shop_name = f"{brand}{sign_word}{branch}"
        flags = set()
        if category == "cafe" and rng.random() < 0.3:
            flags.add("coffee_bar")  # coffee by day, bar by night
        if category in ("cafe", "bar", "restaurant", "tea") and rng.random() < 0.35:
            flags.add("outdoor_seating")
        businesses.append(
            Business(
                business_id=f"B{id_prefix}{len(businesses) + 1:06d}",
                credit_code=credit_code(rng, DISTRICT_CODE, individual, used),
                legal_name=legal_name,
                shop_name=shop_name,
                category=category,
                house=house,
                owner=owner,
                phone=rng.choice((mobile(rng), f"021{rng.randrange(5000_0000, 6500_0000)}")),
                opened=AS_OF - timedelta(days=rng.randrange(60, 3650)),
                is_individual=individual,
                flags=flags,
            )
        )
    return businesses


def is_food(business: Business) -> bool:
    return CATEGORIES[business.category][2]
