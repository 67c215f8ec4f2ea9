"""DnCNN (Zhang et al., 2017): a plain conv stack with batch norm that predicts the noise.

Residual learning: the network estimates the noise and subtracts it from the input.
17 layers for gray at a known σ (DnCNN-S), 20 for blind color (CDnCNN-B).
"""

from __future__ import annotations

import torch
from torch import nn

from .spec import record_hparams

__all__ = ["DnCNN"]


class DnCNN(nn.Module):
    @record_hparams
    def __init__(self, *, in_channels: int = 1, depth: int = 17, features: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_channels, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [
                nn.Conv2d(features, features, 3, padding=1, bias=False),
                nn.BatchNorm2d(features, eps=1e-4, momentum=0.05),
                nn.ReLU(inplace=True),
            ]
        layers.append(nn.Conv2d(features, in_channels, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float | None = None) -> torch.Tensor:
        return x - self.body(x)
