"""Which level suits a network on the real pairs: fixed σ values and multiples of Auto's level.

A diagnostic, not a tuning tool: the kept-back cameras must see a model tuned on synthetic noise
(``level_scale.py``), so what this shows on the dev folder is reported, not applied.

    python benchmarks/real_noise_sweep.py --models git:85e4e87,unet_res_color_real --levels x1,x2,10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402
import real_noise  # noqa: E402

from denoise_desktop import imageio, metrics  # noqa: E402
from denoise_desktop.noise_estimate import estimate_sigma  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=quality.DATA / "polyu_canon_dev")
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
                ps = [quality.saved_psnr(d, r, m, s)
                      for (r, m), s in zip(cases, sig)]
                print(f"{spec:<24} level {mode:<5} {np.mean(ps):6.2f} dB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
