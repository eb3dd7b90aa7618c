"""网格巡查 (街道网格化综合管理中心 app, S): a continuous JSON-lines stream, one file per week.

Keys as the app emits them (camelCase English); a business's sign name when the finding is at a
shop; photos as a nested list; the stream delivers at least once, so a few events come twice.
"""

from datetime import timedelta

from data_samples.generator.formats import Table
from data_samples.generator.population import GIVEN, SURNAMES

HEADER = ["id", "gridCode", "patrolTime", "location", "shopName", "issueType", "status", "photos", "inspector"]
_PHOTO = "oss://wgh-patrol/{}_{}.jpg"


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng
    grids = sorted({h.grid_code for h in world.houses})
    inspectors = {g: [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(3)] for g in grids}
    weeks: dict = {}
    for e in sorted((e for e in world.events if e.kind == "patrol"), key=lambda e: e.occurred):
        weeks.setdefault((e.occurred - timedelta(days=e.occurred.weekday())).date(), []).append(e)
    for monday, events in weeks.items():
        rows, truth = [], []
        for e in events:
            moment = e.occurred.isoformat()
            event_no = f"XC{moment[:10].replace('-', '')}{e.event_id[1:]}"
            shots = rng.randrange(0, 3) + (e.status != "无需处置")  # a finding has at least one photo
            photos = [_PHOTO.format(event_no, n) for n in range(1, shots + 1)]
            rows.append(
                [
                    event_no,
                    e.house.grid_code,
                    moment + "+08:00",
                    noise.address(e.house, prefix=False),
                    e.business.shop_name if e.business else None,
                    e.category,
                    e.status,
                    photos,
                    rng.choice(inspectors[e.house.grid_code]),
                ]
            )
            facts = {"occurred_at": e.occurred, "category": e.category, "status": e.status}
            truth.append(
                {
                    "facts": facts,
                    "event_id": e.event_id,
                    "house_id": e.house.house_id,
                    "business_id": e.business.business_id if e.business else None,
                }
            )
            if noise.hit(noise.rates.duplicate_row):  # at-least-once delivery: the same event again
                rows.append(rows[-1])
                truth.append(truth[-1])
        deliveries.jsonl(f"patrol_{monday:%Y-%m-%d}.jsonl", Table(HEADER, rows, truth))
