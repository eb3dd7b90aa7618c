"""The sample world: one subdistrict with its houses, people, businesses and events, from a seed."""
from __future__ import annotations

import random
from dataclasses import dataclass

from data_samples.generator.businesses import Business, build_businesses
from data_samples.generator.events import Event, Volumes, build_events
from data_samples.generator.geography import House, build_register
from data_samples.generator.population import Person, build_population


@dataclass
class World:
    seed: int
    houses: list[House]
    people: list[Person]
    businesses: list[Business]
    events: list[Event]

    @property
    def residents(self) -> list[Person]:
        return [p for p in self.people if p.home is not None]


def build_world(people: int, seed: int = 20261101, volumes: Volumes = Volumes()) -> World:
    """A deterministic world of about `people` residents: same seed, same world."""
    rng = random.Random(seed)
    houses = build_register(rng, homes_wanted=int(people / 2.1), shops_wanted=max(40, people // 40))
    homes = [h for h in houses if h.kind == "home"]
    population = build_population(rng, homes, people)
    adults = [p for p in population if p.home is not None and 25 <= p.age < 70]
    businesses = build_businesses(rng, [h for h in houses if h.kind in ("shop", "office")], adults)
    events = build_events(rng, houses, population, businesses, volumes)
    return World(seed, houses, population, businesses, events)
