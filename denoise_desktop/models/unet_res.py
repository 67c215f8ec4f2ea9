"""UNetRes: the default denoiser — a light residual U-Net with a noise-level map input.

In the spirit of DRUNet (Zhang et al., 2021) and NAFNet's efficiency habits, shrunk for CPUs:

* the input [x, σ-map] is pixel-unshuffled ×2 first, so every conv runs at ≤ H/2 × W/2;
* each level holds plain residual blocks (conv-ReLU-conv + skip, no BN), downsampling by a
  stride-2 2×2 conv (channels ×2) and upsampling by a 2×2 transposed conv, with skip *addition*;
* the head predicts the noise, which is subtracted from the input (residual learning).

Because σ is an input, one network covers σ 0–55: non-blind use passes the user's σ, blind use
passes the engine's estimate.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import ResBlock, conv3x3, pad_to_multiple, sigma_map
from .spec import record_hparams

__all__ = ["UNetRes"]


class UNetRes(nn.Module):
    @record_hparams
    def __init__(
        self,
        *,
        in_channels: int = 1,
        features: int = 32,
        levels: int = 2,
        blocks: int = 1,
        bottleneck_blocks: int = 4,
        max_features: int = 256,
    ) -> None:
        """``levels`` stride-2 downsamplings after the ×2 unshuffle (inputs pad to 2·2^levels)."""
        super().__init__()
        if levels < 0 or blocks < 0 or bottleneck_blocks < 0 or features < 1:
            raise ValueError("UNetRes: levels/blocks must be ≥ 0 and features ≥ 1")
        self.in_channels = in_channels
        self.multiple = 2 * 2**levels
        widths = [min(features * 2**i, max_features) for i in range(levels + 1)]

        self.head = conv3x3(4 * (in_channels + 1), widths[0])
        self.encoders = nn.ModuleList()
        self.downs = nn.ModuleList()
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for i in range(levels):
            self.encoders.append(nn.Sequential(*[ResBlock(widths[i]) for _ in range(blocks)]))
            self.downs.append(nn.Conv2d(widths[i], widths[i + 1], 2, stride=2, bias=False))
            self.ups.append(nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2, bias=False))
            self.decoders.append(nn.Sequential(*[ResBlock(widths[i]) for _ in range(blocks)]))
        self.bottleneck = nn.Sequential(*[ResBlock(widths[-1]) for _ in range(bottleneck_blocks)])
        self.tail = conv3x3(widths[0], 4 * in_channels)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float | None = None) -> torch.Tensor:
        xp, h, w = pad_to_multiple(x, self.multiple)
        y = F.pixel_unshuffle(torch.cat([xp, sigma_map(sigma, xp)], dim=1), 2)
        y = self.head(y)
        skips = []
        for enc, down in zip(self.encoders, self.downs):
            y = enc(y)
            skips.append(y)
            y = down(y)
        y = self.bottleneck(y)
        for up, dec, skip in zip(reversed(self.ups), reversed(self.decoders), reversed(skips)):
            y = dec(up(y) + skip)
        noise = F.pixel_shuffle(self.tail(y), 2)
        return x - noise[..., :h, :w]
