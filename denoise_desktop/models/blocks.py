"""Small building blocks shared by several architectures (spandrel keeps these apart too)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .spec import sigma_tensor

__all__ = ["ResBlock", "conv3x3", "sigma_map", "pad_to_multiple"]


def conv3x3(cin: int, cout: int, *, bias: bool = True) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, padding=1, bias=bias)


class ResBlock(nn.Module):
    """conv-ReLU-conv plus identity, no normalisation (DRUNet/EDSR style: BN hurts restoration)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = conv3x3(channels, channels)
        self.act = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.act(self.conv1(x)))


def sigma_map(sigma: float | torch.Tensor | None, x: torch.Tensor, default: float = 25 / 255) -> torch.Tensor:
    """σ (on the [0, 1] scale) broadcast to an N×1×H×W map, ready to concatenate to ``x``."""
    s = sigma_tensor(sigma, x, default)
    return s.expand(x.shape[0], 1, x.shape[2], x.shape[3])


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, int, int]:
    """Reflect-pad H and W up to ``multiple`` (safety net; the engine normally pads already).

    Returns the padded tensor and the original H, W to crop back to.
    """
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        # reflect needs pad < size; replicate covers tiny inputs
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, h, w
