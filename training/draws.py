"""Random draws shared by the noise models (a module of its own: ``training.noise`` imports the
noise models that use it, so they cannot import it from there)."""

from __future__ import annotations

import numpy as np

__all__ = ["draw"]


def draw(value: float | list[float], rng: np.random.Generator) -> float:
    """A fixed value, or a uniform draw from a [lo, hi] range (blind training)."""
    if isinstance(value, (list, tuple)):
        lo, hi = float(value[0]), float(value[1])
        return lo if hi <= lo else float(rng.uniform(lo, hi))
    return float(value)
