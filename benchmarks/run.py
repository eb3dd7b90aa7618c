"""`make bench`: a world of 200,000 people (about 2.2 million records) generated once, then the
generator's speed, the whole pipeline against its read-only floor, address resolution on the
committed sample, onboarding the hand-made exports of issue 17, and the latency of one 10,000-record
delivery through the running daemon; every figure printed."""

import json
import tempfile
from pathlib import Path

from benchmarks import (
    address_evaluation,
    city_district,
    city_identity,
    delivery_latency,
    generator_speed,
    incremental,
    ledger_pdf,
    onboarding,
    pipeline_scale,
)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="housekey-bench-") as tmp:
        world = Path(tmp)
        print("== generator: 200,000 people ==")
        for key, value in generator_speed.measure(200_000, out=world).items():
            print(f"{key:>22}: {value}")
        print("== pipeline on that world, beside its floor ==")
        for key, value in pipeline_scale.measure(world).items():
            print(f"{key:>22}: {json.dumps(value) if isinstance(value, dict) else value}")
    print("== address resolution on the committed sample ==")
    address_evaluation.print_report(address_evaluation.evaluate())
    print("== onboarding the hand-made exports of issue 17: draft agreement, rows right, wrong houses and people ==")
    onboarding.report(onboarding.measure())
    print("== one delivery of 10,000 records, landing folder to analyst copy, daemon and sensor running ==")
    for key, value in delivery_latency.measure(10_000).items():
        print(f"{key:>24}: {json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value}")
    print("== housekey run on the sample: full, then with nothing new (no-op), then after 200 new records ==")
    incremental.report(incremental.measure())
    print(
        "== every template ledger of a sample committee through LibreOffice to PDF: one page wide, no ###, IDs whole =="
    )
    ledger_pdf.main([])
    print("== city identity: 3 generated subdistricts of 2,000 persons, 10% movers, on DuckDB beside Spark ==")
    city_identity.report(city_identity.measure())
    print("== city identity on a generated district: 4 subdistricts of 1,000 people, a tenth moving, each run whole ==")
    city_identity.report(city_district.measure_generated(1000))


if __name__ == "__main__":
    main()
