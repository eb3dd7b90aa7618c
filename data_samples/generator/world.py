"""A sample world: one subdistrict with its houses, people, businesses and events, from a seed."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from data_samples.generator.businesses import Business, build_businesses
from data_samples.generator.events import Event, Volumes, build_events
from data_samples.generator.geography import SAMPLE_SUBDISTRICT, House, Subdistrict, build_register, load_subdistrict
from data_samples.generator.population import Person, build_population


@dataclass
class World:
    seed: int
    """The seed stream the world and its exports are drawn from (see `world_seed`)."""
    houses: list[House]
    people: list[Person]
    businesses: list[Business]
    events: list[Event]
    subdistrict: Subdistrict
    subdistricts: dict[str, str] = field(default_factory=dict)
    """A district's world: the name of each subdistrict it holds, by code."""

    @property
    def residents(self) -> list[Person]:
        return [p for p in self.people if p.home is not None]

    def subdistrict_of(self, house: House) -> str:
        """The name of the subdistrict a house is in (a district's 12345 dispatches the order to it)."""
        return self.subdistricts.get(house.house_id[:9], self.subdistrict.name)


def world_seed(seed: int, subdistrict: str = SAMPLE_SUBDISTRICT) -> int:
    """The seed itself for the sample subdistrict (its committed bytes), a stream of its own for any other,
    so two subdistricts built with one seed have different people and businesses."""
    if subdistrict == SAMPLE_SUBDISTRICT:
        return seed
    return int.from_bytes(hashlib.sha256(f"{seed}:{subdistrict}".encode()).digest()[:8], "big")


def build_world(
    people: int,
    seed: int = 20261101,
    volumes: Volumes = Volumes(),
    subdistrict: str = SAMPLE_SUBDISTRICT,
    taken: frozenset[str] = frozenset(),
) -> World:
    """A deterministic world of about `people` residents of `subdistrict`: same seed, same world. ID numbers
    and credit codes in `taken` (issued in other worlds of the district) are not issued again."""
    where = load_subdistrict(subdistrict)
    stream = world_seed(seed, subdistrict)
    rng = random.Random(stream)
    houses = build_register(
        rng, where, homes_wanted=int(people / 2.1), shops_wanted=max(40, people // 40), sample_seed=seed
    )
    homes = [h for h in houses if h.kind == "home"]
    population = build_population(rng, homes, people, where.id_prefix, taken)
    adults = [p for p in population if p.home is not None and 25 <= p.age < 70]
    businesses = build_businesses(
        rng, [h for h in houses if h.kind in ("shop", "office")], adults, where.id_prefix, taken
    )
    events = build_events(rng, houses, population, businesses, volumes, where.id_prefix)
    return World(stream, houses, population, businesses, events, where)
