"""Noisy addresses of the sample world parse to the components of their true house."""

import random

from data_samples.generator.noise import Noise, NoiseRates
from data_samples.generator.world import build_world
from resolution.address.gazetteer import Gazetteer
from resolution.address.parse import parse

CHECKED = ("road", "lane_no", "door_no", "building_no", "unit_no", "room_no")


def test_components_agree_with_the_true_house():
    world = build_world(5000, seed=20261101)
    register = Gazetteer.shanghai(
        sorted({h.road for h in world.houses}), sorted({h.compound for h in world.houses if h.compound})
    )
    rng = random.Random(4)
    noise = Noise(rng, NoiseRates())
    houses = [rng.choice(world.houses) for _ in range(2000)]
    agree, wrong = 0, []
    for house in houses:
        text = noise.address(house)
        truth = {
            "road": house.road,
            "lane_no": house.lane_no,
            "door_no": house.door,  # 20甲 for a door beside 20
            "building_no": house.building_no,
            "unit_no": house.unit_no,
            "room_no": house.room_no,
        }
        expected = {key: str(value) for key, value in truth.items() if value is not None}
        components = parse(text, register).components
        if {key: components[key] for key in CHECKED if key in components} == expected:
            agree += 1
        else:
            wrong.append((text, expected, components))
    share = agree / len(houses)
    print(f"sample world: components agree with the true house for {share:.2%} of {len(houses)} noisy addresses")
    assert share >= 0.98, wrong[:10]
