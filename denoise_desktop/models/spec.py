"""The architecture descriptor every model module exports (spandrel's descriptor idea).

Tensor contract for every network: ``forward(x, sigma=None)`` with ``x`` N×C×H×W float in [0, 1]
and ``sigma`` the noise level on the [0, 1] scale (σ/255 for 8-bit thinking) as a float or an
N-element tensor; returns the same shape. The engine pads to ``size_req``, runs, clamps to [0, 1]
and crops back.
"""

from __future__ import annotations

import enum
import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn

__all__ = ["ArchSpec", "SizeRequirements", "Tiling", "record_hparams", "sigma_tensor"]


class Tiling(enum.Enum):
    SUPPORTED = "supported"  # any tile works; results match whole-image within the overlap
    DISCOURAGED = "discouraged"  # works, but global context (e.g. pooling stacks) is lost at tile edges
    INTERNAL = "internal"  # the model needs a fixed input size; engine must resize/tile at that size


@dataclass(frozen=True)
class SizeRequirements:
    multiple_of: int = 1  # H and W are padded up to a multiple of this
    minimum: int = 1  # and to at least this
    fixed: int | None = None  # trained on one square size only (e.g. 28 for MNIST)


@dataclass(frozen=True)
class ArchSpec:
    id: str
    name: str
    cls: Callable[..., nn.Module]
    description: str
    takes_sigma: bool  # forward uses sigma (noise-level map); blind models ignore it
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # e.g. {"gray": {...}, "color": {...}}
    size_req: SizeRequirements = SizeRequirements()
    tiling: Tiling = Tiling.SUPPORTED
    receptive_field: int = 0  # radius in pixels the engine must overlap tiles by for exact results
    # Measured reach of the trained weights (a pixel moves the output < 0.1 of an 8-bit level
    # farther out; benchmarks/experiments/seam_reach.py): sizes the default overlap when set.
    seam_reach: int | None = None
    reference: str = ""  # paper / origin


def record_hparams(init: Callable) -> Callable:
    """Decorate ``__init__`` so the keyword arguments used are kept on ``self.hparams``.

    Export writes them into the weights header; loading calls ``build(arch, **hparams)``.
    """

    sig = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        params = dict(bound.arguments)
        params.pop("self")
        init(self, *args, **kwargs)
        self.hparams = params

    return wrapper


def sigma_tensor(sigma: float | torch.Tensor | None, x: torch.Tensor, default: float = 25 / 255) -> torch.Tensor:
    """Noise level as an N×1×1×1 tensor on x's device and dtype (σ on the [0, 1] scale)."""
    if sigma is None:
        sigma = default
    s = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).reshape(-1)
    if s.numel() == 1:
        s = s.expand(x.shape[0])
    return s.reshape(-1, 1, 1, 1)
