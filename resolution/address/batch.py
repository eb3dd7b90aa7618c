"""Parse and match many distinct addresses on every core: a two-million-record world writes a
million distinct address strings, and one core parses about 20,000 a second.

Each address is read first (normalised: resolution.address.parse.Reading), and each distinct reading is
parsed once: in a generated world 250,000 distinct strings read as 110,000 (５号 and 五号, 3幢 and
3号楼). Parts alike are matched once. Workers are spawned (not forked: the parent holds DuckDB's
threads) and each builds its own copy of the register and gazetteer once; chunks of strings go out to
be read, then chunks of distinct readings to be parsed and matched, and matches come back in order.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from multiprocessing import get_context
from operator import attrgetter
from pathlib import Path

from resolution.address.gazetteer import Gazetteer
from resolution.address.match import HouseMatch, match_house
from resolution.address.parse import Reading, components_of, read_address
from resolution.address.register import Register, RegisteredHouse

PARALLEL_FROM = 50_000  # below this, starting the workers costs more than it saves
_worker: tuple[Register, Gazetteer, dict] | None = None
_HOUSE = attrgetter(*(f.name for f in fields(RegisteredHouse)))


_built: tuple[Register, Gazetteer] | None = None
"""The last register's gazetteer: a resolution matches twice with one register (free texts, then addresses)."""


def _gazetteer(register: Register) -> Gazetteer:
    global _built
    if _built is None or _built[0] is not register:
        _built = (register, Gazetteer.shanghai(register.roads, register.compounds))  # the register's own names
    return _built[1]


def _start(houses: str) -> None:
    global _worker
    register = Register([RegisteredHouse(*house) for house in pickle.loads(Path(houses).read_bytes())])
    _worker = (register, _gazetteer(register), {})


def _read_chunk(texts: list[str]) -> list[Reading]:
    return [read_address(text, _worker[1]) for text in texts]


def _match_chunk(readings: list[Reading]) -> list[HouseMatch]:
    return _match_readings(readings, *_worker)


def _match_readings(
    readings: list[Reading], register: Register, gazetteer: Gazetteer, known: dict[tuple, HouseMatch]
) -> list[HouseMatch]:
    """The match of each reading; ``known`` keeps the match of parts already matched (a match is made of the
    parts alone)."""
    matches = []
    for reading in readings:
        parts = components_of(reading, gazetteer)
        key = tuple(parts.items())
        match = known.get(key)
        if match is None:
            match = known[key] = match_house(register, parts)
        matches.append(match)
    return matches


def _chunks(items: list, workers: int) -> list[list]:
    size = max(1, -(-len(items) // (workers * 8)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def match_addresses(texts: list[str], register: Register, workers: int | None = None) -> list[HouseMatch]:
    """The match of each address, in order; on several processes when there are many."""
    workers = workers or (os.cpu_count() or 1 if len(texts) >= PARALLEL_FROM else 1)
    if workers < 2:
        gazetteer = _gazetteer(register)
        readings = [read_address(text, gazetteer) for text in texts]
        distinct = list(dict.fromkeys(readings))
        matches = _match_readings(distinct, register, gazetteer, {})
    else:
        # The houses go by file, as plain tuples: a worker's arguments larger than a pipe's buffer would hold the
        # parent until that worker has started, one worker after the other.
        with tempfile.TemporaryDirectory(prefix="housekey-register-") as folder:
            houses = Path(folder) / "houses.pickle"
            houses.write_bytes(pickle.dumps([_HOUSE(house) for house in register.houses]))
            with ProcessPoolExecutor(
                workers, mp_context=get_context("spawn"), initializer=_start, initargs=(str(houses),)
            ) as pool:
                readings = [reading for chunk in pool.map(_read_chunk, _chunks(texts, workers)) for reading in chunk]
                distinct = list(dict.fromkeys(readings))
                matches = [match for chunk in pool.map(_match_chunk, _chunks(distinct, workers)) for match in chunk]
    matched = dict(zip(distinct, matches, strict=True))
    return [matched[reading] for reading in readings]
