"""Is FFDNet's slow start on CPU budgets a dead end, and does a learning-rate warm-up help?

Answer: A slow start, not a dead end (docs/lab/bundled-weights.md): without warm-up the training MSE
leaves the identity plateau (96 × 1e-4) only after ~250 steps (83.4 at step 300); with a 100-step
linear warm-up it reaches 59.7. ``ffdnet_gray.toml`` warms up for 300 steps since.

FFDNet's slow start: its ×2-unshuffled plain stack sits on the identity plateau for a while.

    python -m benchmarks.experiments.ffdnet_plateau [--data ../shared/data/train400_gray] [--steps 300]
    python -m benchmarks.experiments.ffdnet_plateau --only ffdnet,warm-up   # the two FFDNet rows

Trains, from the same seed on the same 16 × 48² Train400 patches at σ = 25 (Adam 1e-3, MSE),
for ``--steps`` steps: the project's FFDNet (gray, 12 × 64, residual head), the same with a
linear lr warm-up over the first 100 steps (what ``ffdnet_gray.toml`` does), the same 12 × 64
conv-BN-ReLU stack without the ×2 pixel-unshuffle (σ map still appended), and DnCNN-12. Prints
the training MSE (×1e-4) every 50 steps; predicting zero noise gives σ² ≈ 96 × 1e-4.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from denoise_desktop.models import build


class FullResStack(nn.Module):
    """FFDNet's body at full resolution: [x, σ map] → 12 × (conv-BN-ReLU) → noise."""

    def __init__(self, depth: int = 12, features: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(2, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(features, features, 3, padding=1, bias=False), nn.BatchNorm2d(features),
                       nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(features, 1, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        s = sigma.view(-1, 1, 1, 1).expand(x.shape[0], 1, *x.shape[2:])
        return x - self.body(torch.cat([x, s], 1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/train400_gray"))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--only", default="", help="comma list of row-name prefixes to run")
    ap.add_argument("--images", type=int, default=40)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    files = sorted(args.data.glob("*.png"))[: args.images]
    if not files:
        ap.error(f"no PNG images in {args.data}")
    imgs = [np.asarray(Image.open(f).convert("L"), np.float32) / 255 for f in files]

    def batch(rng: np.random.Generator, n: int = 16, p: int = 48) -> tuple[torch.Tensor, torch.Tensor]:
        crops = []
        for _ in range(n):
            im = imgs[rng.integers(len(imgs))]
            y, x = rng.integers(0, im.shape[0] - p), rng.integers(0, im.shape[1] - p)
            crops.append(im[y : y + p, x : x + p])
        clean = torch.from_numpy(np.stack(crops))[:, None]
        return clean, clean + torch.randn_like(clean) * 25 / 255

    variants = {
        "ffdnet (x2 unshuffle, 12x64, BN)": lambda: build("ffdnet", "gray", residual=True),
        "warm-up: ffdnet, lr ramp 100 steps": lambda: build("ffdnet", "gray", residual=True),
        "same stack at full resolution": FullResStack,
        "dncnn, 12x64": lambda: build("dncnn", "gray", depth=12),
    }
    sigma = torch.full((16,), 25 / 255)
    only = [w for w in args.only.split(",") if w]
    for name, make in variants.items():
        if only and not any(name.startswith(w) for w in only):
            continue
        rng = np.random.default_rng(0)
        torch.manual_seed(0)
        model = make()
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        warm = 100 if name.startswith("warm-up") else 0
        trace = []
        t0 = time.perf_counter()
        for step in range(args.steps):
            if warm:
                for group in opt.param_groups:
                    group["lr"] = 1e-3 * min(1.0, (step + 1) / warm)
            clean, noisy = batch(rng)
            out = model(noisy) if name.startswith("dncnn") else model(noisy, sigma)
            loss = F.mse_loss(out, clean)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if (step + 1) % 50 == 0:
                trace.append(f"{loss.item() * 1e4:.1f}")
        print(f"{name:<36} MSE e-4 every 50 steps: {' '.join(trace)} ({time.perf_counter() - t0:.0f} s)",
              flush=True)
    print(f"zero-noise prediction (identity): {(25 / 255) ** 2 * 1e4:.1f} e-4")
    return 0


if __name__ == "__main__":
    sys.exit(main())
