"""就业登记 (人社局, M): employment and unemployment registrations, CSV in UTF-8 with a BOM.

The BOM is what the municipal system writes so that Excel opens the file in the right encoding;
失业 rows have no employer; a few registrations were keyed in twice.
"""

from datetime import timedelta

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF

HEADER = ["姓名", "身份证号", "登记类型", "单位名称", "登记日期", "联系电话", "居住地址"]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    employers = [b.legal_name for b in world.businesses if not b.is_individual] or ["上海某某有限公司"]
    rows, truth = [], []
    for p in world.residents:
        kind = "失业" if "unemployed" in p.flags else "就业" if "employed_registered" in p.flags else None
        if kind is None:
            continue
        on = AS_OF - timedelta(days=rng.randrange(10, 900))
        rows.append(
            [
                noise.name(p.name),
                noise.id_number(p.id_number),
                kind,
                rng.choice(employers) if kind == "就业" else None,
                f"{on:%Y/%m/%d}",
                noise.phone(p.phone),
                noise.address(p.home),
            ]
        )
        facts = {"status": kind, "note": rows[-1][3], "valid_from": on}
        truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.home.house_id})
        if noise.hit(noise.rates.duplicate_row):  # registered again at another service window, same day
            rows.append(rows[-1])
            truth.append(truth[-1])
    deliveries.csv(f"就业失业登记_{AS_OF:%Y%m}.csv", Table(HEADER, rows, truth), encoding="utf-8-sig")
