"""The landing zone: the folder where departments drop their exports, one sub-folder per source.

The root is ``$HOUSEKEY_LANDING`` (default ``data_samples/landing`` in the repository). A source's
deliveries are the files in ``<root>/<source name>/`` that match the spec's ``files`` glob (for a
workbook source, with any workbook extension), in name order. A delivery is identified by its
content (sha256), not its name: the same bytes delivered twice under two names are one delivery.
A symbolic link is followed only to a file inside the source's folder; any other link (out of the
folder, broken, looping) is offered as a refused delivery, so it is reported, never read.

Every other entry of the folder is reported with the reason it is not read (``Unread``): ignored
(another pattern, a folder, a lock file), or waiting (modified within the spec's ``settle_seconds``
of the clock passed in, or without its ``ready_marker``), which is offered again on the next run.

A file's content hash is read again only when its ``file_stat`` changed since it was last hashed (the caller keeps
what was hashed, ``Survey.hashed``): a folder of weeks of exports costs a listing, not a read of every byte, per run.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors.spec import SourceSpec

REPO_ROOT = Path(__file__).resolve().parent.parent
LANDING_ENV = "HOUSEKEY_LANDING"
WORKBOOK_EXTENSIONS = ("xlsx", "xlsm", "xls", "ods")
"""What calamine reads as a workbook (an xlsm's macros are never run: calamine reads cells only)."""
RACY_SECONDS = 2
"""A file changed this recently has its hash kept for no stat: the file system's clock ticks coarsely (a jiffy), so
a second write within the tick of the first would leave the stat as it was (git's "racy" files)."""


@dataclass(frozen=True)
class DeliveryFile:
    """One file waiting in the landing zone."""

    path: Path
    file_hash: str
    """sha256 of the bytes, hex (of the link's target path for a refused link)."""
    file_bytes: int | None
    refused: str | None = None
    """Why the file must not be read (a link out of the source's folder), naming it; None to read it."""

    @property
    def file_name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Unread:
    """An entry of the landing folder that this run does not read, and why."""

    name: str
    reason: str
    waiting: bool = False
    """True: maybe still being written, offered again on the next run; False: ignored."""

    def __str__(self) -> str:
        return f"{'waiting' if self.waiting else 'ignored'}: {self.name}: {self.reason}"


@dataclass(frozen=True)
class Survey:
    """What a source's landing folder holds for this run."""

    pending: list[DeliveryFile] = field(default_factory=list)
    """Deliveries to read (or record as refused), in name order."""
    unread: list[Unread] = field(default_factory=list)
    """Every other entry, ignored or waiting, with its reason (completion markers excepted)."""
    hashed: dict[str, tuple[str, str]] = field(default_factory=dict)
    """File name -> (``file_stat``, content hash) of every file read this survey whose hash was not known."""


def landing_root() -> Path:
    """The landing zone root: ``$HOUSEKEY_LANDING`` or ``<repo>/data_samples/landing``."""
    return Path(os.environ.get(LANDING_ENV) or REPO_ROOT / "data_samples" / "landing")


def source_folder(spec: SourceSpec, root: Path | None = None) -> Path:
    """The folder a source's deliveries are dropped into (below ``root``, default ``landing_root()``)."""
    return (root or landing_root()) / spec.name


def delivery_paths(spec: SourceSpec, root: Path | None = None) -> list[Path]:
    """The source's delivered files (see ``matches``) that can be opened, sorted by name (none if no
    folder), for callers that stat or hash them (sensors, source check). A broken or looping link is
    left out here; ``survey`` offers it as a refused delivery, so the run reports it."""
    return [path for path in _listing(spec, root)[0] if os.path.exists(path)]


def matches(spec: SourceSpec, name: str) -> bool:
    """Whether a file name is one of the source's deliveries: it matches ``spec.files`` or, for a
    workbook source, does so with another workbook extension (名册.xlsm for a glob of *.xlsx)."""
    if fnmatch.fnmatchcase(name, spec.files):
        return True
    stem, dot, extension = name.rpartition(".")
    return (
        spec.format == "excel"
        and bool(dot)
        and extension.lower() in WORKBOOK_EXTENSIONS
        and any(fnmatch.fnmatchcase(f"{stem}.{other}", spec.files) for other in WORKBOOK_EXTENSIONS)
    )


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes as hex, read in chunks so large exports never sit in memory."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def file_stat(stat: os.stat_result) -> str:
    """What says a file is unchanged without reading it (git's index does the same): its device, inode, size and
    modification and change times in ns. Any write moves the change time, which no copy tool can set back, and a
    file replaced by another is another inode."""
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def survey(
    spec: SourceSpec,
    recorded: set[tuple[str, str]],
    root: Path | None = None,
    now: float | None = None,
    known: dict[str, tuple[str, str]] | None = None,
) -> Survey:
    """The source's deliveries not yet recorded, and the folder's entries not read with why.

    ``recorded`` holds the (file name, file hash) pairs the warehouse already accounts for. A file
    whose content changed under the same name is pending again; a known content under a new name
    is pending too, so the loader can record it as a re-delivery. ``now`` (seconds since the epoch)
    is the clock a file's modification time is measured against: a file changed less than
    ``spec.settle_seconds`` before it waits; without a clock no file waits for settling. A file
    whose ``spec.ready_marker`` is missing waits too. ``known`` maps a file name to the (``file_stat``, hash)
    it was last hashed with: a file whose stat is the same is not read again.
    """
    paths, unread = _listing(spec, root)
    folder = source_folder(spec, root).resolve()
    known = known or {}
    pending, hashed = [], {}
    for path in paths:
        if refused := _link_out(path, folder):
            link_hash = hashlib.sha256(_target(path).encode()).hexdigest()
            if (path.name, link_hash) not in recorded:
                pending.append(DeliveryFile(path, link_hash, None, refused))
            continue
        if waiting := _waiting(spec, path, now):
            unread.append(Unread(path.name, waiting, waiting=True))
            continue
        stat = path.stat()
        stat_now = file_stat(stat)
        stat_then, file_hash = known.get(path.name, (None, None))
        if stat_then != stat_now:
            file_hash = hashed_now = content_hash(path)
            if file_stat(path.stat()) == stat_now and time.time() - stat.st_ctime > RACY_SECONDS:
                hashed[path.name] = (stat_now, hashed_now)  # unchanged while read, and any later write shows
        if (path.name, file_hash) not in recorded:
            pending.append(DeliveryFile(path, file_hash, stat.st_size))
    return Survey(pending, sorted(unread, key=lambda entry: entry.name), hashed)


def _listing(spec: SourceSpec, root: Path | None) -> tuple[list[Path], list[Unread]]:
    """The folder's entries: the deliveries, and every other entry with why it is not one."""
    folder = source_folder(spec, root)
    if not folder.is_dir():
        return [], []
    entries = sorted(folder.iterdir())
    markers = {_marker(spec, path.name) for path in entries} if spec.ready_marker else set()
    deliveries, ignored = [], []
    for path in entries:
        if path.name in markers:
            continue  # a completion marker belongs to its delivery
        if path.name.startswith("~$"):
            ignored.append(
                Unread(path.name, "an Office lock file (the workbook is open, or Excel stopped): not a delivery")
            )
        elif path.name.startswith("."):
            ignored.append(Unread(path.name, "a hidden file: not a delivery"))
        elif not matches(spec, path.name):
            ignored.append(Unread(path.name, f"does not match the source's files pattern {spec.files!r}: not read"))
        elif path.is_symlink():
            deliveries.append(path)
        elif path.is_dir():
            ignored.append(
                Unread(
                    path.name,
                    "a folder named like a delivery (deliveries are files directly in the source's folder): not read",
                )
            )
        elif not path.is_file():
            ignored.append(Unread(path.name, "not a regular file (a pipe or a device): never opened"))
        else:
            deliveries.append(path)
    return deliveries, ignored


def _marker(spec: SourceSpec, name: str) -> str:
    return (spec.ready_marker or "").replace("{name}", name)


def _waiting(spec: SourceSpec, path: Path, now: float | None) -> str | None:
    """Why a delivery may still be being written (None: read it)."""
    if spec.ready_marker and not (path.parent / _marker(spec, path.name)).is_file():
        return f"its completion marker {_marker(spec, path.name)!r} is not there yet: offered again on the next run"
    if now is not None and (age := now - path.stat().st_mtime) < spec.settle_seconds:
        return (
            f"modified {max(age, 0):.0f} s ago, less than the {spec.settle_seconds} s a delivery must rest "
            "(settle_seconds); maybe still being written: offered again on the next run"
        )
    return None


def _target(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # a link loop: Python 3.11 raises RuntimeError, later ones OSError
        return os.readlink(path)


def _link_out(path: Path, folder: Path) -> str | None:
    """Why a link must not be followed: its target is not a file inside the source's folder, or it loops."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:
        loops = isinstance(error, RuntimeError) or getattr(error, "errno", None) == 40  # ELOOP
        what = "a link that loops" if loops else f"a link to {os.readlink(path)}, which does not exist"
        return f"file {path} is {what}, not a file inside the source's landing folder: not read"
    if not (target.is_file() and target.is_relative_to(folder)):
        return f"file {path} is a link to {target}, which is not a file inside the source's landing folder: not read"
    return None
