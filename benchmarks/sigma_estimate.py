"""How close the blind noise estimate (``noise_estimate.estimate_sigma``) comes to the true σ,
on the images and the noise protocol of ``benchmarks/quality.py`` (8-bit rounded and clipped).

    python benchmarks/sigma_estimate.py                 # Set12 gray + the 24 held-out color images
    python benchmarks/sigma_estimate.py --sigmas 50 --per-image

Prints mean / min / max of the estimate per σ; the low tail is what costs blind models PSNR.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402  (same images, same noise, same seeds)

from denoise_desktop.noise_estimate import estimate_sigma  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sigmas", default="5,15,25,50")
    ap.add_argument("--gray-dir", type=Path, default=quality.DATA / "set12_gray")
    ap.add_argument("--color-dir", type=Path, default=quality.DATA / "bsds500_color_train")
    ap.add_argument("--per-image", action="store_true")
    args = ap.parse_args(argv)
    sets = {"Set12 gray": (sorted(args.gray_dir.glob("*.png")), 1),
            "BSDS500 held-out color": (quality.color_holdout(args.color_dir), 3)}
    for name, (files, channels) in sets.items():
        cleans = quality.load_cleans(files, channels)
        print(f"{name} ({len(files)} images)")
        for sigma in (float(s) for s in args.sigmas.split(",")):
            est = np.array([estimate_sigma(quality.add_noise_8bit(c, sigma, 1000 * int(sigma) + i))
                            for i, c in enumerate(cleans)])
            worst = files[int(np.argmin(est))].name
            print(f"  σ={sigma:4.0f}  mean {est.mean():5.1f}  min {est.min():5.1f} ({worst})  max {est.max():5.1f}")
            if args.per_image:
                print("    " + ", ".join(f"{p.name} {e:.1f}" for p, e in zip(files, est)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
