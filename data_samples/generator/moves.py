"""People who move from one subdistrict of the district to another, as households, on a move day.

A moving household lives in subdistrict A until its move day, then in a free home of subdistrict B that its
head bought, or that it rents from an owner of B if it rented in A. A's world keeps them as people who left
(no home, ``previous_home`` the old one, ``moved_out`` the day, flag ``moved_away``): A's sources know them
before the move (the events they were part of, all earlier than the move day; the October snapshot if they
left in October; the 户籍 register, since 户籍 stays behind; their lease, registered before the move). B's
world gets them as new people of its own (new person ids, flags ``moved`` and ``arrived``, ``moved_in`` the
day): same name, sex and birth date, sometimes a new phone, and sometimes no ID number at all, as B's systems
never saw it; some call 12345 about the new home after the move. Only facts that do not depend on where one
lives go with them (a disability, service).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from data_samples.generator.events import HOUSE_COMPLAINTS, Event
from data_samples.generator.geography import House
from data_samples.generator.identifiers import mobile
from data_samples.generator.population import AS_OF, Person
from data_samples.generator.world import World

NEW_PHONE_SHARE = 0.3  # movers who took a new number with the new home
NO_ID_SHARE = 0.25  # movers the new subdistrict's systems hold without an ID number
CALL_SHARE = 0.25  # moved households who call 12345 about their new home after the move
_KEPT_FLAGS = frozenset({"disabled", "veteran", "elderly_alone", "talent"})  # facts that move with the person


@dataclass(frozen=True)
class Move:
    """One person's move: who they were in A, who they are in B, and when."""

    left: Person
    """The person in A's world (``moved_out`` set, no home)."""
    arrived: Person
    """The same human in B's world."""
    origin: str
    destination: str
    moved_on: date
    from_house: House
    to_house: House


def _move_age(rng: random.Random) -> int:
    """Days between a move and the world's today (1-699): recent moves likelier, a few within the last month."""
    return 1 + round(698 * rng.random() ** 2)


def _last_seen(world: World) -> dict[str, date]:
    """The day of each person's latest event in the world: a move comes after it."""
    seen: dict[str, date] = {}
    for event in world.events:
        for person in (event.person, *event.participants):
            if person is not None:
                day = event.occurred.date()
                seen[person.person_id] = max(seen.get(person.person_id, day), day)
    return seen


def _free_homes(rng: random.Random, world: World) -> list[House]:
    """Homes nobody lives in, lived in, rents or owns: where a moving household can buy."""
    taken = set()
    for p in world.people:
        taken.update(h.house_id for h in (p.home, p.previous_home, p.rents, *p.owns) if h is not None)
    free = [h for h in world.houses if h.kind == "home" and h.house_id not in taken]
    rng.shuffle(free)
    return free


def _households(world: World) -> list[list[Person]]:
    """The world's own resident households (a group rental's tenants do not move together), head first."""
    households: dict[str, list[Person]] = {}
    for person in world.residents:
        if person.household_id and person.relation != "租客" and "moved" not in person.flags:
            households.setdefault(person.household_id, []).append(person)
    return list(households.values())


def move_people(rng: random.Random, worlds: list[World], share: float) -> list[Move]:
    """Move about `share` of each world's residents, household by household, to the other worlds; return the moves."""
    free = {w.subdistrict.code: _free_homes(rng, w) for w in worlds}
    counts = {w.subdistrict.code: len({p.household_id for p in w.people if p.household_id}) for w in worlds}
    candidates = {w.subdistrict.code: (_households(w), _last_seen(w), round(share * len(w.residents))) for w in worlds}
    moves: list[Move] = []
    for world in worlds:
        households, last_seen, wanted = candidates[world.subdistrict.code]
        rng.shuffle(households)
        moved = 0
        for members in households:
            if moved >= wanted:
                break
            day = AS_OF - timedelta(days=_move_age(rng))
            latest = max((last_seen[p.person_id] for p in members if p.person_id in last_seen), default=None)
            if latest is not None and day <= latest:
                day = latest + timedelta(days=rng.randrange(1, 30))
            destination = rng.choice([w for w in worlds if w is not world])
            if day >= AS_OF or not free[destination.subdistrict.code]:
                continue  # seen here until the last days, or nowhere left to buy
            counts[destination.subdistrict.code] += 1
            moves.extend(_move(rng, world, destination, members, day, free[destination.subdistrict.code].pop(), counts))
            moved += len(members)
    return moves


def _move(
    rng: random.Random, origin: World, destination: World, members: list[Person], day: date, house: House, counts
) -> list[Move]:
    """Move one household: a tenant household rents again from an owner of B, any other buys."""
    prefix = destination.subdistrict.id_prefix
    household_id = f"HH{prefix}{counts[destination.subdistrict.code]:06d}"
    renting = any(p.rents is not None for p in members)
    landlord = rng.choice([p for p in destination.people if p.owns]) if renting else None
    moves = []
    for person in members:
        arrived = Person(
            f"P{prefix}{len(destination.people) + 1:07d}",
            person.name,
            person.sex,
            person.birth,
            "" if rng.random() < NO_ID_SHARE else person.id_number,
            mobile(rng) if rng.random() < NEW_PHONE_SHARE else person.phone,
            household_id,
            person.relation,
            home=house,
            moved_in=day,
            flags=(person.flags & _KEPT_FLAGS) | {"moved", "arrived"},
        )
        if landlord is None and not moves:
            arrived.owns.append(house)  # the head bought the new home
        elif landlord is not None and person.rents is not None:  # the adults sign the new lease
            arrived.rents, arrived.landlord = house, landlord
            arrived.flags.add("tenant")
        destination.people.append(arrived)
        old = person.home
        # A keeps the lease they had (registered before the move) and the 户籍 they left behind
        person.home, person.previous_home, person.moved_in, person.moved_out = None, old, None, day
        person.flags = (person.flags - {"moved"}) | {"moved_away"}
        moves.append(Move(person, arrived, origin.subdistrict.code, destination.subdistrict.code, day, old, house))
    if landlord is not None:
        landlord.owns.append(house)
    if rng.random() < CALL_SHARE and (AS_OF - day).days > 1:
        _call(rng, destination, moves[0].arrived, day)
    return moves


def _call(rng: random.Random, world: World, caller: Person, day: date) -> None:
    """A 12345 call about the new home, some days after the move and within the hotline's year of exports."""
    first = max(day + timedelta(days=1), AS_OF - timedelta(days=364))
    category, text = rng.choice(sorted(HOUSE_COMPLAINTS.items()))
    occurred = datetime(first.year, first.month, first.day, 8) + timedelta(
        days=rng.randrange(0, (AS_OF - first).days), minutes=rng.randrange(0, 12 * 60)
    )
    event_id = f"E{world.subdistrict.id_prefix}{len(world.events) + 1:07d}"
    closed = occurred + timedelta(hours=rng.randrange(12, 212))
    world.events.append(
        Event(event_id, "complaint", category, caller.home, occurred, text, person=caller, closed=closed)
    )
