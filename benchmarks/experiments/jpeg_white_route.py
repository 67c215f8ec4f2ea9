"""Should white noise saved as a JPEG go to the Gaussian network instead of the camera one?

Answer: Yes, adopted (2026-12-08; ``routing.white_luma``, route ``jpeg_white``). Gaussian noise
saved as a q90 4:2:0 JPEG looks correlated (its chroma is subsampled), so Auto sent it to the
real-noise network; its luma noise stays white, which a camera's (demosaiced) does not. Routed by
the luma's PCA level against the learned level and against its half-scale reading, the Gaussian
network at Auto's level gains over the real-noise network on the JPEG'd images it takes and no
PolyU photo changes route; three synthetic camera photos (of 24) that passed the first two tests
lost 0.4 dB there, which the half-scale test now keeps on the camera route. At σ 50 (levels
≥ 44) the JPEG's blocking dominates and the real-noise network is 0.96 dB better, so levels above
42 stay on the camera route. Numbers: run it (docs/lab/real-noise.md has the table of the day).

    python -m benchmarks.experiments.jpeg_white_route [--limit N] [--sigmas 5,10,15,25,35,50]

Per set: how many images Auto routes to ``jpeg_white``; for those, PSNR (as saved) of the
Gaussian network and of the real-noise network, both at Auto's level, two passes; and the change
over the whole set. Sets: the PolyU dev pairs, the held-out BSDS500 colour photos through the
synthetic camera (``training/camera.py``, seeded) and with Gaussian σ added and saved as JPEG.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks import data
from denoise_desktop import protocol, registry
from denoise_desktop.metrics import psnr
from denoise_desktop.routing import choose_route


def camera_cases(cleans: list[np.ndarray]) -> list[data.Case]:
    from training import camera

    rng = np.random.default_rng(7)
    out = []
    for c in cleans:
        noisy, target = camera.camera_pipeline(c.astype(np.float32), rng, shot=(2e-4, 0.012), jpeg_quality=(70, 98),
                                               jpeg_fraction=0.85, nr_fraction=0.8)[::2]
        out.append((noisy, target, None))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0, help="first N images of each set")
    ap.add_argument("--sigmas", default="5,10,15,25,35,50")
    args = ap.parse_args(argv)

    d = registry.load(registry.default_model_id(3), device="cpu", channels=3)
    d.set_ensemble(2)
    cleans = data.load_cleans(data.color_holdout(), 3)[: args.limit or None]
    sets = {"polyu_canon_dev": data.real_pairs(limit=args.limit), "camera synthesis": camera_cases(cleans)}
    for s in [float(v) for v in args.sigmas.split(",") if v]:
        sets[f"Gaussian σ {s:g} + JPEG q90 4:2:0"] = data.noisy_cases(cleans, s, jpeg=True)
    t0 = time.perf_counter()
    print("| set | routed to jpeg_white | Gaussian net | real-noise net | change over the set |")
    print("|---|---|---|---|---|")
    for name, cases in sets.items():
        white, real = [], []
        for x, ref, _ in cases:
            route = choose_route(x)
            if route.name != "jpeg_white":
                continue
            white.append(psnr(ref, protocol.as_saved(d.white.denoise(x, sigma=route.est.level))))
            real.append(psnr(ref, protocol.as_saved(d.real.denoise(x, sigma=route.est.level))))
        cells = f"{np.mean(white):.2f} | {np.mean(real):.2f}" if white else "– | –"
        change = (np.sum(white) - np.sum(real)) / len(cases)
        print(f"| {name} | {len(white)}/{len(cases)} | {cells} | {change:+.3f} |", flush=True)
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
