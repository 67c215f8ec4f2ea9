"""Training data: image folders, IDX (MNIST), CIFAR-10 batches → noisy patch data sets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cache import to_channels
from .cifar import CifarError, read_cifar_folder
from .folders import list_images, load_folder
from .idx import IdxError, read_idx_images
from .split import split_items

__all__ = ["DataBundle", "DataError", "load_data", "split_files", "IdxError", "CifarError"]


class DataError(ValueError):
    """The recipe's data cannot be used (missing folder, unreadable images, an empty split); the
    message names the key or the files."""


@dataclass
class DataBundle:
    train: list[np.ndarray]
    val: list[np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)  # recorded in the model card


def _arrays(kind: str, source: str, channels: int, *, test: bool = False) -> list[np.ndarray]:
    if kind == "idx":
        arr = read_idx_images(source)
    else:
        arr = read_cifar_folder(source, test=test)
    return [to_channels(a, channels) for a in arr]


def _capped(train: list, val: list, cfg: Any) -> tuple[list, list]:
    """``max_images`` / ``max_val_images`` (0 = all) applied after the split."""
    return train[: cfg.max_images or None], val[: cfg.max_val_images or None]


def split_by_list(files: list[Path], list_file: Path, where: str = "training folder") -> tuple[list[Path], list[Path]]:
    """Hold out the files named in ``list_file`` (one file name per line, ``#`` comments)."""
    try:
        names = {ln.split("#")[0].strip() for ln in list_file.read_text().splitlines()} - {""}
    except OSError as e:
        raise FileNotFoundError(f"validation list {list_file}: {e.strerror or e}") from None
    val = [f for f in files if f.name in names]
    missing = names - {f.name for f in val}
    if missing:
        raise FileNotFoundError(f"validation list {list_file} names {len(missing)} file(s) not in the "
                                f"{where}, e.g. {sorted(missing)[0]}")
    return [f for f in files if f.name not in names], val


def split_files(cfg: Any, seed: int) -> tuple[list[Path], list[Path]]:
    """Training and validation image files of a folder recipe (capped), without decoding them."""
    files = list_images(cfg.train)
    if cfg.val and str(cfg.val).endswith(".txt"):
        if cfg.val_dir:  # e.g. BSDS500 val images (as gray) for a model trained on Train400
            train_files, val_files = files, split_by_list(list_images(cfg.val_dir), Path(cfg.val),
                                                          f"folder {cfg.val_dir}")[1]
        else:
            train_files, val_files = split_by_list(files, Path(cfg.val))
    elif cfg.val:
        train_files, val_files = files, list_images(cfg.val)
    else:
        train_files, val_files = split_items(files, cfg.val_fraction, seed)
    return _capped(train_files, val_files, cfg)


def load_data(cfg: Any, seed: int) -> DataBundle:
    """Train/validation images (integer H×W×C arrays) as the recipe's ``[data]`` describes."""
    if not cfg.train:
        raise ValueError("data.train is empty: set it to an image folder (or IDX file / CIFAR folder)")
    info: dict[str, Any] = {"kind": cfg.kind, "train": str(cfg.train)}
    if cfg.kind == "folder":
        train_files, val_files = split_files(cfg, seed)
        skipped: list[Path] = []  # unreadable files: left out with a warning, named in the card
        kw = dict(channels=cfg.channels, resize=cfg.resize, npy_cache=cfg.cache_npy, skip_unreadable=True,
                  skipped=skipped)
        train, val = load_folder(train_files, **kw), load_folder(val_files, **kw)
        info["val_files"] = [str(Path(f).name) for f in val_files if f not in skipped][:200]
        if skipped:
            info["skipped_unreadable"] = [Path(f).name for f in skipped][:200]
    else:
        items = _arrays(cfg.kind, cfg.train, cfg.channels)
        if cfg.val:
            train, val = items, _arrays(cfg.kind, cfg.val, cfg.channels, test=cfg.kind == "cifar")
        else:
            train, val = split_items(items, cfg.val_fraction, seed)
        train, val = _capped(train, val, cfg)
    if cfg.val:
        info["val"] = str(cfg.val)
    if cfg.val_dir:
        info["val_dir"] = str(cfg.val_dir)
    info.update(n_train=len(train), n_val=len(val), channels=cfg.channels, patch_size=cfg.patch_size)
    return DataBundle(train=train, val=val, info=info)
