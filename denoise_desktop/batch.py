"""Denoise many files: ``plan()`` validates cheaply up front, ``run()`` processes item by item.

``plan`` (Vorta's ``prepare()``) touches no pixels and creates nothing: it lists the files, decides
each output path and refuses a job that could overwrite an input or cannot write its output.
``run`` isolates items (one bad file is reported, the rest continue), writes atomically through
``imageio`` and stops cleanly on cancel: the current item is marked cancelled, nothing partial is
left, and running the same plan again with ``skip_existing`` resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .progress import NOOP, Cancelled, Progress

__all__ = ["BatchItem", "ItemResult", "BatchError", "FORMATS", "LOCK_NAME", "Plan", "plan", "run",
           "collect_inputs", "output_lock"]

# --format choice → output suffix (None keeps the input's suffix)
FORMATS: dict[str, str | None] = {"keep": None, "png": ".png", "jpg": ".jpg", "jpeg": ".jpg",
                                  "tif": ".tif", "tiff": ".tif"}


class BatchError(ValueError):
    """The batch cannot start; the message says which path and why."""


@dataclass(frozen=True)
class BatchItem:
    source: Path
    output: Path
    skip: bool = False  # the output already exists and skip_existing was asked


@dataclass
class ItemResult:
    item: BatchItem
    status: str  # "done" | "failed" | "skipped" | "cancelled"
    error: str | None = None
    seconds: float = 0.0
    sigma_used: float | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """What the output line should say besides "done": the σ note, what a classic model was
        trained on, then what reading and writing noted (only the first frame denoised, metadata
        fields that could not be kept)."""
        first = [self.info.get(k) for k in ("sigma_note", "trained_on_note")]
        return [n for n in first if n] + list(self.info.get("notes", ()))


def _supported(path: Path) -> bool:
    from .imageio import READABLE_EXTENSIONS

    return path.suffix.lower() in READABLE_EXTENSIONS


def _converted(src: Path, fmt_key: str) -> bool:
    """Whether a read-only format is written in another one because the format is "keep"
    (GIF as PNG, camera RAW as 16-bit TIFF)."""
    from .imageio import format_for_suffix

    return FORMATS[fmt_key] is None and format_for_suffix(src.suffix) is None


def _output_suffix(src: Path, fmt_key: str) -> str:
    """The output suffix: the chosen format's, else the input's (GIF → PNG, camera RAW → TIFF)."""
    from .imageio import output_suffix_for

    forced = FORMATS[fmt_key]
    if forced:
        return forced
    return output_suffix_for(src.suffix)


class Plan(list):
    """The ``BatchItem`` list of a batch, plus what planning left out and why (``notes()``).

    ``excluded``: files found inside the output folder (earlier outputs), not taken as inputs;
    ``unsupported``: files of a scanned folder that are not images this app reads;
    ``replacing``: outputs that exist and will be replaced (skip_existing off).
    """

    def __init__(self, items: Iterable[BatchItem] = (), *, out_dir: Path | None = None,
                 excluded: Iterable[Path] = (), unsupported: Iterable[Path] = (), replacing: int = 0,
                 passed_over: Iterable[tuple[Path, str]] = ()) -> None:
        super().__init__(items)
        self.out_dir = out_dir
        self.excluded = list(excluded)
        self.unsupported = list(unsupported)
        self.replacing = replacing
        self.passed_over = list(passed_over)  # (path, why): entries a scan could not take or enter

    def notes(self, max_names: int | None = None) -> list[str]:
        """One line per remark, for a log or a summary; each skipped file is named (up to
        ``max_names``, then a count)."""
        lines = []
        if self.excluded:
            lines.append(f"left out {len(self.excluded)} image file(s) inside the output folder {self.out_dir}: "
                         "files there are never taken as inputs (they may be earlier outputs)")
        if self.unsupported:
            shown = self.unsupported if max_names is None else self.unsupported[:max_names]
            lines.append(f"skipped: {len(self.unsupported)} unsupported file(s) (not an image type this app reads)")
            lines += [f"  {f}" for f in shown]
            if len(shown) < len(self.unsupported):
                lines.append(f"  … and {len(self.unsupported) - len(shown)} more")
        if self.passed_over:
            shown = self.passed_over if max_names is None else self.passed_over[:max_names]
            lines.append(f"passed over: {len(self.passed_over)} entr{'y' if len(self.passed_over) == 1 else 'ies'} "
                         "of the scanned folders that are not image files or could not be read")
            lines += [f"  {f} ({why})" for f, why in shown]
            if len(shown) < len(self.passed_over):
                lines.append(f"  … and {len(self.passed_over) - len(shown)} more")
        if self.replacing:
            lines.append(f"{self.replacing} output(s) already exist in {self.out_dir} and will be replaced "
                         "(skip them with --skip-existing / Skip existing)")
        return lines


def _norm(resolved: Path) -> str:
    """Comparable identity of an already resolved path (case-folded where the OS folds)."""
    return os.path.normcase(str(resolved))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def collect_inputs(inputs: Iterable[str | os.PathLike], *, recursive: bool = False,
                   exclude: Path | None = None) -> list[tuple[Path, Path]]:
    """``(file, relative output sub-folder)`` for every input; folders give their image files, sorted.

    Cheap on purpose (it runs before a batch is queued): each folder is resolved once and its
    files keyed by path arithmetic, not one ``resolve()`` per file.
    """
    return [(f, rel) for f, rel, _key in _collect(inputs, recursive, exclude)]


def _entries(folder: Path, recursive: bool, passed_over: list[tuple[Path, str]] | None) -> list[Path]:
    """Everything in ``folder`` (and below it when ``recursive``), sorted; a sub-folder that cannot
    be read, and a linked folder (not followed: it may loop or lead out of the tree), are noted in
    ``passed_over`` instead of vanishing without a word."""
    if not recursive:
        return sorted(folder.iterdir())
    found: list[Path] = []

    def unreadable(err: OSError) -> None:
        if passed_over is not None and err.filename and Path(err.filename) != folder:
            passed_over.append((Path(err.filename), f"folder not readable: {err.strerror or err}"))

    for top, dirs, files in os.walk(folder, onerror=unreadable, followlinks=False):
        here = Path(top)
        for d in dirs:
            if (here / d).is_symlink() and passed_over is not None and not d.startswith("."):
                passed_over.append((here / d, "a linked folder, not followed"))
        found += [here / d for d in dirs] + [here / f for f in files]
    return sorted(found)


def _collect(inputs: Iterable[str | os.PathLike], recursive: bool, exclude: Path | None,
             excluded: list[Path] | None = None,
             unsupported: list[Path] | None = None,
             passed_over: list[tuple[Path, str]] | None = None) -> list[tuple[Path, Path, str]]:
    """As ``collect_inputs`` (with keys); files left out inside ``exclude`` are appended to
    ``excluded``, a scanned folder's files that are not readable images (hidden files aside) to
    ``unsupported``, and image-named entries that are no files (a folder ``x.png``, a dead link),
    unreadable or linked folders to ``passed_over`` with the reason."""
    found: list[tuple[Path, Path, str]] = []
    seen: set[str] = set()
    ex = exclude.resolve() if exclude is not None else None
    for raw in inputs:
        p = Path(raw).expanduser()
        if not p.exists():
            raise BatchError(f"{p}: no such file or folder")
        if p.is_dir():
            base = p.resolve()
            # out_dir strictly inside this folder: skip what is in it (outputs of an earlier run)
            skip_out = ex is not None and ex != base and ex.is_relative_to(base)
            files = []
            for f in _entries(p, recursive, passed_over):
                if _supported(f):
                    if f.is_file():
                        files.append(f)
                    elif passed_over is not None and not f.name.startswith(".") \
                            and not (skip_out and (base / f.relative_to(p)).is_relative_to(ex)):
                        passed_over.append((f, _not_a_file(f)))
                elif unsupported is not None and not f.name.startswith(".") and f.is_file():
                    if not (skip_out and (base / f.relative_to(p)).is_relative_to(ex)):
                        unsupported.append(f)
            for f in files:
                rel = f.relative_to(p)
                # a symlinked file is keyed by its target: it may be another file's output
                real = f.resolve() if f.is_symlink() else base / rel
                if skip_out and (real.is_relative_to(ex) or (base / rel).is_relative_to(ex)):
                    if excluded is not None:
                        excluded.append(f)
                    continue
                if _norm(real) not in seen:
                    seen.add(_norm(real))
                    found.append((f, rel.parent, _norm(real)))
        else:
            if not _supported(p):
                raise BatchError(f"{p}: not a supported image type ({p.suffix or 'no suffix'})")
            key = _norm(p.resolve())
            if key not in seen:
                seen.add(key)
                found.append((p, Path(), key))
    return found


def _not_a_file(f: Path) -> str:
    if f.is_symlink() and not f.exists():
        return "a link to nothing"
    if f.is_dir():
        return "a folder, not an image file"
    return "not a regular file"


def _check_writable_dir(out_dir: Path) -> None:
    """out_dir exists as a writable folder, or could be created (nearest existing parent writable)."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise BatchError(f"output folder {out_dir} is a file")
        if not os.access(out_dir, os.W_OK | os.X_OK):
            raise BatchError(f"output folder {out_dir} is not writable")
        return
    parent = out_dir
    while not parent.exists():
        if parent.parent == parent:
            raise BatchError(f"output folder {out_dir} cannot be created")
        parent = parent.parent
    if not parent.is_dir():
        raise BatchError(f"output folder {out_dir} cannot be created: {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BatchError(f"output folder {out_dir} cannot be created: {parent} is not writable")


def plan(inputs: Iterable[str | os.PathLike], out_dir: str | os.PathLike, *, recursive: bool = False,
         fmt: str = "keep", skip_existing: bool = False, naming: str = "{stem}") -> Plan:
    """Validate a batch and list its items; raises ``BatchError`` and creates nothing on a problem.

    Files inside ``out_dir`` (when it lies within a scanned folder) are never taken as inputs;
    the returned ``Plan`` counts them, names a scanned folder's unsupported files and says how
    many existing outputs will be replaced. A batch already writing into ``out_dir`` (its lock
    file is held by a live process) refuses this one.
    """
    from .imageio import is_complete_image

    inputs = list(inputs)
    if not inputs:
        raise BatchError("no input files or folders given")
    fmt_key = (fmt or "keep").lower().lstrip(".")
    if fmt_key not in FORMATS:
        raise BatchError(f"unknown output format {fmt!r}; use one of keep, png, jpg, tif")
    try:
        naming.format(stem="x")
    except (KeyError, IndexError, ValueError) as exc:
        raise BatchError(f"bad naming pattern {naming!r}: only {{stem}} is available") from exc
    if "{stem}" not in naming:
        raise BatchError(f"naming pattern {naming!r} must contain {{stem}} (else every file gets one name)")
    out_dir = Path(out_dir).expanduser()
    _check_writable_dir(out_dir)
    out_exists = out_dir.exists()
    excluded: list[Path] = []
    unsupported: list[Path] = []
    passed_over: list[tuple[Path, str]] = []
    # excluded even before out_dir exists: nothing is in it then, and the count stays 0
    sources = _collect(inputs, recursive, out_dir, excluded, unsupported, passed_over)
    if not sources:
        why = "no supported image files found in " + ", ".join(str(i) for i in inputs)
        if excluded:
            why += f" (left out {len(excluded)} file(s) inside the output folder {out_dir})"
        if unsupported:
            why += f" ({len(unsupported)} unsupported file(s): " + ", ".join(f.name for f in unsupported[:5]) \
                + (", …" if len(unsupported) > 5 else "") + ")"
        raise BatchError(why)
    real_dirs = _RealFolders(out_dir)
    input_keys = _input_keys(sources)
    outputs: dict[str, Path] = {}
    items: list[BatchItem] = []
    replacing = 0
    names: list[tuple[Path, Path, str]] = []  # (source, relative folder, output file name)
    for src, rel, _src_key in sources:
        name = naming.format(stem=src.stem)
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise BatchError(f"naming pattern {naming!r} gives an invalid file name {name!r} for {src}")
        names.append((src, rel, name + _output_suffix(src, fmt_key)))
    # A GIF is written as PNG, a RAW as TIFF; when a.gif and a.png (a.nef and a.tif) sit side by
    # side, the converted one is named a.gif.png (a.nef.tif) rather than refusing a batch over a
    # clash the user did not cause.
    kept = {_norm(real_dirs[rel] / fname) for src, rel, fname in names if not _converted(src, fmt_key)}
    for k, (src, rel, fname) in enumerate(names):
        if _converted(src, fmt_key) and _norm(real_dirs[rel] / fname) in kept:
            suffix = Path(fname).suffix
            names[k] = (src, rel, fname[: -len(suffix)] + src.suffix.lower() + suffix)
    for src, rel, fname in names:
        out = out_dir / rel / fname
        # keyed where it really lands: a linked sub-folder may lead into another input's folder
        key = _norm(real_dirs[rel] / fname)
        exists = out_exists and out.exists()
        clash = input_keys.get(key)
        if clash is None and exists and _same_file(out, src):  # e.g. a symlink onto the input
            clash = src
        if clash is not None:
            raise BatchError(f"output {out} would overwrite the input {clash}{real_dirs.via_link(rel)}; "
                             "choose another output folder or naming pattern")
        if key in outputs:
            raise BatchError(_collision_message(outputs[key], src, out, fmt_key))
        outputs[key] = src
        if exists and not out.is_file():
            raise BatchError(f"output {out} exists and is not a file")
        skip = skip_existing and exists and is_complete_image(out)
        replacing += bool(exists and not skip)
        items.append(BatchItem(src, out, skip=skip))
    _check_not_locked(_lock_tree(out_dir, real_dirs.values()))
    return Plan(items, out_dir=out_dir, excluded=excluded, unsupported=unsupported, replacing=replacing,
                passed_over=passed_over)


class _RealFolders(dict):
    """Relative output folder → the folder it really is (every link on the way followed), each
    resolved once; ``realpath`` leaves the not yet existing tail as it is."""

    def __init__(self, out_dir: Path) -> None:
        super().__init__()
        self.out_dir = out_dir

    def __missing__(self, rel: Path) -> Path:
        real = self[rel] = Path(os.path.realpath(self.out_dir / rel))
        return real

    def via_link(self, rel: Path) -> str:
        """" (… leads to … through a link)" when links take the folder elsewhere, for the message."""
        shown = self.out_dir / rel
        real = self[rel]
        if _norm(real) == _norm(Path(os.path.realpath(self.out_dir)) / rel):
            return ""
        return f" ({shown} leads to {real} through a link)"


def _input_keys(sources: list[tuple[Path, Path, str]]) -> dict[str, Path]:
    """Resolved paths an output must not land on: every input's file, and where a linked
    input's link itself sits (replacing the link would lose that input)."""
    keys = {key: src for src, _rel, key in sources}
    for src, _rel, _key in sources:
        if src.is_symlink():
            keys.setdefault(_norm(Path(os.path.realpath(src.parent)) / src.name), src)
    return keys


def _collision_message(first: Path, second: Path, out: Path, fmt_key: str) -> str:
    """Two inputs of one batch would be written to one output: say why and what helps."""
    head = f"{first} and {second} would both be written to {out} (the second would replace the first)"
    if first.parent.resolve() != second.parent.resolve() and first.name == second.name:
        return (head + "; they have the same name in different input folders: denoise the folders "
                "one at a time into separate output folders, or their common parent with --recursive")
    if FORMATS[fmt_key] is not None:
        return head + "; keep each file's format (--format keep) or rename one of them"
    return (head + f"; {out.suffix[1:].upper()} is the output format of both "
            "(GIF is written as PNG, camera RAW as TIFF): choose another --format or rename one of them")


# -- the output folders' locks -------------------------------------------------------------------
#
# A batch holds an advisory lock (``fcntl.flock``; ``msvcrt.locking`` on Windows) on
# ``LOCK_NAME`` in its resolved output folder, and in any folder it writes to that links lead
# outside it. The kernel drops the lock when its process dies, so a killed run's file is free at
# once and two processes can never both take it over. After locking, the batch refuses to start
# when a live lock sits in any folder it writes into or any folder above one: a lock covers its
# whole output tree (``--out o -r`` and ``--out o/sub`` cannot both run). The file's JSON only
# names the holder for messages.

LOCK_NAME = ".denoise-desktop.lock"
# Another machine's lock file on a shared folder (its flock may not reach us) counts as held
# until it is this old; on this machine the flock alone decides.
_LOCK_STALE_SECONDS = 6 * 3600.0
_WINDOWS_LOCK_OFFSET = 1 << 30  # msvcrt locks bytes: lock one far past the JSON, which stays readable
_OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class _OutputTree:
    """What a batch locks (``locks``: resolved folders) and the folders whose locks, or their
    parents' locks, would clash with it (``written``: every resolved folder it writes to)."""

    locks: tuple[Path, ...]
    written: tuple[Path, ...]

    def checked(self) -> list[Path]:
        """Every folder a clashing lock could sit in: each written folder and all above it."""
        seen: dict[str, Path] = {}
        for folder in (*self.locks, *self.written):
            for f in (folder, *folder.parents):
                seen.setdefault(_norm(f), f)
        return list(seen.values())


def _lock_tree(out_dir: Path, written: Iterable[Path]) -> _OutputTree:
    """The tree of a batch into ``out_dir`` writing into the resolved folders ``written``."""
    root = Path(os.path.realpath(out_dir))
    written = tuple(dict.fromkeys(written)) or (root,)
    outside = tuple(f for f in written if not f.is_relative_to(root))  # reached through links
    return _OutputTree((root, *dict.fromkeys(outside)), written)


def _try_lock(fd: int, exclusive: bool) -> bool | None:
    """Lock ``fd`` without waiting: True when taken, False when another open file holds it,
    None when this file system cannot lock (the file's contents decide then)."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except PermissionError:
            return False
        except OSError:
            return None
        return True
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # ENOLCK, EINVAL: e.g. some network file systems
        return None
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)


def _open_lock_file(path: Path, create: bool) -> int | None:
    """An fd on ``path`` (None when absent and not created); a link, a FIFO or a file with other
    names is refused: it would be truncated and rewritten as ours."""
    flags = (os.O_RDWR | os.O_CREAT if create else os.O_RDONLY) | _OPEN_FLAGS
    try:
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise BatchError(f"{path} is a link, not a lock file of this app; delete it") from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
        os.close(fd)
        raise BatchError(f"{path} is not a plain lock file of this app; delete it")
    return fd


def _read_info(fd: int) -> dict:
    """The holder's JSON; {} when empty, unreadable or damaged (e.g. a full disk cut it short)."""
    import json

    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = json.loads(os.read(fd, 4096).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _claimed_by_another_machine(info: dict, mtime: float) -> bool:
    """A fresh lock written on another host: its flock may not reach us across the share."""
    import socket

    host = info.get("host")
    return isinstance(host, str) and host != socket.gethostname() and time.time() - mtime < _LOCK_STALE_SECONDS


def _pid_is_live(info: dict) -> bool:
    """Where locking is unavailable: a lock of this machine is live while its process runs."""
    import socket

    pid = info.get("pid")
    if info.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (another user's process)
    return True


def _live_holder(folder: Path) -> dict | None:
    """The holder's info when a live batch holds ``folder``'s lock, else None (no file, or a
    file left by a process that has ended)."""
    path = folder / LOCK_NAME
    try:
        fd = _open_lock_file(path, create=False)
    except (OSError, BatchError):
        return None  # an unreadable folder, or no lock file of ours (a link, a FIFO): no batch holds it
    if fd is None:
        return None
    try:
        taken = _try_lock(fd, exclusive=False)
        if taken:
            _unlock(fd)
        info, mtime = _read_info(fd), os.fstat(fd).st_mtime
    finally:
        os.close(fd)
    if taken is False or _claimed_by_another_machine(info, mtime):
        return info
    if taken is None and (_pid_is_live(info) or (not info and time.time() - mtime < _LOCK_STALE_SECONDS)):
        return info
    return None


def _lock_holder(info: dict) -> str:
    started = info.get("started")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(started)) if isinstance(started, (int, float)) else "?"
    return f"process {info.get('pid', '?')} on {info.get('host', '?')}, started {when}"


def _busy(folder: Path, info: dict) -> BatchError:
    return BatchError(f"another batch is writing into {folder} ({_lock_holder(info)}); wait for it to finish "
                      f"or choose another output folder (if no batch is running, delete {folder / LOCK_NAME})")


def _check_not_locked(tree: _OutputTree, own: Iterable[Path] = ()) -> None:
    """Refuse when a live lock (other than ``own``) covers a folder the batch writes into."""
    mine = {_norm(f) for f in own}
    for folder in tree.checked():
        if _norm(folder) not in mine:
            info = _live_holder(folder)
            if info is not None:
                raise _busy(folder, info)


class output_lock:  # noqa: N801 - used like a function: ``with output_lock(folder):``
    """Hold the locks of a batch's output tree while it writes (see above), so that a second
    batch writing into the same folders is refused instead of silently replacing the first
    one's files. ``target``: an output folder, or ``_lock_root``'s tree. ``touch()`` refreshes
    the files' times (another machine judges a lock it cannot flock by that)."""

    def __init__(self, target: str | os.PathLike | _OutputTree) -> None:
        self.tree = target if isinstance(target, _OutputTree) else _lock_tree(Path(target), ())
        self.path = self.tree.locks[0] / LOCK_NAME
        self._held: list[tuple[Path, int, os.stat_result]] = []

    def __enter__(self) -> "output_lock":
        try:
            for folder in self.tree.locks:
                self._take(folder)
            _check_not_locked(self.tree, own=[path.parent for path, _fd, _st in self._held])
        except BaseException:
            self.__exit__()
            raise
        return self

    def _take(self, folder: Path) -> None:
        import json
        import socket

        path = folder / LOCK_NAME
        for _ in range(5):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd = _open_lock_file(path, create=True)
            except OSError:  # e.g. a read-only folder: no lock; each write fails and says why
                return
            assert fd is not None
            taken = _try_lock(fd, exclusive=True)
            info, st = _read_info(fd), os.fstat(fd)
            if taken is False or _claimed_by_another_machine(info, st.st_mtime) or (taken is None and _pid_is_live(info)):
                os.close(fd)
                raise _busy(folder, info)
            if not _same_inode(path, st):  # released (and deleted) between our open and our lock
                os.close(fd)
                continue
            payload = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()})
            with contextlib.suppress(OSError):  # a full disk: the flock still holds, the holder is unnamed
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, payload.encode("utf-8"))
            self._held.append((path, fd, st))
            return
        raise BatchError(f"cannot take the lock {path}: another batch keeps taking it")

    def touch(self) -> None:
        for path, _fd, _st in self._held:
            with contextlib.suppress(OSError):
                os.utime(path)

    def __exit__(self, *exc) -> None:
        held, self._held = self._held, []
        for path, fd, st in reversed(held):
            # POSIX: delete while still locked, so a process that opened the file meanwhile finds
            # it gone after locking and retries; Windows cannot delete an open file
            if os.name != "nt" and _same_inode(path, st):
                with contextlib.suppress(OSError):
                    path.unlink()
            _unlock(fd)
            os.close(fd)
            if os.name == "nt":
                with contextlib.suppress(OSError):
                    path.unlink()


