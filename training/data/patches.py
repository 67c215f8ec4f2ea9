"""Datasets the trainer iterates: random noisy patches (train) and fixed noisy crops (validation).

Reproducibility does not depend on worker count or on resuming: every sample has a global id
(epoch · N + index) and draws crop, transform and noise from ``default_rng([seed, id])``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ..noise import NoiseFn
from .augment import center_crop, dihedral, random_crop, rescaled_crop
from .cache import to_float

__all__ = ["PatchDataset", "EpochSampler", "ValSet", "make_val_set"]


def _chw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32))


def apply_noise(noise: NoiseFn, clean: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """``(target, noisy, level)``; a noise model with ``sample`` may replace the target."""
    if hasattr(noise, "sample"):
        noisy, level, target = noise.sample(clean, rng)
        return np.ascontiguousarray(target), noisy, level
    noisy, level = noise(clean, rng)
    return clean, noisy, level


class PatchDataset(Dataset):
    """``patches_per_image`` random patches per image per epoch, each with fresh noise."""

    def __init__(self, images: list[np.ndarray], *, patch_size: int, patches_per_image: int,
                 noise: NoiseFn, seed: int, augment: bool = True, rescale: list[float] | None = None) -> None:
        if not images:
            raise ValueError("no training images")
        if patch_size <= 0 and len({im.shape for im in images}) > 1:
            raise ValueError("data.patch_size = 0 (whole images) needs images of one size; set a patch size")
        self.images = images
        self.patch_size = patch_size
        self.patches_per_image = patches_per_image
        self.noise = noise
        self.seed = seed
        self.augment = augment
        self.rescale = list(rescale or [])

    def __len__(self) -> int:
        return len(self.images) * self.patches_per_image

    def __getitem__(self, gid: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng([self.seed, int(gid)])
        img = self.images[int(gid) % len(self.images)]
        size = self.patch_size
        if size <= 0:
            clean = to_float(img)
        elif self.rescale:
            scale = float(rng.uniform(self.rescale[0], self.rescale[1]))
            clean = rescaled_crop(to_float(random_crop(img, max(size, math.ceil(size / scale)), rng)), size, scale, rng)
        else:
            clean = to_float(random_crop(img, size, rng))
        if self.augment:
            clean = dihedral(clean, int(rng.integers(8)))
        clean = np.ascontiguousarray(clean)
        clean, noisy, level = apply_noise(self.noise, clean, rng)
        return _chw(clean), _chw(noisy), torch.tensor(level, dtype=torch.float32)


class EpochSampler(Sampler[int]):
    """Global sample ids for one epoch and one rank, starting after ``skip`` samples (resume).

    Each epoch is a seeded permutation (repeated with new permutations when an epoch needs more
    samples than the data set has); rank ``r`` of ``world`` takes every ``world``-th id.
    """

    def __init__(self, n: int, *, samples_per_rank: int, seed: int, epoch: int,
                 rank: int = 0, world: int = 1, skip: int = 0) -> None:
        self.n, self.samples_per_rank, self.seed, self.epoch = n, samples_per_rank, seed, epoch
        self.rank, self.world, self.skip = rank, world, skip

    def _ids(self) -> np.ndarray:
        need = self.samples_per_rank * self.world
        chunks, cycle = [], 0
        while sum(len(c) for c in chunks) < need:
            chunks.append(np.random.default_rng([self.seed, self.epoch, cycle, 0xC0FFEE]).permutation(self.n))
            cycle += 1
        perm = np.concatenate(chunks)[:need]
        return perm[self.rank::self.world] + self.epoch * self.n

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids()[self.skip:].tolist())

    def __len__(self) -> int:
        return max(0, self.samples_per_rank - self.skip)


@dataclass
class ValSet:
    clean: list[np.ndarray] = field(default_factory=list)  # float32 H×W×C
    noisy: list[np.ndarray] = field(default_factory=list)
    level: list[float] = field(default_factory=list)
    sigma: float | None = None  # the Gaussian σ (0–255) used, if any

    def __len__(self) -> int:
        return len(self.clean)


def make_val_set(images: list[np.ndarray], *, crop: int, noise: NoiseFn, seed: int, sigma: Any = None) -> ValSet:
    """Fixed noisy validation images: the same noise every validation, every run with this seed."""
    vs = ValSet(sigma=sigma)
    for i, img in enumerate(images):
        clean = np.ascontiguousarray(center_crop(to_float(img), crop))
        clean, noisy, level = apply_noise(noise, clean, np.random.default_rng([seed, i, 0x7A1]))
        vs.clean.append(clean)
        vs.noisy.append(noisy.astype(np.float32))
        vs.level.append(level)
    return vs
