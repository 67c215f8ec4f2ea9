"""What part of the real-pair error can no single-image denoiser remove?

Answer: Each frame's brightness offset from its multi-frame reference (2026-12-04; docs/lab/real-
noise-network.md): 0.76 levels per channel on average, 5.8 % of the noisy input's error energy;
taking it away (with the reference) would move the default from 38.29 to 38.84 dB on the PolyU dev
pairs.

What part of the real-pair error no single-image denoiser can remove?

    python -m benchmarks.experiments.real_noise_ceiling [--model unet_res_color] [--limit N] [--write NOTE.md]

A real pair's reference (``_mean``) is the average of many captures; the noisy capture
(``_real``) differs from it by noise *and* by what changed between captures: exposure and
flicker move a frame's brightness as a whole, in no way the frame itself shows. A denoiser keeps
the low frequencies of its input (that is where the picture is), so that part of the difference
stays in any output. Reported on the dev pairs, side by side in one run:

* the default model's output (blind, one pass, rounded to 8 bits, as the app saves it);
* the same output with each frame's mean offset (``mean(_real − _mean)`` per channel) taken
  away — what a denoiser that somehow knew the frame's brightness error would add;
* the same with the error's very low frequencies (Gaussian σ = 16 / 8 px) taken away;
* the reference itself plus only the frame's offset, or plus only the noise's σ-16-px band: the
  best an output that keeps that part of the difference can score;
* the per-channel offsets themselves (mean |offset|, and the share of the noisy input's error
  energy they and the σ-16-px band hold).

Those corrections need the reference, so no app can make them: they bound what is left for a
better network to win.
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


def measure(denoiser, cases) -> dict:
    rows = {k: [] for k in ("default", "minus offset", "minus σ16 band", "minus σ8 band",
                            "reference + the frame's offset", "reference + the noise's σ16 band")}
    offsets, shares_dc, shares_low = [], [], []
    for x, c in cases:
        out = denoiser.denoise(x, sigma=None)
        err = out - c
        off = err.mean(axis=(0, 1))
        rows["default"].append(metrics.psnr(c, protocol.as_saved(out)))
        rows["minus offset"].append(metrics.psnr(c, protocol.as_saved(out - off)))
        for s in (16, 8):
            rows[f"minus σ{s} band"].append(metrics.psnr(c, protocol.as_saved(out - cv2.GaussianBlur(err, (0, 0), s))))
        n = (x - c) * 255.0
        n_off = n.mean(axis=(0, 1))
        rows["reference + the frame's offset"].append(metrics.psnr(c, c + n_off / 255.0))  # not rounded: it would round offsets below 0.5 away
        rows["reference + the noise's σ16 band"].append(
            metrics.psnr(c, c + cv2.GaussianBlur(n, (0, 0), 16) / 255.0))
        offsets.append(np.abs(n_off))
        energy = float((n ** 2).mean())
        shares_dc.append(float((n_off ** 2).mean()) / energy)
        shares_low.append(float((cv2.GaussianBlur(n, (0, 0), 16) ** 2).mean()) / energy)
    return {"psnr": {k: float(np.mean(v)) for k, v in rows.items()},
            "offset": float(np.mean(offsets)), "share_dc": float(np.mean(shares_dc)),
            "share_low": float(np.mean(shares_low))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="unet_res_color")
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--write", type=Path, help="replace this section of a markdown file (a lab note in docs/lab/)")
    args = ap.parse_args(argv)
    cases = [(imageio.read_image(r).to_float(), imageio.read_image(m).to_float())
             for r, m in real_noise.pairs(args.pairs)][: args.limit or None]
    d = registry.load(args.model, device="cpu", channels=3)
    d.set_ensemble(1)
    t0 = time.perf_counter()
    r = measure(d, cases)
    print(r, f"({time.perf_counter() - t0:.0f} s)", flush=True)
    p = r["psnr"]
    md = (f"Measured by `python -m benchmarks.experiments.real_noise_ceiling {' '.join(argv if argv is not None else sys.argv[1:])}` "
          f"on {time.strftime('%Y-%m-%d')} (CPU, one pass). `{args.pairs.name}`, {len(cases)} pairs, mean PSNR dB of "
          f"`{args.model}` (blind) and of the same outputs with parts of their error taken away using the reference:\n\n"
          "| output | PSNR |\n|---|---|\n"
          + "".join(f"| {k} | {v:.2f} |\n" for k, v in p.items())
          + f"\nThe noisy frames' mean offset from their reference: {r['offset']:.2f} levels per channel on average "
          f"(0–255); it holds {100 * r['share_dc']:.1f} % of the noisy input's error energy, and the band below σ = 16 px "
          f"{100 * r['share_low']:.1f} %.\n")
    print("\n" + md)
    if args.write:
        from benchmarks.records import write_section

        write_section(args.write, "What no blind denoiser can win on the real pairs (`benchmarks/experiments/real_noise_ceiling.py`)",
                            md, level=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
