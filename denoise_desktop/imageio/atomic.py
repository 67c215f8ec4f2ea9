"""Files that are whole or absent: atomic replace, stale temps of a killed run, completeness checks.

An output is written to a hidden temp file beside it (``.dd-XXXXXXXX.part``), checked (fsync,
the format's trailer or header) and only then renamed onto the target; a failure or a cancel
deletes the temp, a killed run's temps are removed by the next (``remove_stale_temps``)."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path
from typing import Iterator

from PIL import Image

from .errors import ImageWriteError
from .formats import format_for_suffix


@contextlib.contextmanager
def atomic_write(path: os.PathLike | str) -> Iterator[Path]:
    """Yield a hidden temp path beside ``path``; ``os.replace`` it onto ``path`` on success,
    delete it on any exception (including ``Cancelled`` and KeyboardInterrupt)."""
    target = Path(path)
    tmp = _create_temp(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


TEMP_PREFIX, TEMP_SUFFIX = ".dd-", ".part"
_STALE_SECONDS = 3600.0  # no write of ours takes an hour; younger temps may be a concurrent run's


def remove_stale_temps(folder: os.PathLike | str, *, older_than: float = _STALE_SECONDS) -> list[Path]:
    """Delete our temp files (``.dd-XXXXXXXX.part``) in ``folder`` left by a killed run; returns them."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        name = e.name
        if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)
                and len(name) == len(TEMP_PREFIX) + 8 + len(TEMP_SUFFIX)):
            continue
        with contextlib.suppress(OSError):
            if e.is_file(follow_symlinks=False) and now - e.stat(follow_symlinks=False).st_mtime > older_than:
                os.unlink(e.path)
                removed.append(Path(e.path))
    return removed


def _create_temp(target: Path) -> Path:
    # os.open with 0o666 lets the umask decide permissions, like a normal new file (mkstemp
    # would leave the result readable by its owner only).
    mode = 0o666
    with contextlib.suppress(OSError):
        mode = target.stat().st_mode & 0o777
    for _ in range(100):
        # A short name of bounded length (a 250-byte output name still fits) and one pattern,
        # so a run that was killed mid-write leaves temps the next run can recognise.
        tmp = target.with_name(f"{TEMP_PREFIX}{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"cannot create a temporary file beside {target}")


# How a complete file of each format ends; a short write (a full disk) loses the end first.
_TRAILERS = {"JPEG": (b"\xff\xd9", 2), "PNG": (b"IEND\xaeB`\x82", 8)}


def _check_complete(target: Path, tmp: Path, fmt: str) -> None:
    """fsync the temp file (a full disk may only say so here) and check it is whole: Pillow's
    JPEG encoder with ``optimize=True`` returns without an error on ENOSPC, leaving a file that
    cannot be opened, which must never be renamed onto the output and reported as done."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some filesystems cannot fsync a read-only handle
            os.fsync(fd)
        size = os.fstat(fd).st_size
        trailer = _TRAILERS.get(fmt)
        tail = b""
        if trailer and size >= trailer[1]:
            os.lseek(fd, size - trailer[1], os.SEEK_SET)
            tail = os.read(fd, trailer[1])
    finally:
        os.close(fd)
    if size == 0 or (trailer and tail != trailer[0]):
        raise ImageWriteError(target, "the file was not written completely (is the disk full?)")
    if not trailer:  # TIFF, WebP, BMP: the decoder must at least accept the header
        try:
            if fmt == "TIFF":  # tifffile: Pillow cannot open every TIFF we write (16-bit gray + alpha)
                import tifffile

                with tifffile.TiffFile(tmp) as t:
                    t.pages[0].shape  # noqa: B018 - parses the first IFD
            else:
                with Image.open(tmp) as im:
                    im.verify()
        except Exception as e:  # noqa: BLE001 - any decoder complaint means an incomplete file
            raise ImageWriteError(target, f"the file was not written completely ({e})") from e


def is_complete_image(path: os.PathLike | str) -> bool:
    """Whether an existing output looks whole (``--skip-existing`` must not trust a file a full
    disk or a killed run cut short)."""
    p = Path(path)
    fmt = format_for_suffix(p.suffix)
    try:
        _check_complete(p, p, fmt or "")
    except (ImageWriteError, OSError):
        return False
    return True

