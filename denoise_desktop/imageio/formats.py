"""Which files are images: suffix and format tables, the size limit, sniffing by content.

Nothing here decodes or imports a codec; the batch, the CLI and the file dialogs ask it what
to list and what an output's suffix will be."""

from __future__ import annotations

import os
from pathlib import Path

MAX_PIXELS = 300_000_000
"""Refuse images whose declared size exceeds this (decompression bombs, absurd headers)."""

MAX_PIXELS_PER_BYTE = {"JPEG": 1024}
"""Pixels one byte of a file may declare: the flattest real images stay far below (JPEG about
260, 1-bit PNG 8 000, lossless WebP 25 000: one grey). A few hundred bytes declaring a huge
canvas (a 780-byte JPEG of 16000×16000) are truncated or hostile, and decoding them would fill
gigabytes with grey over minutes; they are refused from the header."""
DEFAULT_PIXELS_PER_BYTE = 1 << 16


def declared_size_problem(width: int, height: int, file_bytes: int, fmt: str) -> str | None:
    """Why an image of this declared size cannot be decoded from ``file_bytes`` bytes, or None."""
    pixels = width * height
    if pixels > MAX_PIXELS:
        return f"image too large ({width}×{height}, limit {MAX_PIXELS // 1_000_000} megapixels)"
    if pixels > MAX_PIXELS_PER_BYTE.get(fmt, DEFAULT_PIXELS_PER_BYTE) * max(file_bytes, 1):
        return (f"declares {width}×{height} pixels but holds only {file_bytes} bytes "
                "(truncated or forged header); not decoded")
    return None

_FORMAT_BY_SUFFIX = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".webp": "WEBP",
}
_SUFFIX_BY_FORMAT = {"PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif", "BMP": ".bmp", "WEBP": ".webp"}
_FORMAT_ALIASES = {"JPG": "JPEG", "TIF": "TIFF"}
_EIGHT_BIT_ONLY = frozenset({"JPEG", "BMP", "WEBP"})

RAW_EXTENSIONS = frozenset({
    ".3fr", ".ari", ".arw", ".bay", ".cap", ".cr2", ".cr3", ".crw", ".dcr", ".dcs", ".dng", ".drf",
    ".eip", ".erf", ".fff", ".gpr", ".iiq", ".k25", ".kdc", ".mdc", ".mef", ".mos", ".mrw", ".nef",
    ".nrw", ".orf", ".ori", ".pef", ".ptx", ".pxn", ".raf", ".raw", ".rw2", ".rwl", ".rwz", ".sr2",
    ".srf", ".srw", ".sti", ".x3f",
})
"""Suffixes (lower case) of the camera RAW formats LibRaw reads: the one list the app, the
batch, the CLI and the file dialogs use."""

SUPPORTED_EXTENSIONS = frozenset(_FORMAT_BY_SUFFIX)
"""Suffixes read and written (also the training data's image types)."""

_READ_ONLY_FORMATS = {".gif": "GIF"}
READABLE_EXTENSIONS = SUPPORTED_EXTENSIONS | frozenset(_READ_ONLY_FORMATS) | RAW_EXTENSIONS
"""What a batch takes from a folder: the supported types plus read-only GIF (written as PNG)
and camera RAW files (written as 16-bit TIFF)."""


def format_for_suffix(suffix: str) -> str | None:
    """``".JPG"`` → ``"JPEG"``; None for an unsupported suffix."""
    s = suffix.lower()
    if not s.startswith("."):
        s = "." + s
    return _FORMAT_BY_SUFFIX.get(s)


def suffix_for_format(fmt: str) -> str:
    """``"JPEG"`` → ``".jpg"``; raises ValueError for an unknown format."""
    f = _normalise_format(fmt)
    if f is None:
        raise ValueError(f"unsupported image format {fmt!r}")
    return _SUFFIX_BY_FORMAT[f]


def is_supported(path: os.PathLike | str) -> bool:
    """Whether ``path``'s suffix is a format read and written (not GIF, not RAW)."""
    return Path(path).suffix.lower() in SUPPORTED_EXTENSIONS


def output_suffix_for(suffix: str) -> str:
    """The suffix an output keeping its input's format gets: the input's own when it is
    written, ``.tif`` (16 bit) for a camera RAW, else ``.png`` (GIF)."""
    s = suffix if suffix.startswith(".") else "." + suffix
    if format_for_suffix(s):
        return s
    return ".tif" if s.lower() in RAW_EXTENSIONS else ".png"


def _normalise_format(fmt: str) -> str | None:
    f = fmt.strip().upper().lstrip(".")
    f = _FORMAT_ALIASES.get(f, f)
    return f if f in _SUFFIX_BY_FORMAT else None


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head.startswith(b"BM"):
        return "BMP"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return None

