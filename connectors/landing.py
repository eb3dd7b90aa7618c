"""The landing zone: the folder where departments drop their exports, one sub-folder per source.

The root is ``$HOUSEKEY_LANDING`` (default ``data_samples/landing`` in the repository). A source's
deliveries are the files in ``<root>/<source name>/`` that match the spec's ``files`` glob, in
name order. A delivery is identified by its content (sha256), not its name: the same bytes
delivered twice under two names are one delivery. A symbolic link is followed only to a file inside
the source's folder; any other link is offered as a refused delivery, so it is reported, never read.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from connectors.spec import SourceSpec

REPO_ROOT = Path(__file__).resolve().parent.parent
LANDING_ENV = "HOUSEKEY_LANDING"


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


def landing_root() -> Path:
    """The landing zone root: ``$HOUSEKEY_LANDING`` or ``<repo>/data_samples/landing``."""
    return Path(os.environ.get(LANDING_ENV) or REPO_ROOT / "data_samples" / "landing")


def source_folder(spec: SourceSpec, root: Path | None = None) -> Path:
    """The folder a source's deliveries are dropped into (below ``root``, default ``landing_root()``)."""
    return (root or landing_root()) / spec.name


def delivery_paths(spec: SourceSpec, root: Path | None = None) -> list[Path]:
    """The source's delivered files matching ``spec.files``, sorted by name (none if no folder)."""
    folder = source_folder(spec, root)
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob(spec.files)
        # hidden files and Office lock files (~$名单.xlsx) are not deliveries; a link is one even if broken
        if (path.is_file() or path.is_symlink()) and not path.name.startswith((".", "~$"))
    )


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes as hex, read in chunks so large exports never sit in memory."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def pending_deliveries(spec: SourceSpec, recorded: set[tuple[str, str]], root: Path | None = None) -> list[DeliveryFile]:
    """Delivered files not yet recorded, in name order.

    ``recorded`` holds the (file name, file hash) pairs the warehouse already accounts for. A file
    whose content changed under the same name is pending again; a known content under a new name
    is pending too, so the loader can record it as a re-delivery.
    """
    pending = []
    folder = source_folder(spec, root).resolve()
    for path in delivery_paths(spec, root):
        if refused := _link_out(path, folder):
            link_hash = hashlib.sha256(str(path.resolve()).encode()).hexdigest()
            if (path.name, link_hash) not in recorded:
                pending.append(DeliveryFile(path, link_hash, None, refused))
            continue
        file_hash = content_hash(path)
        if (path.name, file_hash) not in recorded:
            pending.append(DeliveryFile(path, file_hash, path.stat().st_size))
    return pending


def _link_out(path: Path, folder: Path) -> str | None:
    """Why a link must not be followed: its target is not a file inside the source's folder."""
    target = path.resolve()
    if path.is_symlink() and not (target.is_file() and target.is_relative_to(folder)):
        return f"file {path} is a link to {target}, which is not a file inside the source's landing folder: not read"
    return None
