"""Reconstruction losses, by name (an explicit dict: no scanning, no getattr on strings)."""

from __future__ import annotations

from typing import Callable

__all__ = ["LOSS_NAMES", "LOSSES", "charbonnier"]

LOSS_NAMES = ("mse", "l1", "charbonnier", "bce")  # importable without torch (config validation)


def charbonnier(pred, target, eps: float = 1e-3):
    """sqrt((x−y)² + ε²): L1-like robustness, smooth at zero (Lai et al., LapSRN)."""
    import torch

    return torch.sqrt((pred - target) ** 2 + eps * eps).mean()


def _mse(pred, target):
    import torch.nn.functional as F

    return F.mse_loss(pred, target)


def _l1(pred, target):
    import torch.nn.functional as F

    return F.l1_loss(pred, target)


def _bce(pred, target):
    """Binary cross-entropy on [0, 1] intensities: the Keras MNIST autoencoder examples' loss.
    Clamped so a saturated sigmoid output gives a finite loss."""
    import torch.nn.functional as F

    return F.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), target)


LOSSES: dict[str, Callable] = {"mse": _mse, "l1": _l1, "charbonnier": charbonnier, "bce": _bce}
