"""Denoise many files: ``plan()`` validates cheaply up front, ``run()`` processes item by item.

``plan`` (Vorta's ``prepare()``) touches no pixels and creates nothing: it lists the files, decides
each output path and refuses a job that could overwrite an input or cannot write its output.
``run`` isolates items (one bad file is reported, the rest continue), writes atomically through
``imageio`` and stops cleanly on cancel: the current item is marked cancelled, nothing partial is
left, and running the same plan again with ``skip_existing`` resumes where it stopped.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .progress import NOOP, Cancelled, Progress

__all__ = ["BatchItem", "ItemResult", "BatchError", "FORMATS", "plan", "run", "collect_inputs"]

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


def _supported(path: Path) -> bool:
    from .imageio import SUPPORTED_EXTENSIONS

    return path.suffix.lower() in SUPPORTED_EXTENSIONS


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


def _collect(inputs: Iterable[str | os.PathLike], recursive: bool,
             exclude: Path | None) -> list[tuple[Path, Path, str]]:
    found: list[tuple[Path, Path, str]] = []
    seen: set[str] = set()
    ex = exclude.resolve() if exclude is not None else None
    for raw in inputs:
        p = Path(raw).expanduser()
        if not p.exists():
            raise BatchError(f"{p}: no such file or folder")
        if p.is_dir():
            base = p.resolve()
            pattern = p.rglob("*") if recursive else p.iterdir()
            files = sorted(f for f in pattern if _supported(f) and f.is_file())
            # out_dir strictly inside this folder: skip what is in it (outputs of an earlier run)
            skip_out = ex is not None and ex != base and ex.is_relative_to(base)
            for f in files:
                rel = f.relative_to(p)
                # a symlinked file is keyed by its target: it may be another file's output
                real = f.resolve() if f.is_symlink() else base / rel
                if skip_out and real.is_relative_to(ex):
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
         fmt: str = "keep", skip_existing: bool = False, naming: str = "{stem}") -> list[BatchItem]:
    """Validate a batch and list its items; raises ``BatchError`` and creates nothing on a problem."""
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
    sources = _collect(inputs, recursive, out_dir if out_exists else None)
    if not sources:
        raise BatchError("no supported image files found in " + ", ".join(str(i) for i in inputs))
    out_real = out_dir.resolve()
    input_keys = {key: src for src, _rel, key in sources}
    outputs: dict[str, Path] = {}
    items: list[BatchItem] = []
    for src, rel, _src_key in sources:
        name = naming.format(stem=src.stem)
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise BatchError(f"naming pattern {naming!r} gives an invalid file name {name!r} for {src}")
        suffix = FORMATS[fmt_key] or src.suffix
        out = out_dir / rel / (name + suffix)
        key = _norm(out_real / rel / (name + suffix))
        exists = out_exists and out.exists()
        clash = input_keys.get(key)
        if clash is None and exists and _same_file(out, src):  # e.g. a symlink onto the input
            clash = src
        if clash is not None:
            raise BatchError(f"output {out} would overwrite the input {clash}; "
                             "choose another output folder or naming pattern")
        if key in outputs:
            raise BatchError(f"{outputs[key]} and {src} would both be written to {out}; "
                             "use --format keep or a naming pattern")
        outputs[key] = src
        if exists and not out.is_file():
            raise BatchError(f"output {out} exists and is not a file")
        items.append(BatchItem(src, out, skip=skip_existing and exists and is_complete_image(out)))
    return items


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
        on_start: Callable[[int, BatchItem], None] | None = None) -> Iterator[ItemResult]:
    """Process items in order, yielding one ``ItemResult`` each; stops after a cancelled item."""
    from .engine import denoise_image
    from .imageio import read_image, remove_stale_temps, write_image

    for folder in dict.fromkeys(item.output.parent for item in items):
        remove_stale_temps(folder)  # left by a run killed mid-write
    n = len(items)
    for i, item in enumerate(items):
        sub = progress.sub(i / n, (i + 1) / n)
        if item.skip and item.output.exists():  # (plan checked it is a whole image)
            sub.set(1.0, f"skipped {item.source.name}")
            yield ItemResult(item, "skipped")
            continue
        if on_start is not None:
            on_start(i, item)
        t0 = time.perf_counter()
        held0 = _held(progress)
        try:
            progress.check_cancelled()
            sub.set(0.0, item.source.name)
            img = read_image(item.source)
            dn = _denoiser_for(denoiser, img.channels)
            out, info = denoise_image(img, dn, sigma=sigma, strength=strength, progress=sub.sub(0.0, 0.95))
            del img
            progress.check_cancelled()  # cancelled during the last tile: do not write
            item.output.parent.mkdir(parents=True, exist_ok=True)
            write_image(out, item.output, quality=jpeg_quality, keep_metadata=keep_metadata)
            sub.set(1.0, item.source.name)
            yield ItemResult(item, "done", None, time.perf_counter() - t0 - (_held(progress) - held0),
                             info.get("sigma_used"), info)
        except Cancelled:
            yield ItemResult(item, "cancelled", None, time.perf_counter() - t0)
            return
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            msg = str(exc) or type(exc).__name__
            if str(item.source) not in msg and item.source.name not in msg:
                msg = f"{item.source}: {msg}"
            yield ItemResult(item, "failed", msg, time.perf_counter() - t0)
