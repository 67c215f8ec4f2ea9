"""Writing: ``write_image`` picks the format, depth and metadata, and falls back field by field.

Atomic (``atomic.atomic_write``: temp file beside the target, ``os.replace`` on success). EXIF
(orientation 1) and ICC are kept by default. PNG and TIFF keep 16 bit; JPEG, WebP and BMP are 8
bit (16-bit data is rounded down to 8). JPEG and BMP cannot hold alpha, so it is dropped there;
WebP has no gray mode, so gray is stored as RGB. WebP at ``quality=100`` is lossless.
A metadata field the encoder refuses (a fuzzed TIFF's garbage DateTime, EXIF that cannot be
parsed) is dropped and the rest kept; ``write_image(notes=[...])`` receives a line saying so.
The encoders themselves are in ``encode``."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from ..progress import Cancelled
from .atomic import _check_complete, atomic_write
from .encode import _encode_png16, _encode_tiff, _write_pillow
from .errors import ImageWriteError
from .formats import _EIGHT_BIT_ONLY, _READ_ONLY_FORMATS, SUPPORTED_EXTENSIONS, _normalise_format, format_for_suffix
from .image_data import ImageData
from .metadata import _exif_orientation_1, _xmp_orientation_1


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if os.path.samefile(a, b):
            return True
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _to_depth(a: np.ndarray, depth: int) -> np.ndarray:
    if depth == 8 and a.dtype == np.uint16:
        return ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if depth == 16 and a.dtype == np.uint8:
        return a.astype(np.uint16) * 257
    return a


def write_image(
    img: ImageData,
    path: os.PathLike | str,
    *,
    format: str | None = None,
    quality: int = 95,
    keep_metadata: bool = True,
    bit_depth: int | None = None,
    notes: list[str] | None = None,
) -> Path:
    """Encode ``img`` to ``path`` atomically; returns the path. Raises ``ImageWriteError``.

    A metadata field the encoder refuses is dropped (the rest kept) and a line saying so is
    appended to ``notes``, as is metadata the reader could not parse (``img.metadata_notes``)."""
    target = Path(path)
    if format is not None:
        fmt = _normalise_format(format)
        if fmt is None:
            raise ImageWriteError(target, f"unsupported output format {format!r}")
    else:
        fmt = format_for_suffix(target.suffix)
        if fmt is None and target.suffix.lower() in _READ_ONLY_FORMATS:
            raise ImageWriteError(target, f"{_READ_ONLY_FORMATS[target.suffix.lower()]} output is not supported "
                                  "(palette-based: it would lose colours); save as PNG")
        if fmt is None:
            raise ImageWriteError(
                target, f"unsupported file type {target.suffix or '(no suffix)'!r}; use one of "
                + ", ".join(sorted(SUPPORTED_EXTENSIONS))
            )
    if img.source is not None and _same_file(img.source, target):
        raise ImageWriteError(target, "refusing to overwrite the input image; choose another name or folder")
    if target.is_dir():
        raise ImageWriteError(target, "a folder with that name exists")
    if not target.parent.is_dir():
        raise ImageWriteError(target, f"the folder '{target.parent}' does not exist")
    if bit_depth not in (None, 8, 16):
        raise ImageWriteError(target, f"bit depth must be 8 or 16, not {bit_depth}")
    depth = 8 if fmt in _EIGHT_BIT_ONLY else (bit_depth or img.bit_depth)
    pixels = _to_depth(img.pixels, depth)
    alpha = None if img.alpha is None else _to_depth(img.alpha, depth)
    # ImageData pixels are always display-oriented, so the written orientation must be 1.
    said: list[str] = list(img.metadata_notes) if keep_metadata else []
    exif = _exif_orientation_1(img.exif) if keep_metadata and img.exif else None
    if keep_metadata and img.exif and exif is None:
        said.append("EXIF could not be parsed: not copied")
    meta = {
        "EXIF": exif,
        "ICC profile": img.icc_profile if keep_metadata else None,
        "XMP": _xmp_orientation_1(img.xmp) if keep_metadata and img.xmp else None,
        "IPTC": img.iptc if keep_metadata else None,
        "resolution": img.dpi,
    }

    def encode(m: dict, dropped: list[str]) -> None:
        with atomic_write(target) as tmp:
            if depth == 16 and fmt == "PNG":
                tmp.write_bytes(_encode_png16(pixels, alpha, m["EXIF"], m["ICC profile"], m["resolution"], m["XMP"]))
            elif fmt == "TIFF":  # tifffile, not Pillow: libtiff rejects Pillow's EXIF sub-IFDs
                tmp.write_bytes(_encode_tiff(pixels, alpha, m["EXIF"], m["ICC profile"], m["resolution"], m["XMP"],
                                             m["IPTC"], dropped=dropped))
            else:
                _write_pillow(tmp, fmt, pixels, alpha, m["EXIF"], m["ICC profile"], m["resolution"], quality,
                              m["XMP"], m["IPTC"])
            _check_complete(target, tmp, fmt)

    try:
        try:
            dropped: list[str] = []
            encode(meta, dropped)
            said += [f"could not write the {d}: dropped, the rest of the metadata kept" for d in dropped]
        except Exception as first:
            if not _may_be_metadata(first) or not any(v is not None for v in meta.values()):
                raise
            said += _encode_without_bad_metadata(encode, meta, first)
    except (ImageWriteError, Cancelled, KeyboardInterrupt):
        raise
    except OSError as e:
        raise ImageWriteError(target, e.strerror or str(e)) from e
    except Exception as e:
        raise ImageWriteError(target, f"{fmt} encoder failed ({e})") from e
    if notes is not None:
        notes.extend(said)
    return target


def _may_be_metadata(e: BaseException) -> bool:
    """An encoder complaint (retry without metadata), not a full disk, a cancel or a short write."""
    if isinstance(e, (ImageWriteError, Cancelled, KeyboardInterrupt, MemoryError)):
        return False
    return not (isinstance(e, OSError) and e.errno is not None)


def _encode_without_bad_metadata(encode, meta: dict, first: BaseException) -> list[str]:
    """Find the metadata field the encoder refuses: drop one field at a time (the rest kept),
    then all of them. Returns the notes; re-raises ``first`` when even bare pixels fail."""
    reason = str(first).strip().splitlines()[0] if str(first).strip() else type(first).__name__
    present = [k for k, v in meta.items() if v is not None]
    for name in present:
        try:
            encode(dict(meta, **{name: None}), [])
        except Exception as e:
            if not _may_be_metadata(e):
                raise
            continue
        return [f"could not write the {name} ({reason}): dropped, the rest of the metadata kept"]
    try:
        encode(dict.fromkeys(meta), [])
    except Exception as e:
        if not _may_be_metadata(e):
            raise
        raise first from None  # not the metadata after all
    return [f"could not write the metadata ({reason}): {', '.join(present)} dropped"]
