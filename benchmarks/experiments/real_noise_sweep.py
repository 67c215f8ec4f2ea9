"""Which level suits a network on the real pairs: fixed σ values or multiples of Auto's level?

Answer: About twice Auto's full-scale level on the PolyU dev pairs (2026-12-01; docs/lab/real-
noise.md) — reported, not applied (tuning on the dev folder would spoil it as a test); the two-scale
reading (``coarse_level``) now supplies that level without a factor.

Which level suits a network on the real pairs: fixed σ values and multiples of Auto's level.

A diagnostic, not a tuning tool: the kept-back cameras must see a model tuned on synthetic noise
(``level_scale.py``), so what this shows on the dev folder is reported, not applied.

    python -m benchmarks.experiments.real_noise_sweep --models git:85e4e87,unet_res_color_real --levels x1,x2,10
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks import data, real_noise, runner

from denoise_desktop import imageio, metrics
from denoise_desktop.noise_estimate import estimate_sigma


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--models", default="unet_res_color_real")
    ap.add_argument("--levels", default="x1,x2,10", help="xF = F × Auto's level, a number = that σ for every image")
    args = ap.parse_args(argv)
    cases = [(imageio.read_image(r).to_float(), imageio.read_image(m).to_float()) for r, m in real_noise.pairs(args.pairs)]
    auto = [estimate_sigma(r) for r, _ in cases]
    print(f"{len(cases)} pairs; noisy {np.mean([metrics.psnr(m, r) for r, m in cases]):.2f} dB; "
          f"Auto level mean {np.mean(auto):.2f}", flush=True)
    with tempfile.TemporaryDirectory() as t:
        for spec in args.models.split(","):
            d = real_noise.network_from(spec, Path(t))
            for mode in args.levels.split(","):
                sig = [a * float(mode[1:]) for a in auto] if mode.startswith("x") else [float(mode)] * len(cases)
                ps = [runner.saved_psnr(d, r, m, s)
                      for (r, m), s in zip(cases, sig)]
                print(f"{spec:<24} level {mode:<5} {np.mean(ps):6.2f} dB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
