"""Decode a delivered text file: find its encoding, refuse binary files and mojibake.

Detection order: a byte-order mark (UTF-8, UTF-16 LE/BE); UTF-16 without a BOM by its pattern of
NUL bytes; strict UTF-8; UTF-8 with a few bad bytes among much good Chinese (a GBK line pasted into
a UTF-8 file); strict GBK; GB18030 (strict, else with U+FFFD for undecodable bytes). An explicit
encoding in the spec (anything but "detect") is used as given, unless it is a GB codec and the bytes
are plainly UTF-8. Either way the decoded text is checked: too many U+FFFD, private-use or control
characters, or (for the GB codecs) a Chinese text made mostly of rare characters, means the bytes
were read with the wrong encoding. A few stray NUL bytes in a text file become U+FFFD, so their rows
are reported as unreadable; many mean a binary file.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from connectors.readers import ReadError

REPLACEMENT = "\ufffd"
_SIGNATURES = {
    b"PK\x03\x04": "a zip archive, e.g. an xlsx workbook",
    b"\xd0\xcf\x11\xe0": "an OLE2 file, e.g. a legacy xls workbook",
    b"%PDF": "a PDF document",
}
# Private use areas, C0 controls other than tab/newlines/form feed, C1 controls.
_UNLIKELY = re.compile(r"[\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0e-\x1f\x7f-\x9f" + REPLACEMENT + "]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MAX_UNLIKELY_SHARE = 0.02
_MAX_RARE_CJK_SHARE = 0.30  # UTF-8 bytes read as GBK give about 60% non-GB2312 characters
_SAMPLE_CHARS = 200_000
_MAX_NUL_SHARE = 0.001
_GB_CODECS = ("gbk", "gb18030", "gb2312", "cp936")


@dataclass(frozen=True)
class DecodedText:
    """A text file's content as str, the encoding it was read with, and how many characters of it
    stand for undecodable bytes (U+FFFD) that the reader should report as unreadable rows."""

    text: str
    encoding: str
    replaced: int = 0
    nul_bytes: int = 0

    @property
    def replacement_reason(self) -> str:
        """Why a row holding U+FFFD is unreadable."""
        what = "undecodable or NUL bytes" if self.nul_bytes else "undecodable bytes"
        return f"{what} for encoding {self.encoding}"


def decode_file(path: Path, encoding: str = "detect") -> DecodedText:
    """Read and decode ``path``; ``encoding`` is the spec's (a codec name, or "detect").

    Raises ReadError naming the file when it is binary, the encoding is unknown, or the text is
    mojibake. An empty file decodes to "" (the reader decides whether that is an error).
    """
    data = path.read_bytes()
    if not data:
        return DecodedText("", "utf-8" if encoding == "detect" else encoding)
    _refuse_binary_signature(data, path)
    if encoding == "detect":
        text, name = _detect_and_decode(data, path)
    else:
        name = _codec_name(encoding, path)
        if not name.startswith(("utf-16", "utf-32")):
            _refuse_many_nuls(data, path)
        if name in _GB_CODECS:
            _refuse_plain_utf8(data, name, path)
        text = data.decode(name, errors="replace")
    text = text.removeprefix("\ufeff")
    nul_bytes = text.count("\x00")
    text = text.replace("\x00", REPLACEMENT)
    _check_plausible(text, name, path)
    return DecodedText(text, name, text.count(REPLACEMENT), nul_bytes)


def _refuse_many_nuls(data: bytes, path: Path) -> None:
    if data.count(0) > _MAX_NUL_SHARE * len(data):
        raise ReadError(f"file {path} is binary, not text (it holds NUL bytes)")


def _refuse_plain_utf8(data: bytes, encoding: str, path: Path) -> None:
    """GBK bytes are almost never valid UTF-8 with Chinese in it: such a file is UTF-8, whatever the spec says."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if len(_CJK.findall(text[:_SAMPLE_CHARS])) >= 3:
        raise ReadError(
            f"file {path} does not read as {encoding}: it is UTF-8 (set the source spec's encoding to utf-8 or detect)"
        )


def _codec_name(encoding: str, path: Path) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ReadError(f"file {path}: unknown encoding {encoding!r} in the source spec") from None


def _refuse_binary_signature(data: bytes, path: Path) -> None:
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise ReadError(f"file {path} is binary, not text (it looks like {what})")


def _detect_and_decode(data: bytes, path: Path) -> tuple[str, str]:
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(name.removesuffix("-sig"), errors="replace"), name
    if b"\x00" in data:
        name = _utf16_by_nul_pattern(data[:4096])
        if name is not None:
            return data.decode(name, errors="replace"), name
        _refuse_many_nuls(data, path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        utf8 = data.decode("utf-8", errors="replace")
    replaced = utf8.count(REPLACEMENT)
    # a GBK file read as UTF-8 is mostly U+FFFD: too few other characters to count the Chinese ones
    if len(utf8) - replaced >= 10 * replaced and len(_CJK.findall(utf8)) >= 10 * replaced:
        return utf8, "utf-8"
    for name in ("gbk", "gb18030"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def _utf16_by_nul_pattern(sample: bytes) -> str | None:
    """UTF-16 text without a BOM has its NULs (high bytes of ASCII) on one side of each pair."""
    even = sum(1 for i in range(0, len(sample) - 1, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, len(sample), 2) if sample[i] == 0)
    pairs = len(sample) // 2
    if odd >= 0.1 * pairs and even <= 0.05 * odd:
        return "utf-16-le"
    if even >= 0.1 * pairs and odd <= 0.05 * even:
        return "utf-16-be"
    return None


def _check_plausible(text: str, encoding: str, path: Path) -> None:
    sample = text[:_SAMPLE_CHARS]
    unlikely = len(_UNLIKELY.findall(sample))
    if unlikely >= 2 and unlikely > _MAX_UNLIKELY_SHARE * len(sample):
        raise ReadError(
            f"file {path} does not read as {encoding}: {unlikely} of {len(sample)} characters are "
            "undecodable or unlikely (wrong encoding?)"
        )
    if encoding in _GB_CODECS:
        cjk = Counter(_CJK.findall(sample))
        total = sum(cjk.values())
        rare = sum(n for ch, n in cjk.items() if not _in_gb2312(ch))
        if total >= 20 and rare > _MAX_RARE_CJK_SHARE * total:
            raise ReadError(
                f"file {path} does not read as {encoding}: {rare} of {total} Chinese characters are "
                "rare ones, typical of mojibake (is it UTF-8?)"
            )


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
