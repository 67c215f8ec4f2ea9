"""Which network and which level estimator should the real-noise default use?

Answer: The bundled ones (2026-12-03; docs/lab/coarse-camera-noise.md): estimators trained on coarse
camera noise gained +0.24 / +0.40 dB on PolyU but cost 0.05–0.8 dB on Gaussian noise saved as JPEG
and failed the estimator's tests; the fine-tuned network gained nothing on PolyU. None was bundled.

Model selection for the real-noise default: candidate networks × candidate level estimators.

Each pair runs blind (one pass, Auto level from that estimator) on the dev pairs
(``polyu_canon_dev``) and on Gaussian σ 15 / 25 saved as JPEG q90 4:2:0 (the held-out BSDS val
images of ``quality.py``), side by side in one run — so a candidate that helps real noise but
costs the noisy-JPEG case shows both. Mean PSNR (dB), outputs rounded to 8 bits.

    python -m benchmarks.experiments.real_noise_select \\
        --nets unet_res_color_real,runs/real4/export/unet_res_color.safetensors \\
        --estimators bundled,runs/est4_export/noise_level.safetensors,runs/est5/noise_level.safetensors

A network is a registry id or a ``.safetensors`` export; an estimator is ``bundled`` or a
``.safetensors`` written by ``python -m training.estimator``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import data, real_noise, runner

from denoise_desktop import imageio, protocol
from denoise_desktop.noise_estimate import estimate_sigma


def _cases(pairs_dir: Path, color_dir: Path, limit: int):
    polyu = [(imageio.read_image(r).to_float(), imageio.read_image(m).to_float())
             for r, m in real_noise.pairs(pairs_dir)][: limit or None]
    cleans = data.load_cleans(data.color_holdout(color_dir)[: limit or None], 3)
    sets = {f"{pairs_dir.name} ({len(polyu)})": polyu}
    for s in (15.0, 25.0):
        sets[f"σ {s:g} + JPEG q90 4:2:0 ({len(cleans)})"] = [
            (data.jpeg420(protocol.noisy(c, s, i)), c) for i, c in enumerate(cleans)]
    return sets


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nets", default="unet_res_color_real")
    ap.add_argument("--estimators", default="bundled")
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--color-dir", type=Path, default=data.DATA / "bsds500_color_train")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    sets = _cases(args.pairs, args.color_dir, args.limit)
    rows = []
    with tempfile.TemporaryDirectory() as t:
        for est in args.estimators.split(","):
            net_est = None if est == "bundled" else real_noise.estimator_of(est, Path(t))
            for spec in args.nets.split(","):
                d = real_noise.network_from(spec, Path(t))
                d.set_ensemble(1)
                row = {"network": Path(spec).name if spec.endswith(".safetensors") else spec,
                       "estimator": "bundled" if est == "bundled" else str(Path(est).parent.name)}
                t0 = time.perf_counter()
                with (real_noise.estimator(net_est) if net_est is not None else contextlib.nullcontext()):
                    for name, cases in sets.items():
                        levels = [estimate_sigma(x) for x, _ in cases]
                        row[name] = float(np.mean([runner.saved_psnr(d, x, c, s)
                                                   for (x, c), s in zip(cases, levels)]))
                        row[name + " level"] = float(np.mean(levels))
                row["seconds"] = round(time.perf_counter() - t0)
                rows.append(row)
                print("  ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    names = list(sets)
    print(f"\nMeasured by `python -m benchmarks.experiments.real_noise_select {' '.join(argv if argv is not None else sys.argv[1:])}` "
          f"on {time.strftime('%Y-%m-%d')} (CPU, one pass, Auto level). PSNR dB (mean Auto level).\n")
    print("| network | estimator | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for r in rows:
        print(f"| {r['network']} | {r['estimator']} | " + " | ".join(f"{r[n]:.2f} ({r[n + ' level']:.1f})" for n in names) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
