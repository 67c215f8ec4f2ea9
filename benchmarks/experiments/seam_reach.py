"""How far does one pixel's influence reach through the bundled networks, and so how wide must tiles overlap?

Answer: 29–45 px for a change above a tenth of an 8-bit level, not the wiring's 99 (2026-12-03;
docs/lab/speed.md): ``ArchSpec.seam_reach`` records 48 and the default overlap is 108 px instead of
222 — 8 % less network work on a 24 MP photo; ``tests/core/test_seam_reach.py`` checks tiles still
match the whole-image output.

How far a pixel's influence reaches through a bundled network: sizes the tiles' overlap.

    python -m benchmarks.experiments.seam_reach [--threshold 0.1]

The theoretical receptive field of ``unet_res`` is 99 px, and an overlap of twice it recomputes
a quarter of a 2048² tile. What matters for seams is how far a change still moves the output:
for each bundled network, one input pixel of a noisy held-out photo is raised by half the range
(a hard edge), at several places, and the farthest output pixel (Chebyshev distance) that moved
by more than ``threshold`` 8-bit levels is the reach. ``ArchSpec.seam_reach`` records it, with
room to spare; ``tests/core/test_seam_reach.py`` checks that tiles with the default overlap
match the whole-image output.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

from benchmarks import data


def reach(dn, img: np.ndarray, sigma: float, threshold: float, points: int = 4) -> int:
    h, w = img.shape[:2]
    base = dn.denoise(img, sigma=sigma)
    far = 0
    rng = np.random.default_rng(0)
    for _ in range(points):
        y, x = int(rng.integers(h // 4, 3 * h // 4)), int(rng.integers(w // 4, 3 * w // 4))
        bumped = img.copy()
        bumped[y, x] = np.where(bumped[y, x] > 0.5, bumped[y, x] - 0.5, bumped[y, x] + 0.5)
        diff = np.abs(dn.denoise(bumped, sigma=sigma) - base)
        moved = (diff.max(axis=-1) if diff.ndim == 3 else diff) * 255 > threshold
        ys, xs = np.nonzero(moved)
        if len(ys):
            far = max(far, int(np.max(np.maximum(np.abs(ys - y), np.abs(xs - x)))))
    return far


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threshold", type=float, default=0.1, help="8-bit levels")
    args = ap.parse_args(argv)
    import torch

    from denoise_desktop import protocol, registry
    from denoise_desktop.engine import NetworkDenoiser

    torch.set_num_threads(2)
    cleans = [c[:320, :320] for c in data.load_cleans(data.color_holdout(data.DATA / "bsds500_color_train"), 3)[:3]]
    print(f"| network | σ | reach (px, > {args.threshold:g} level) |\n|---|---:|---:|")
    for mid, channels in (("unet_res_color", 3), ("unet_res_color_real", 3), ("unet_res_gray", 1)):
        loaded = registry.load(mid, device="cpu", channels=channels)
        net = getattr(loaded, "white", loaded)  # routed defaults: their Gaussian network
        dn = NetworkDenoiser(net.model, net.spec, device="cpu", tile=2048, overlap=0)
        for sigma in (5.0, 25.0, 50.0):
            far = 0
            for i, c in enumerate(cleans):
                c = c if channels == 3 else c.mean(axis=2)
                noisy = protocol.noisy(c, sigma, i)
                far = max(far, reach(dn, noisy, sigma, args.threshold))
            print(f"| {mid} | {sigma:g} | {far} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
