"""City identity on a generated district (``housekey generate --district``): two subdistricts whose households move
between them, each run through the pipeline on its own sources, then linked; the benchmark's district mode
(benchmarks/city_district.py) scores the movers followed against the city-wide truth."""

import csv

from benchmarks.city_district import measure_district
from data_samples.generator.district import generate_district

CODES = ("310101022", "310101023")  # 淮海中路, 瑞金二路
# the houses, the 户籍 register (it stays behind in the subdistrict a person left), and who lives where now (the
# subdistrict a person moved to knows them there, often without their ID number or with a new phone)
SOURCES = ("address_register", "household_registration", "actual_residents")


def test_movers_of_a_generated_district_are_followed_across_its_subdistricts(tmp_path):
    generate_district(tmp_path, people=150, seed=7, codes=CODES, movers=0.2)
    with (tmp_path / "truth" / "moves.csv").open(encoding="utf-8") as f:
        moves = list(csv.DictReader(f))
    assert {m["from_subdistrict"] for m in moves} == set(CODES)
    assert any(m["id_number_shown"] == "no" and m["phone_changed"] == "yes" for m in moves)

    figures = measure_district(tmp_path, SOURCES, engines=("duckdb",))
    followed = figures["duckdb"]
    assert followed["pairs_true"] >= 20  # movers known on both sides
    assert followed["precision"] == 1.0
    assert followed["recall"] >= 0.95
    per_person = figures["duckdb_per_person"]  # a human a subdistrict holds as two persons counts twice there
    assert per_person["pairs_true"] >= followed["pairs_true"]
    assert figures["persons_with_truth"] > 2 * 150 * 0.8
