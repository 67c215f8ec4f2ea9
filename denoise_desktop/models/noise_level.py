"""A tiny CNN that reads the noise level of a photo, real camera noise and JPEGs included.

The PCA estimator (``noise_estimate.py``) assumes white Gaussian noise; a camera's noise is
demosaiced, processed and JPEG-compressed — correlated between neighbours and brighter where
the image is brighter — and its finest-scale statistics read almost nothing. This network is
trained (``training/estimator.py``) on the same synthesis as the denoiser (``training/camera.py``)
to predict the level the denoiser was trained with: the RMS noise (0–255) before JPEG.

Each position of a ×2-unshuffled input gives a log-level and a confidence; the image's level
is the confidence-weighted mean over all positions of all crops (CBDNet-style estimation, with
learned pooling so flat regions outvote texture that looks like noise).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .spec import record_hparams

__all__ = ["NoiseLevelNet"]


class NoiseLevelNet(nn.Module):
    @record_hparams
    def __init__(self, *, features: int = 32, layers: int = 5) -> None:
        super().__init__()
        if not 1 <= features <= 256 or not 1 <= layers <= 16:
            raise ValueError("NoiseLevelNet: 1 ≤ features ≤ 256 and 1 ≤ layers ≤ 16")
        body: list[nn.Module] = [nn.Conv2d(12, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(layers - 1):
            body += [nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*body)
        self.head = nn.Conv2d(features, 2, 1)
        with torch.no_grad():  # start at a level of ~10 with uniform confidence
            self.head.bias.copy_(torch.tensor([2.4, 0.0]))

    def maps(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: N×3×H×W in [0, 1] (H, W even; gray repeated ×3) → (log-level, confidence logit) maps."""
        y = self.head(self.body(F.pixel_unshuffle(x, 2) - 0.5))
        return y[:, 0], y[:, 1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per-crop level (0–255 scale), N values."""
        log_level, logit = self.maps(x)
        w = torch.softmax(logit.flatten(1), dim=1)
        return torch.exp((w * log_level.flatten(1)).sum(dim=1)) - 1.0

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """One level for all crops together (they come from one image)."""
        log_level, logit = self.maps(x)
        w = torch.softmax(logit.flatten(), dim=0)
        return torch.exp((w * log_level.flatten()).sum()) - 1.0
