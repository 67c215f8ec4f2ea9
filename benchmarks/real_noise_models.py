"""Every bundled model on real camera noise, blind, side by side in one run.

    python benchmarks/real_noise_models.py [--limit N] [--skip MODEL,...] [--write docs/benchmarks.md]

The real dev pairs (``polyu_canon_dev``: ``_real`` against ``_mean``) in colour for the models that
take colour, and as gray (BT.601 luma of both; what a gray photo from a camera is) for the models
that take gray. Each model runs as the app runs it with σ on Auto: σ-aware models get the app's
estimate, the others run as they are; one pass, outputs rounded to 8 bits. Mean PSNR / SSIM and
seconds. The synthetic-noise tables for the same models are "Quality, gray" / "Quality, color".
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402
import real_noise  # noqa: E402

from denoise_desktop import imageio, metrics, registry  # noqa: E402

def score(d, cases) -> tuple[float, float, float]:
    ps, ss, t = [], [], 0.0
    for x, c in cases:
        t0 = time.perf_counter()
        out = quality.as_saved(d.denoise(x, sigma=None))
        t += time.perf_counter() - t0
        ps.append(metrics.psnr(c, out))
        ss.append(metrics.ssim(c, out))
    return float(np.mean(ps)), float(np.mean(ss)), t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=quality.DATA / "polyu_canon_dev")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--skip", default="bm3d", help="model ids left out (comma list)")
    ap.add_argument("--write", type=Path, help="replace this section of a markdown file (docs/benchmarks.md)")
    args = ap.parse_args(argv)
    color = [(imageio.read_image(r).to_float(), imageio.read_image(m).to_float())
             for r, m in real_noise.pairs(args.pairs)][: args.limit or None]
    gray = [(quality.gray8(x), quality.gray8(c)) for x, c in color]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    rows = []
    for kind, cases, ch in (("colour", color, 3), ("gray", gray, 1)):
        rows.append((kind, "noisy input", float(np.mean([metrics.psnr(c, x) for x, c in cases])),
                     float(np.mean([metrics.ssim(c, x) for x, c in cases])), 0.0))
        for e in registry.list_models():
            if e.id in skip or (e.kind != "classical" and ch not in e.channels):
                continue
            d = registry.load(e.id, device="cpu", channels=ch)
            if hasattr(d, "set_ensemble"):
                d.set_ensemble(1)
            p, s, t = score(d, cases)
            rows.append((kind, e.id, p, s, t))
            print(f"{kind} {e.id}: {p:.2f} / {s:.4f} ({t:.0f} s)", flush=True)
    default = {3: registry.default_model_id(3), 1: registry.default_model_id(1)}
    lines = [f"Measured by `python benchmarks/real_noise_models.py {' '.join(argv if argv is not None else sys.argv[1:])}` "
             f"on {time.strftime('%Y-%m-%d')} (CPU, one pass, σ on Auto). `{args.pairs.name}`, {len(color)} real pairs; "
             f"gray = the BT.601 luma of both images. Defaults: `{default[3]}` (colour: routed between its Gaussian "
             f"and real-noise networks), `{default[1]}` (gray).", "",
             "| pairs | model | PSNR / SSIM | seconds |", "|---|---|---|---|"]
    for kind, name, p, s, t in rows:
        lines.append(f"| {kind} | {name} | {p:.2f} / {s:.4f} | {t:.0f} |")
    md = "\n".join(lines) + "\n"
    print("\n" + md)
    if args.write:
        import speed

        speed.write_section(args.write, "Every bundled model on real noise (`benchmarks/real_noise_models.py`)", md, level=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
