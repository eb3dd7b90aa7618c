"""家庭医生签约 (区卫健委, D): family-doctor contracts of the community health centre, CSV in GBK.

Contracts run one year and are renewed; the signing doctor is one of the centre's teams.
"""

from datetime import timedelta

from data_samples.generator.formats import Table
from data_samples.generator.population import AS_OF, GIVEN, SURNAMES

HEADER = ["签约编号", "居民姓名", "身份证号", "联系电话", "家庭地址", "签约医生", "签约机构", "签约日期", "到期日期"]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    doctors = [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(12)]
    rows, truth = [], []
    for p in world.residents:
        if "family_doctor" not in p.flags:
            continue
        signed = AS_OF - timedelta(days=rng.randrange(1, 365))
        rows.append(
            [
                f"JY{len(rows) + 1:07d}",
                noise.name(p.name),
                noise.id_number(p.id_number),
                noise.phone(p.phone),
                noise.address(p.home),
                rng.choice(doctors),
                f"{world.subdistrict.name}社区卫生服务中心",
                f"{signed:%Y%m%d}",
                f"{signed + timedelta(days=365):%Y%m%d}",
            ]
        )
        facts = {
            "note": rows[-1][5],
            "category": rows[-1][6],
            "valid_from": signed,
            "valid_to": signed + timedelta(days=365),
        }
        truth.append({"facts": facts, "person_id": p.person_id, "house_id": p.home.house_id})
        if noise.hit(noise.rates.duplicate_row):  # listed twice by the export's join with health records
            rows.append(rows[-1])
            truth.append(truth[-1])
    deliveries.csv(f"家庭医生签约_{AS_OF:%Y%m}.csv", Table(HEADER, rows, truth), encoding="gbk")
