"""Files that are whole or absent: atomic replace, stale temps of a killed run, completeness checks.

An output is written to a hidden temp file beside it (``.dd-XXXXXXXX.part``), checked (fsync,
the format's trailer or header) and only then renamed onto the target; a failure or a cancel
deletes the temp, a killed run's temps are removed by the next (``remove_stale_temps``).

While it is written, its writer holds an advisory lock (``fcntl.flock``) on the temp: the kernel
drops it when the process dies, so a temp nobody locks is a killed run's, however young. (On
Windows, where an open file cannot be renamed, age alone decides.)"""

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

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def atomic_write(path: os.PathLike | str) -> Iterator[Path]:
    """Yield a hidden temp path beside ``path``; ``os.replace`` it onto ``path`` on success,
    delete it on any exception (including ``Cancelled`` and KeyboardInterrupt)."""
    target = Path(path)
    tmp, owner_fd = _create_temp(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        if owner_fd is not None:
            os.close(owner_fd)  # releases the temp's lock


TEMP_PREFIX, TEMP_SUFFIX = ".dd-", ".part"
_STALE_SECONDS = 3600.0  # no write of ours takes an hour: an older temp is stale even if locked
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def remove_stale_temps(folder: os.PathLike | str, *, older_than: float = _STALE_SECONDS) -> list[Path]:
    """Delete our temp files (``.dd-XXXXXXXX.part``) in ``folder`` that no live process is writing
    (a killed run's), and any older than ``older_than``; returns them."""
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
            if not e.is_file(follow_symlinks=False):
                continue
            old = now - e.stat(follow_symlinks=False).st_mtime > older_than
            if old or _owner_is_gone(e.path):
                os.unlink(e.path)
                removed.append(Path(e.path))
    return removed


def _owner_is_gone(path: str) -> bool:
    """Whether no process holds the temp's lock; False where locks are unavailable (Windows,
    some network file systems): age decides there."""
    if fcntl is None:
        return False
    fd = os.open(path, _OPEN_FLAGS)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: its writer is alive; others: cannot tell
        return False
    finally:
        os.close(fd)
    return True


def _create_temp(target: Path) -> tuple[Path, int | None]:
    """A new empty temp beside ``target`` and an fd holding its lock (None where unlocked)."""
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
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
        except FileExistsError:
            continue
        if _hold(fd, tmp):
            return tmp, fd
        os.close(fd)
        if fcntl is None or tmp.exists():
            return tmp, None
        # a concurrent cleanup took it for a killed run's between our create and our lock: anew
    raise FileExistsError(f"cannot create a temporary file beside {target}")


def _hold(fd: int, tmp: Path) -> bool:
    """Lock the new temp so cleanups know its writer is alive; False when unlocked or removed."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        now = os.stat(tmp, follow_symlinks=False)
    except OSError:
        return False
    st = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino)


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

