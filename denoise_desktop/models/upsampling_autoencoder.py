"""A deeper photo autoencoder: four stride-2 convs and a max-pool down to 1/32, then transposed
convs and an upsampling back to full size, sigmoid out.

Designed for 128×128 crops of photographs (no skip connections, so fine detail has to pass the
1/32 bottleneck: a baseline that shows why U-Nets and residual learning exist). Blind.
Its receptive field spans the whole 128² training crop, so tiles should be 128–256 px with a
large overlap (``Tiling.DISCOURAGED``).
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import pad_to_multiple
from .spec import record_hparams

__all__ = ["UpsamplingAutoencoder"]


class UpsamplingAutoencoder(nn.Module):
    @record_hparams
    def __init__(self, *, in_channels: int = 3, features: int = 32) -> None:
        """Widths are ``features`` × (1, 2, 4, 8), i.e. 32, 64, 128, 256 by default."""
        super().__init__()
        w = [features, 2 * features, 4 * features, 8 * features]
        enc: list[nn.Module] = []
        cin = in_channels
        for c in w:
            enc += [nn.Conv2d(cin, c, 3, stride=2, padding=1), nn.ReLU(inplace=True)]
            cin = c
        enc.append(nn.MaxPool2d(2))
        self.encoder = nn.Sequential(*enc)
        dec: list[nn.Module] = [nn.Upsample(scale_factor=2, mode="nearest")]
        for cout in [w[2], w[1], w[0], w[0]]:
            dec += [nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
            cin = cout
        dec += [nn.Conv2d(cin, in_channels, 3, padding=1), nn.Sigmoid()]
        self.decoder = nn.Sequential(*dec)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float | None = None) -> torch.Tensor:
        xp, h, w = pad_to_multiple(x, 32)
        return self.decoder(self.encoder(xp))[..., :h, :w]
