"""Can the bundled networks do better on camera noise by how they are run, without retraining?

Answer: No (2026-12-04; docs/lab/real-noise-network.md): at the cost of two passes, a pass on the
pixel-shuffled sub-images gains 0.05 dB on PolyU (38.39 vs 38.34) but loses ~1 dB on noisy JPEGs;
averaging with the Gaussian network gains 0.25 dB on noisy JPEGs and loses 0.25 on PolyU; a half-
scale low band loses everywhere.

Can the bundled networks do better on camera noise by how they are run, not by retraining?

    python -m benchmarks.experiments.real_noise_inference [--limit N] [--write NOTE.md]

Every variant starts from the default colour model's Auto level and routing (only images routed
as camera/JPEG noise are used, as only they reach the real-noise network) and is scored side by
side in one run, outputs rounded to 8 bits:

* **real ×1 / real ×2**: the real-noise network, one pass / two (flip ensemble, the default Quality);
* **real + Gaussian net**: the real-noise and the Gaussian-trained network, one pass each, averaged
  (the same two passes as ×2, different errors);
* **real + pixel-shuffled**: one pass on the image, one on its four 2×-subsampled sub-images
  (subsampling breaks the noise's correlation between neighbours, as in Zhou et al. 2020,
  "When AWGN-based denoiser meets real noises"), averaged;
* **two scales**: the one pass with its 2×-averaged low band replaced by the network's output on
  the 2×-averaged image (≈ 1.25 passes; for noise that spans several pixels).

Sets: the real dev pairs (``polyu_canon_dev``); Gaussian σ 25 saved as JPEG q90 4:2:0 (the
held-out BSDS images of ``quality.py``); the same images through the camera synthesis
(``training/camera.py``, seeded, shot noise 2e-4–1.2e-2), scored against its JPEG'd target.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks import data, real_noise

from denoise_desktop import imageio, metrics, protocol, registry
from denoise_desktop.noise_estimate import estimate_noise

VARIANTS = ("real ×1", "real ×2", "real + Gaussian net", "real + pixel-shuffled", "two scales")


def _down(x: np.ndarray) -> np.ndarray:
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    return x[:h, :w].reshape(h // 2, 2, w // 2, 2, -1).mean(axis=(1, 3))


def _shuffled(net, x: np.ndarray, level: float) -> np.ndarray:
    out = np.empty_like(x)
    for i in (0, 1):
        for j in (0, 1):
            out[i::2, j::2] = net.denoise(np.ascontiguousarray(x[i::2, j::2]), sigma=level)
    return out


def outputs(d, x: np.ndarray, level: float) -> dict[str, np.ndarray]:
    real, white = d.real, d.white
    real.set_ensemble(1)
    one = real.denoise(x, sigma=level)
    real.set_ensemble(2)
    two = real.denoise(x, sigma=level)
    real.set_ensemble(1)
    white.set_ensemble(1)
    half = real.denoise(_down(x), sigma=level)  # the level is on the 0–255 scale of one pixel
    low = cv2.resize(half - _down(one), (x.shape[1], x.shape[0]), interpolation=cv2.INTER_LINEAR)
    return {"real ×1": one, "real ×2": two, "real + Gaussian net": (one + white.denoise(x, sigma=level)) / 2,
            "real + pixel-shuffled": (one + _shuffled(real, x, level)) / 2, "two scales": one + low.reshape(x.shape)}


def score(d, cases) -> tuple[dict[str, float], int]:
    got: dict[str, list[float]] = {k: [] for k in VARIANTS}
    for x, c in cases:
        h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
        x, c = x[:h, :w], c[:h, :w]
        est = estimate_noise(x)
        if not est.correlated:
            continue
        for k, out in outputs(d, x, est.level).items():
            got[k].append(metrics.psnr(c, protocol.as_saved(out)))
    return {k: float(np.mean(v)) if v else float("nan") for k, v in got.items()}, len(got["real ×1"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--color-dir", type=Path, default=data.DATA / "bsds500_color_train")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--write", type=Path, help="replace this section of a markdown file (a lab note in docs/lab/)")
    args = ap.parse_args(argv)
    from training import camera

    d = registry.load("unet_res_color", device="cpu", channels=3)
    cleans = data.load_cleans(data.color_holdout(args.color_dir), 3)[: args.limit or None]
    rng = np.random.default_rng(7)
    sets = {
        f"{args.pairs.name}": [(imageio.read_image(r).to_float(), imageio.read_image(m).to_float())
                               for r, m in real_noise.pairs(args.pairs)][: args.limit or None],
        "Gaussian σ 25 + JPEG q90 4:2:0": [(data.jpeg420(protocol.noisy(c, 25, i)), c)
                                           for i, c in enumerate(cleans)],
        "camera synthesis": [camera.camera_pipeline(c.astype(np.float32), rng, shot=(2e-4, 0.012), jpeg_quality=(70, 98),
                                                    jpeg_fraction=0.85, nr_fraction=0.8)[::2] for c in cleans],
    }
    rows = []
    t0 = time.perf_counter()
    for name, cases in sets.items():
        r, n = score(d, cases)
        rows.append((name, n, r))
        print(name, n, {k: round(v, 2) for k, v in r.items()}, flush=True)
    lines = [f"Measured by `python -m benchmarks.experiments.real_noise_inference {' '.join(argv if argv is not None else sys.argv[1:])}` "
             f"on {time.strftime('%Y-%m-%d')} (CPU, one run, {time.perf_counter() - t0:.0f} s). Mean PSNR dB over the "
             "images Auto routes to the real-noise network, at Auto's level.", "",
             "| set (images) | " + " | ".join(VARIANTS) + " |", "|---|" + "---|" * len(VARIANTS)]
    for name, n, r in rows:
        lines.append(f"| {name} ({n}) | " + " | ".join(f"{r[k]:.2f}" for k in VARIANTS) + " |")
    md = "\n".join(lines) + "\n"
    print("\n" + md)
    if args.write:
        from benchmarks.records import write_section

        write_section(args.write, "Running the networks differently (`benchmarks/experiments/real_noise_inference.py`)", md, level=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
