"""Which multiple of Auto's level suits a denoiser best on synthetic camera noise?

Answer: On its own synthetic low-ISO noise the real-noise network did better with less than Auto's
level, while the real pairs wanted about twice it (2026-12-01; docs/lab/real-noise.md): the
synthesis and the real files disagreed. Superseded by the two-scale level reading
(``coarse_level``).

Which multiple of Auto's level suits a denoiser best on *synthetic* camera noise.

The held-out BSDS500 val images of ``quality.py`` go through ``training.camera.camera_pipeline``
(seeded per image); the model then runs on the Auto level times each factor, and mean PSNR
against the noise-free development is printed per factor. Tuning a factor here, not on the real
pairs, keeps ``polyu_canon_dev`` (and the real pairs kept back) an honest test.

    python -m benchmarks.experiments.level_scale --model unet_res_color --factors 0.75,1,1.5,2,3
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks import data, real_noise, runner

from denoise_desktop import metrics
from denoise_desktop.noise_estimate import estimate_sigma
from training.camera import camera_pipeline


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="unet_res_color")
    ap.add_argument("--factors", default="0.75,1,1.5,2,3")
    ap.add_argument("--color-dir", type=Path, default=data.DATA / "bsds500_color_train")
    ap.add_argument("--shot", default="2e-5,0.012", help="shot-noise range of the synthetic camera")
    ap.add_argument("--crop", type=int, default=256)
    args = ap.parse_args(argv)
    lo, hi = (float(v) for v in args.shot.split(","))
    cleans = [c[: args.crop, : args.crop] for c in data.load_cleans(data.color_holdout(args.color_dir), 3)]
    cases = []
    for i, c in enumerate(cleans):
        noisy, _, target = camera_pipeline(np.ascontiguousarray(c), np.random.default_rng([7, i]), shot=(lo, hi))
        cases.append((noisy, target, estimate_sigma(noisy)))
    print(f"{len(cases)} images; Auto level mean {np.mean([e for *_, e in cases]):.1f}; "
          f"noisy {np.mean([metrics.psnr(t, n) for n, t, _ in cases]):.2f} dB")
    with tempfile.TemporaryDirectory() as t:
        d = real_noise.network_from(args.model, Path(t))
        for f in (float(v) for v in args.factors.split(",")):
            ps = [runner.saved_psnr(d, n, tg, e * f) for n, tg, e in cases]
            print(f"× {f:<5g} {np.mean(ps):6.2f} dB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
