"""外摆位 (区城管执法局, D): CSV in GB18030, the outdoor-seating permits in force.

Each permit names the applicant (legal name), the shop sign and the pavement it may use, with
hours as "10:00-22:00" and dates as "2026年3月5日"; not every applicant gave a credit code.
"""

from datetime import timedelta

from data_samples.generator.english import english_address
from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["申请主体", "店招", "统一社会信用代码", "外摆位置", "外摆面积(㎡)", "许可时段", "许可起", "许可止"]
_FOREIGN_RUN = ("cafe", "bar", "restaurant", "bakery")  # where foreign owners and chefs are many in this area
ENGLISH_SHARE = 0.2
_PLACES = ("门前人行道", "门前退界区域", "店铺外侧广场")


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    rows, truth = [], []
    for b in (b for b in world.businesses if "outdoor_seating" in b.flags):
        start = AS_OF - timedelta(days=rng.randrange(10, 360))  # yearly permits
        end = start + timedelta(days=364)
        hours = rng.choice(("10:00-22:00", "08:00-21:00", "11:00-23:00", "07:30-20:00"))
        rows.append(
            [
                b.legal_name,
                b.shop_name,
                b.credit_code if noise.hit(0.9) else None,
                _where(noise, rng, b) + rng.choice(_PLACES),
                rng.choice((4, 6, 8, 10, 12, 15)),
                hours,
                _cn(start),
                _cn(end),
            ]
        )
        facts = {"area_m2": rows[-1][4], "hours": hours, "valid_from": start, "valid_to": end}
        truth.append({"facts": facts, "business_id": b.business_id, "house_id": b.house.house_id})
    deliveries.csv(f"外摆位许可_{AS_OF:%Y%m}.csv", Table(HEADER, rows, truth), encoding="gb18030")


def _cn(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _where(noise, rng, business) -> str:
    """The shop's door as the applicant wrote it: a foreign-run café or bar copies it from its English lease."""
    if business.category in _FOREIGN_RUN and rng.random() < ENGLISH_SHARE:
        return english_address(rng, business.house) + " "
    return noise.address(business.house, prefix=False)