def _same_inode(path: Path, st: os.stat_result) -> bool:
    try:
        now = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino)


def _lock_root(items: list[BatchItem]) -> _OutputTree | None:
    """What ``run`` locks: the plan's output folder (else the items' common folder) and every
    folder the items are written to, resolved."""
    if not items:
        return None
    out_dir = getattr(items, "out_dir", None)
    if out_dir is None:
        try:
            out_dir = os.path.commonpath([str(item.output.parent) for item in items])
        except ValueError:  # different drives
            return None
    written = (Path(os.path.realpath(p)) for p in dict.fromkeys(item.output.parent for item in items))
    return _lock_tree(Path(out_dir), written)


def _held(progress: Progress) -> float:
    """Seconds the worker has spent paused so far (not part of a file's time)."""
    return progress.token.paused_seconds if progress.token is not None else 0.0


DenoiserOrFactory = Any  # a Denoiser, or a callable ``channels -> Denoiser`` (default model per image)


def _denoiser_for(denoiser: DenoiserOrFactory, channels: int):
    if hasattr(denoiser, "denoise"):
        return denoiser
    if callable(denoiser):
        return denoiser(channels)
    raise TypeError("denoiser must have .denoise() or be a callable channels -> Denoiser")


def run(items: list[BatchItem], denoiser: DenoiserOrFactory, *, sigma: float | None = None,
        strength: float = 1.0, jpeg_quality: int = 95, keep_metadata: bool = True,
        progress: Progress = NOOP,
        on_start: Callable[[int, BatchItem], None] | None = None,
        raw_color_space: str = "srgb", raw_mosaic: Any = None,
        on_written: Callable[[BatchItem], None] | None = None) -> Iterator[ItemResult]:
    """Process items in order, yielding one ``ItemResult`` each; stops after a cancelled item.
    Camera RAW files are developed into ``raw_color_space`` (``imageio.raw.COLOR_SPACES``); with a
    ``raw_mosaic`` network (``raw_mosaic.is_mosaic_network``) they are denoised by it on their
    mosaic before development instead of by ``denoiser`` after it.

    An item's result is yielded once the next one has been through the network (its file is
    written meanwhile); ``on_written(item)`` is called from the writer thread the moment its
    output is complete on disk, so a window can show it done at once (also while paused).

    Holds the output folder's lock (``output_lock``) while it runs: a batch already writing
    there makes this one raise ``BatchError`` before anything is written."""
    root = _lock_root(items)
    if root is None:
        yield from _run(items, denoiser, sigma, strength, jpeg_quality, keep_metadata, progress, on_start, None,
                        raw_color_space, raw_mosaic, on_written)
        return
    with output_lock(root) as lock:
        yield from _run(items, denoiser, sigma, strength, jpeg_quality, keep_metadata, progress, on_start, lock,
                        raw_color_space, raw_mosaic, on_written)


