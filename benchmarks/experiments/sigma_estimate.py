"""How close do the blind noise estimates come to the true σ?

Answer: Close on Gaussian noise in PNGs (docs/lab/synthetic-quality.md): Auto equals the PCA
estimate on Set12 and the BSDS500 hold-out at σ 15–50; after the 2026-11-24 fix for dark, clipped
images the worst estimate at σ 50 over the 24 colour images is 43.3 (mean 47.1), on Set12 47.8 (mean
49.1).

How close the blind noise estimates come to the true σ, on the images and the noise protocol
of ``benchmarks/quality.py`` (8-bit rounded and clipped), saved as PNG and as JPEG q90 4:2:0.

Two estimators side by side: "Auto" (``noise_estimate.estimate_sigma``: the learned estimator
when its weights are bundled) and the white-noise PCA estimate (``estimate_sigma_awgn``).

    python -m benchmarks.experiments.sigma_estimate                 # Set12 gray + the 24 held-out color images
    python -m benchmarks.experiments.sigma_estimate --sigmas 50 --per-image

Prints mean / min / max of each estimate per σ; the low tail is what costs blind models PSNR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from denoise_desktop import protocol
from benchmarks import data

from denoise_desktop.noise_estimate import estimate_sigma, estimate_sigma_awgn
from benchmarks.data import jpeg420


def _jpeg(img: np.ndarray) -> np.ndarray:
    return jpeg420(img) if img.shape[2] == 3 else _gray_jpeg(img)


def _gray_jpeg(img: np.ndarray) -> np.ndarray:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.uint8(np.rint(img[..., 0] * 255))).save(buf, "JPEG", quality=90)
    buf.seek(0)
    with Image.open(buf) as im:
        return (np.asarray(im, np.float32) / 255.0)[..., None]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sigmas", default="5,15,25,50")
    ap.add_argument("--gray-dir", type=Path, default=data.DATA / "set12_gray")
    ap.add_argument("--color-dir", type=Path, default=data.DATA / "bsds500_color_train")
    ap.add_argument("--per-image", action="store_true")
    args = ap.parse_args(argv)
    sets = {"Set12 gray": (sorted(args.gray_dir.glob("*.png")), 1),
            "BSDS500 held-out color": (data.color_holdout(args.color_dir), 3)}
    for name, (files, channels) in sets.items():
        cleans = data.load_cleans(files, channels)
        print(f"{name} ({len(files)} images)")
        for sigma in (float(s) for s in args.sigmas.split(",")):
            noisy = [protocol.noisy(c, sigma, i) for i, c in enumerate(cleans)]
            for saved, imgs in (("PNG", noisy), ("JPEG q90 4:2:0", [_jpeg(n) for n in noisy])):
                for est_name, fn in (("Auto", estimate_sigma), ("PCA", estimate_sigma_awgn)):
                    est = np.array([fn(n) for n in imgs])
                    worst = files[int(np.argmin(est))].name
                    print(f"  σ={sigma:4.0f} {saved:<15} {est_name:<5} mean {est.mean():5.1f}  "
                          f"min {est.min():5.1f} ({worst})  max {est.max():5.1f}", flush=True)
                    if args.per_image:
                        print("    " + ", ".join(f"{p.name} {e:.1f}" for p, e in zip(files, est)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
