"""What does real camera noise have that the synthesis lacks, and which level does the network need on it?

Answer: Coarse noise (2026-12-03; docs/lab/coarse-camera-noise.md): PolyU keeps 8 % of its luma and
19 % of its chroma noise variance past a σ-8-px blur, the synthesis 1–2 % and 8–11 %; denoised at
its true level a PolyU photo keeps all its coarse luma error (1.91 → 1.90). It led to
``coarse_fraction`` in the synthesis (measured, not adopted).

What real camera noise has that the synthesis lacks, and what level the network needs on it.

1. Band shares: the part of each Y / CbCr channel's noise variance that survives a Gaussian blur
   of σ 2 / 4 / 8 px — for the dev pairs (``_real`` − ``_mean``) and for ``training/camera.py``
   on held-out BSDS crops (in-camera NR on, JPEG q 90–98 or none), without and with the coarse
   part (``coarse_fraction``).
2. Level: the real-noise network on the dev pairs with Auto's level, each pair's true RMS and
   1.2 × it; and how much of its remaining luma error is coarse (past a σ-3 blur), before and
   after denoising.

    python -m benchmarks.experiments.real_noise_bands
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

from benchmarks import data, real_noise

from denoise_desktop import imageio, metrics
from denoise_desktop.noise_estimate import estimate_sigma
from training import camera

SIGMAS = (2, 4, 8)


def shares(noise_255: np.ndarray) -> np.ndarray:
    """[Y σ2, Y σ4, Y σ8, C σ2, C σ4, C σ8] for an H×W×3 noise image."""
    d = (noise_255 @ camera._YCC.T).astype(np.float32)
    out = []
    for chans in ((0,), (1, 2)):
        per = []
        for c in chans:
            x = d[..., c] - d[..., c].mean()
            per.append([(cv2.GaussianBlur(x, (0, 0), s) ** 2).mean() / max((x ** 2).mean(), 1e-12) for s in SIGMAS])
        out += list(np.mean(per, axis=0))
    return np.array(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--color-dir", type=Path, default=data.DATA / "bsds500_color_train")
    ap.add_argument("--model", default="unet_res_color_real")
    args = ap.parse_args(argv)
    cases = [(imageio.read_image(r).to_float(), imageio.read_image(m).to_float()) for r, m in real_noise.pairs(args.pairs)]
    rows = {f"{args.pairs.name}": np.mean([shares((r - m) * 255) for r, m in cases], axis=0)}
    cleans = [c[:256, :256] for c in data.load_cleans(data.color_holdout(args.color_dir), 3)]
    for coarse in (0.0, 1.0):
        for jpeg in (1.0, 0.0):
            rng = np.random.default_rng(0)
            got = []
            for _ in range(3):
                for c in cleans:
                    noisy, _lvl, target = camera.camera_pipeline(c, rng, shot=(2e-4, 3e-3), jpeg_fraction=jpeg,
                                                                 jpeg_quality=(90, 98), nr_fraction=1.0, coarse_fraction=coarse)
                    got.append(shares((noisy - target) * 255))
            rows[f"synthesis, coarse {coarse:g}, JPEG {'q 90–98' if jpeg else 'none'}"] = np.mean(got, axis=0)
    print("| noise | Y σ2 | Y σ4 | Y σ8 | CbCr σ2 | CbCr σ4 | CbCr σ8 |\n|---|---|---|---|---|---|---|")
    for name, v in rows.items():
        print(f"| {name} | " + " | ".join(f"{x:.2f}" for x in v) + " |")

    with tempfile.TemporaryDirectory() as t:
        d = real_noise.network_from(args.model, Path(t))
        d.set_ensemble(1)
        auto = [estimate_sigma(r) for r, _ in cases]
        true = [float(np.sqrt(((r - m) ** 2).mean()) * 255) for r, m in cases]
        print(f"\n{args.model} on {len(cases)} pairs (one pass):")
        for name, levels in (("Auto", auto), ("true RMS", true), ("1.2 × true RMS", [1.2 * x for x in true])):
            outs = [np.clip(d.denoise(r, sigma=s), 0, 1) for (r, _m), s in zip(cases, levels)]
            ps = [metrics.psnr(m, np.round(o * 255) / 255) for (_r, m), o in zip(cases, outs)]
            print(f"  level {name:<15} mean {np.mean(levels):5.2f}: {np.mean(ps):.2f} dB")
            if name == "true RMS":
                for label, imgs in (("noisy", [r for r, _ in cases]), ("denoised", outs)):
                    tot, coarse = [], []
                    for z, (_r, m) in zip(imgs, cases):
                        y = ((z - m) @ camera._YCC.T)[..., 0].astype(np.float32) * 255
                        y -= y.mean()
                        tot.append(y.var())
                        coarse.append(cv2.GaussianBlur(y, (0, 0), 3).var())
                    print(f"    luma error of the {label:<8}: variance {np.mean(tot):.2f}, of it past a σ-3 blur {np.mean(coarse):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
