"""How much of the real-pair gap is the level, and how much is the network?

Answer: The network (2026-12-04; docs/lab/real-noise-network.md): with the bundled real-noise
network one fixed level of 5 scores 38.47 dB on the PolyU dev pairs and the per-photo best of six
levels 38.59, against Auto's 38.29; Auto's level barely predicts a photo's best one (correlation of
the logs 0.02).

How much of the real-pair gap is the level, and how much is the network?

    python -m benchmarks.experiments.level_headroom [--nets unet_res_color_real,runs/x/export/unet_res_color.safetensors]
                                        [--levels 2.5,3.5,5,7,10] [--limit N] [--write NOTE.md]

Each network (a registry id or a ``.safetensors`` export) denoises every dev pair
(``polyu_canon_dev``, one pass, outputs rounded to 8 bits) at Auto's level and at each fixed
level of ``--levels``. Reported side by side in one run: mean PSNR at Auto, at each fixed level
(the same level for every photo), and the per-photo best of the grid — what a perfect estimator
could reach with that network (on this grid). Plus how well each reading predicts the photo's
best level (correlation of the logs): Auto, and the pair's true RMS noise (which needs the
reference, so no app can read it). If the per-photo best is short of a target, no estimator can
close it: the network must change.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import data, real_noise, runner

from denoise_desktop import imageio
from denoise_desktop.noise_estimate import estimate_sigma


def _corr_log(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.log(a), np.log(b))[0, 1])


def measure(d, cases, levels: list[float], auto: np.ndarray) -> dict:
    """PSNR per photo at Auto and at each level; the per-photo best of the grid."""
    def psnr(x, c, s):
        return runner.saved_psnr(d, x, c, float(s))

    at_auto = np.array([psnr(x, c, s) for (x, c), s in zip(cases, auto)])
    grid = np.array([[psnr(x, c, s) for s in levels] for x, c in cases])
    best = np.asarray(levels)[grid.argmax(axis=1)]
    return {"auto": at_auto.mean(), "fixed": grid.mean(axis=0), "oracle": grid.max(axis=1).mean(), "best": best}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nets", default="unet_res_color_real")
    ap.add_argument("--levels", default="2.5,3.5,5,7,10")
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--write", type=Path, help="replace this section of a markdown file (a lab note in docs/lab/)")
    args = ap.parse_args(argv)
    levels = [float(v) for v in args.levels.split(",")]
    cases = [(imageio.read_image(r).to_float(), imageio.read_image(m).to_float())
             for r, m in real_noise.pairs(args.pairs)][: args.limit or None]
    auto = np.array([estimate_sigma(x) for x, _ in cases])
    true = np.array([float(np.std(x - c)) * 255 for x, c in cases])
    rows = []
    with tempfile.TemporaryDirectory() as t:
        for spec in args.nets.split(","):
            d = real_noise.network_from(spec, Path(t))
            d.set_ensemble(1)
            t0 = time.perf_counter()
            r = measure(d, cases, levels, auto)
            r["name"] = spec
            r["seconds"] = time.perf_counter() - t0
            rows.append(r)
            print(f"{r['name']}: Auto {r['auto']:.2f}, fixed {np.round(r['fixed'], 2)}, per-photo best {r['oracle']:.2f}, "
                  f"corr(best, Auto) {_corr_log(r['best'], auto):.2f}, corr(best, true RMS) {_corr_log(r['best'], true):.2f} "
                  f"({r['seconds']:.0f} s)", flush=True)
    head = " | ".join(f"level {v:g}" for v in levels)
    lines = [f"Measured by `python -m benchmarks.experiments.level_headroom {' '.join(argv if argv is not None else sys.argv[1:])}` "
             f"on {time.strftime('%Y-%m-%d')} (CPU, one pass). `{args.pairs.name}`, {len(cases)} pairs: mean PSNR dB; "
             f"Auto level mean {auto.mean():.2f} (range {auto.min():.1f}–{auto.max():.1f}), true RMS mean {true.mean():.2f} "
             f"(corr of logs with Auto {_corr_log(auto, true):.2f}).", "",
             f"| network | Auto | {head} | per-photo best of the grid | corr(best level, Auto) | corr(best level, true RMS) |",
             "|---|---|" + "---|" * len(levels) + "---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['auto']:.2f} | " + " | ".join(f"{v:.2f}" for v in r["fixed"])
                     + f" | {r['oracle']:.2f} | {_corr_log(r['best'], auto):.2f} | {_corr_log(r['best'], true):.2f} |")
    md = "\n".join(lines) + "\n"
    print("\n" + md)
    if args.write:
        from benchmarks.records import write_section

        write_section(args.write, "Level or network? (`benchmarks/experiments/level_headroom.py`)", md, level=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
