"""Read a source's pending files ahead of their landing, on the other cores: reading is Python, one core a file
(26 weekly patrol files of a 200,000-person subdistrict take 15 s), while the landing of the file before it is
DuckDB's. Files come back in the order given, each read or with the ReadError that stopped it.

Workers are spawned (not forked: the caller holds DuckDB's threads), and at most one file more than there are
workers is read ahead, so memory holds a few files, not the source.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from connectors.landing import DeliveryFile
from connectors.readers import Delivered, ReadError, read_delivery
from connectors.spec import SourceSpec
from warehouse.raw import without_dropped

READ_AHEAD_FROM_BYTES = 64 * 2**20
"""Below this, starting the workers (about a second) costs more than reading alongside saves."""


def read(file: DeliveryFile, spec: SourceSpec) -> Delivered | ReadError:
    """The file as read, without the columns the spec drops (their values never leave the reader), or why not."""
    if file.refused:  # a link out of the source's folder is never followed
        return ReadError(file.refused)
    try:
        return without_dropped(read_delivery(file.path, spec), spec)
    except ReadError as error:
        return error


def read_in_order(files: list[DeliveryFile], spec: SourceSpec) -> Iterator[tuple[DeliveryFile, Delivered | ReadError]]:
    """Each file with what ``read`` made of it, in order; read ahead on other processes when the files are many and
    large. A caller that stops early (a delivery held for drift) leaves the rest unread."""
    workers = min(os.cpu_count() or 1, len(files))
    if workers < 2 or sum(file.file_bytes or 0 for file in files) < READ_AHEAD_FROM_BYTES:
        yield from ((file, read(file, spec)) for file in files)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        waiting: deque[tuple[DeliveryFile, Future]] = deque()
        upcoming = iter(files)
        try:
            for file in upcoming:
                waiting.append((file, pool.submit(read, file, spec)))
                if len(waiting) > workers:
                    done, future = waiting.popleft()
                    yield done, future.result()
            while waiting:
                done, future = waiting.popleft()
                yield done, future.result()
        finally:
            for _, future in waiting:
                future.cancel()
