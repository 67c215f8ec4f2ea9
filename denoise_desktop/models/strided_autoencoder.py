"""The strided conv / transposed-conv autoencoder of the Fashion-MNIST denoising examples.

Three stride-2 3×3 convs (32, 64, 128 channels, ReLU) take 28×28 (padded to 32) down to 4×4;
three stride-2 transposed convs mirror them back, and a 3×3 conv with a sigmoid gives the image.
No pooling and no skips: the bottleneck is the point (a teaching baseline, blind, ~0.2 M
parameters for one channel).
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import pad_to_multiple
from .spec import record_hparams

__all__ = ["StridedAutoencoder"]


class StridedAutoencoder(nn.Module):
    @record_hparams
    def __init__(self, *, in_channels: int = 1, widths: tuple[int, ...] | list[int] = (32, 64, 128)) -> None:
        super().__init__()
        widths = [int(w) for w in widths]
        if not widths or min(widths) < 1:
            raise ValueError(f"StridedAutoencoder: widths must be positive channel counts, got {widths}")
        self.factor = 2 ** len(widths)
        enc: list[nn.Module] = []
        cin = in_channels
        for w in widths:
            enc += [nn.Conv2d(cin, w, 3, stride=2, padding=1), nn.ReLU(inplace=True)]
            cin = w
        self.encoder = nn.Sequential(*enc)
        dec: list[nn.Module] = []
        for w in list(reversed(widths[:-1])) + [widths[0]]:
            dec += [nn.ConvTranspose2d(cin, w, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
            cin = w
        dec += [nn.Conv2d(cin, in_channels, 3, padding=1), nn.Sigmoid()]
        self.decoder = nn.Sequential(*dec)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float | None = None) -> torch.Tensor:
        xp, h, w = pad_to_multiple(x, self.factor)
        return self.decoder(self.encoder(xp))[..., :h, :w]
