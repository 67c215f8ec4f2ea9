"""FFDNet (Zhang et al., 2018): a conv+BN+ReLU stack on a ×2 pixel-unshuffled image plus a σ map.

Non-blind: the noise-level map (one channel per image channel, at the half resolution) tells
the network how strong to denoise, so one model covers a range of σ and the user can trade
detail for smoothness. Unlike DnCNN it predicts the clean image directly, not the noise.
12 layers / 64 features for gray, 15 / 96 for color as in the paper.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import pad_to_multiple
from .spec import record_hparams, sigma_tensor

__all__ = ["FFDNet"]


class FFDNet(nn.Module):
    @record_hparams
    def __init__(self, *, in_channels: int = 1, depth: int = 12, features: int = 64, residual: bool = False) -> None:
        """``residual=True`` predicts the noise instead of the clean image (as DnCNN does): the
        paper's network is direct, but the residual form converges far faster on small budgets."""
        super().__init__()
        if depth < 2:
            raise ValueError("FFDNet: depth must be at least 2")
        self.in_channels = in_channels
        self.residual = residual
        cin = 4 * in_channels + in_channels  # sub-images + σ map per channel
        layers: list[nn.Module] = [nn.Conv2d(cin, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [
                nn.Conv2d(features, features, 3, padding=1, bias=False),
                nn.BatchNorm2d(features),
                nn.ReLU(inplace=True),
            ]
        layers.append(nn.Conv2d(features, 4 * in_channels, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float | None = None) -> torch.Tensor:
        xp, h, w = pad_to_multiple(x, 2)
        sub = F.pixel_unshuffle(xp, 2)
        s = sigma_tensor(sigma, x).expand(x.shape[0], self.in_channels, sub.shape[2], sub.shape[3])
        out = F.pixel_shuffle(self.body(torch.cat([sub, s], dim=1)), 2)[..., :h, :w]
        return x - out if self.residual else out
