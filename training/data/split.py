"""Seeded train/validation split: by file for folders, by index for array data sets."""

from __future__ import annotations

from typing import Sequence, TypeVar

import numpy as np

__all__ = ["split_items"]

T = TypeVar("T")


def split_items(items: Sequence[T], val_fraction: float, seed: int) -> tuple[list[T], list[T]]:
    """(train, val): the same seed and items always give the same split, in stable order."""
    n = len(items)
    n_val = int(round(n * val_fraction))
    if val_fraction > 0 and n >= 2:
        n_val = min(max(n_val, 1), n - 1)
    order = np.random.default_rng([seed, 0x5EED]).permutation(n)
    val_idx = set(order[:n_val].tolist())
    train = [items[i] for i in range(n) if i not in val_idx]
    val = [items[i] for i in range(n) if i in val_idx]
    return train, val
