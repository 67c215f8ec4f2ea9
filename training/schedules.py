"""Learning-rate schedules as multipliers of the base lr per optimizer step (LambdaLR).

All are functions of the global step, so a resumed run continues exactly where it stopped.
"""

from __future__ import annotations

import math
from typing import Any, Callable

__all__ = ["SCHEDULES", "lr_factor"]


def _constant(step: int, cfg: Any, spe: int, total: int) -> float:
    return 1.0


def _step(step: int, cfg: Any, spe: int, total: int) -> float:
    """× gamma every ``step_epochs`` epochs."""
    return cfg.gamma ** ((step // max(1, spe)) // max(1, cfg.step_epochs))


def _exponential(step: int, cfg: Any, spe: int, total: int) -> float:
    """× gamma per epoch (0.95 = "5 % per epoch", the DnCNN-style decay)."""
    return cfg.gamma ** (step // max(1, spe))


def _cosine(step: int, cfg: Any, spe: int, total: int) -> float:
    """Linear warm-up for ``warmup_steps``, then half a cosine down to ``min_lr_ratio``."""
    warm = cfg.warmup_steps
    if warm and step < warm:
        return (step + 1) / warm
    t = min(1.0, (step - warm) / max(1, total - warm))
    return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t))


SCHEDULES: dict[str, Callable[[int, Any, int, int], float]] = {
    "constant": _constant, "step": _step, "exponential": _exponential, "cosine": _cosine,
}


def lr_factor(cfg: Any, steps_per_epoch: int, total_steps: int) -> Callable[[int], float]:
    fn = SCHEDULES[cfg.name]
    warm = cfg.warmup_steps if cfg.name != "cosine" else 0

    def factor(step: int) -> float:
        f = fn(step, cfg, steps_per_epoch, total_steps)
        if warm and step < warm:  # warm-up applies to every schedule
            f *= (step + 1) / warm
        return f

    return factor
