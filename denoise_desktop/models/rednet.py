"""RED-Net (Mao, Shen, Yang, 2016): a symmetric encoder-decoder of convs and deconvs.

``depth/2`` unpadded 3×3 convs shrink the image by 2 px each; as many 3×3 transposed convs grow
it back. Every second conv's features are added to its mirrored deconv's output before the ReLU
(the skips carry detail and ease training of deep stacks), and the input is added to the last
deconv's output (residual). No pooling, stride 1: fully convolutional, exact tiling with an
overlap of ``depth`` px. RED10/20/30 through ``depth``; blind.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .spec import record_hparams

__all__ = ["REDNet"]


class REDNet(nn.Module):
    @record_hparams
    def __init__(self, *, in_channels: int = 1, depth: int = 30, features: int = 64) -> None:
        super().__init__()
        if depth < 4 or depth % 2:
            raise ValueError(f"REDNet: depth must be an even number ≥ 4 (10, 20, 30), got {depth}")
        self.n = n = depth // 2
        self.convs = nn.ModuleList(
            [nn.Conv2d(in_channels if i == 0 else features, features, 3) for i in range(n)]
        )
        self.deconvs = nn.ModuleList(
            [nn.ConvTranspose2d(features, in_channels if i == n - 1 else features, 3) for i in range(n)]
        )

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float | None = None) -> torch.Tensor:
        # unpadded convs need at least 2n+1 px; replicate-pad tiny inputs (the engine pads too)
        h, w = x.shape[-2:]
        need = 2 * self.n + 1
        xp = F.pad(x, (0, max(0, need - w), 0, max(0, need - h)), mode="replicate") if min(h, w) < need else x
        feats = [xp]
        y = xp
        for conv in self.convs:
            y = F.relu(conv(y))
            feats.append(y)
        for i, deconv in enumerate(self.deconvs, start=1):
            y = deconv(y)
            j = self.n - i  # the conv level this deconv mirrors (same spatial size)
            if j == 0:
                y = y + xp  # final residual: the network predicts a correction
            elif j % 2 == 0:
                y = F.relu(y + feats[j])
            else:
                y = F.relu(y)
        return y[..., :h, :w]
