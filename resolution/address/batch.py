"""Parse and match many distinct addresses on every core: a two-million-record world writes a
million distinct address strings, and one core parses about 20,000 a second.

Workers are spawned (not forked: the parent holds DuckDB's threads) and each builds its own copy
of the register and gazetteer once; chunks of strings go out, matches come back in order.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from resolution.address.gazetteer import Gazetteer
from resolution.address.match import HouseMatch, match_house
from resolution.address.parse import parse_components
from resolution.address.register import Register, RegisteredHouse

PARALLEL_FROM = 50_000  # below this, starting the workers costs more than it saves
_worker: tuple[Register, Gazetteer] | None = None


def _gazetteer(register: Register) -> Gazetteer:
    return Gazetteer.shanghai(register.roads, register.compounds)  # the register's own names


def _start(houses: list[RegisteredHouse]) -> None:
    global _worker
    register = Register(houses)
    _worker = (register, _gazetteer(register))


def _match_chunk(texts: list[str]) -> list[HouseMatch]:
    register, gazetteer = _worker
    return [match_house(register, parse_components(text, gazetteer)) for text in texts]


def match_addresses(texts: list[str], register: Register, workers: int | None = None) -> list[HouseMatch]:
    """The match of each address, in order; on several processes when there are many."""
    workers = workers or (os.cpu_count() or 1 if len(texts) >= PARALLEL_FROM else 1)
    if workers < 2:
        gazetteer = _gazetteer(register)
        return [match_house(register, parse_components(text, gazetteer)) for text in texts]
    size = -(-len(texts) // (workers * 8))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_start, initargs=(register.houses,)
    ) as pool:
        return [match for chunk in pool.map(_match_chunk, chunks) for match in chunk]
