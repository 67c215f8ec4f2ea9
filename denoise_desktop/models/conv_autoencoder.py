"""The small convolutional autoencoder of the Keras MNIST / Fashion-MNIST denoising examples.

Conv(32,3)+ReLU, MaxPool 2, Conv(32,3)+ReLU, MaxPool 2 → Conv(32,3)+ReLU, Upsample 2,
Conv(32,3)+ReLU, Upsample 2, Conv(C,3)+Sigmoid ("same" padding, nearest upsampling as in Keras).
About 28 k parameters for one channel: a teaching baseline, blind (no σ input), tiny receptive field.
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import pad_to_multiple
from .spec import record_hparams

__all__ = ["ConvAutoencoder"]


class ConvAutoencoder(nn.Module):
    @record_hparams
    def __init__(self, *, in_channels: int = 1, features: int = 32) -> None:
        super().__init__()
        f = features
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, f, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(f, f, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            nn.Conv2d(f, f, 3, padding=1), nn.ReLU(inplace=True), nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(f, f, 3, padding=1), nn.ReLU(inplace=True), nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(f, in_channels, 3, padding=1), nn.Sigmoid(),
        )  # fmt: skip

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float | None = None) -> torch.Tensor:
        xp, h, w = pad_to_multiple(x, 4)
        return self.decoder(self.encoder(xp))[..., :h, :w]