def _run(items, denoiser, sigma, strength, jpeg_quality, keep_metadata, progress, on_start,
         lock: output_lock | None, raw_color_space: str = "srgb", raw_mosaic: Any = None,
         on_written: Callable[[BatchItem], None] | None = None) -> Iterator[ItemResult]:
    """One item after another, with the next file's decode and the last file's encode running
    beside the network (one image read ahead and one being written at most: memory stays
    bounded). Results come in item order, each after its output is complete on disk."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from . import imageio
    from .engine import denoise_image
    from .imageio.raw import is_raw

    for folder in dict.fromkeys(item.output.parent for item in items):
        imageio.remove_stale_temps(folder)  # left by a run killed mid-write
    n = len(items)
    reader = ThreadPoolExecutor(1, thread_name_prefix="batch-read")
    writer = ThreadPoolExecutor(1, thread_name_prefix="batch-write")
    ahead: dict[int, Future] = {}
    pending: list[tuple] = []  # at most one: (item, write future, t0, held0, info, notes, sub)
    trained_on: dict[str, str | None] = {}  # model id → its classic note, looked up once per batch

    def trained_on_note(dn) -> str | None:
        model_id = getattr(dn, "id", None)
        if not isinstance(model_id, str):
            return None
        if model_id not in trained_on:
            from .registry import trained_on_note as lookup

            trained_on[model_id] = lookup(model_id)
        return trained_on[model_id]

    def skipped(item: BatchItem) -> bool:
        return item.skip and item.output.exists()  # (plan checked it is a whole image)

    def on_mosaic(item: BatchItem) -> bool:  # denoised while developing, in the loop (progress, cancel)
        return raw_mosaic is not None and is_raw(item.source)

    def read(item: BatchItem):
        return None if on_mosaic(item) else imageio.read_image(item.source, raw_color_space=raw_color_space)

    def read_ahead(j: int) -> None:
        nxt = next((k for k in range(j, n) if not skipped(items[k])), None)
        if nxt is not None and nxt not in ahead:
            ahead[nxt] = reader.submit(read, items[nxt])

    def write(out, item: BatchItem, notes: list[str]) -> None:
        imageio.write_image(out, item.output, quality=jpeg_quality, keep_metadata=keep_metadata,
                            notes=notes if keep_metadata else None)

    def finished(last: bool = False) -> Iterator[ItemResult]:
        """The result of the item being written, once its file is complete."""
        if not pending:
            return
        item, fut, t0, held0, info, notes, sub = pending.pop()
        try:
            fut.result()
        except Exception as exc:  # noqa: BLE001 - a failed write fails that item only
            yield ItemResult(item, "failed", _failure(item, exc), time.perf_counter() - t0)
            return
        if not keep_metadata:
            notes = [x for x in notes if "metadata" not in x and "EXIF" not in x]
        if notes:
            info["notes"] = notes
        if last:  # (earlier, the next item's progress has taken over)
            sub.set(1.0, item.source.name)
        yield ItemResult(item, "done", None, time.perf_counter() - t0 - (_held(progress) - held0),
                         info.get("sigma_used"), info)

    try:
        for i, item in enumerate(items):
            sub = progress.sub(i / n, (i + 1) / n)
            if skipped(item):
                yield from finished()
                sub.set(1.0, f"skipped {item.source.name}")
                yield ItemResult(item, "skipped")
                continue
            if on_start is not None:
                on_start(i, item)
            if lock is not None:
                lock.touch()
            t0 = time.perf_counter()
            held0 = _held(progress)
            try:
                progress.check_cancelled()
                sub.set(0.0, item.source.name)
                img = ahead.pop(i).result() if i in ahead else read(item)
                read_ahead(i + 1)
                out = None
                if img is None:  # a RAW, denoised on its mosaic and developed
                    from .raw_mosaic import NotBayer, develop_denoised

                    try:
                        out, info = develop_denoised(item.source, raw_mosaic, color_space=raw_color_space,
                                                     strength=_plain_strength(strength), progress=sub.sub(0.0, 0.95))
                        notes = list(out.notes)
                    except NotBayer as exc:
                        if denoiser is None:
                            raise
                        img = imageio.read_image(item.source, raw_color_space=raw_color_space)
                        img = dataclasses.replace(img, notes=(*img.notes, f"{exc}: developed, then denoised"))
                if out is None:
                    notes = list(img.notes)  # e.g. only the first of N frames, unreadable EXIF
                    dn = _denoiser_for(denoiser, img.channels)
                    out, info = denoise_image(img, dn, sigma=sigma, strength=strength, progress=sub.sub(0.0, 0.95))
                    note = trained_on_note(dn)  # a digit model on a photo: say why the result is poor
                    if note:
                        info["trained_on_note"] = note
                del img
                progress.check_cancelled()  # cancelled during the last tile: do not write
                yield from finished()
                item.output.parent.mkdir(parents=True, exist_ok=True)
                fut = writer.submit(write, out, item, notes)
                if on_written is not None:
                    fut.add_done_callback(lambda f, it=item: on_written(it) if f.exception() is None else None)
                pending.append((item, fut, t0, held0, info, notes, sub))
                del out
            except Cancelled:
                yield from finished()
                yield ItemResult(item, "cancelled", None, time.perf_counter() - t0)
                return
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
                yield from finished()
                yield ItemResult(item, "failed", _failure(item, exc), time.perf_counter() - t0)
        yield from finished(last=True)
    finally:
        reader.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True)  # a write already started completes (atomically) before we return


def _plain_strength(strength: Any) -> float:
    """One mixing fraction for the mosaic (no luma/chroma there): a ``blend.Strength``'s luma."""
    return float(getattr(strength, "luma", strength))


def _failure(item: BatchItem, exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    if str(item.source) not in msg and item.source.name not in msg:
        msg = f"{item.source}: {msg}"
    return msg
