"""Every bundled model on real camera noise, blind, side by side in one run.

    python -m benchmarks.real_noise_models [--limit N] [--skip MODEL,...] [--record]

The real dev pairs (``polyu_canon_dev``: ``_real`` against ``_mean``) in colour for the models that
take colour, and as gray (8-bit BT.601 luma of both; what a gray photo from a camera is) for the
models that take gray. Each model runs as the app runs it with σ on Auto (blind), one pass, scored
by the protocol (outputs as saved, 8 bits). The classic systems (made for digits and thumbnails)
are left out. Mean PSNR / SSIM and seconds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from denoise_desktop import registry

from . import data, records
from .runner import model_method, score_cases


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--skip", default="bm3d", help="model ids left out (comma list; BM3D: slow)")
    ap.add_argument("--record", action="store_true", help="write docs/results/real_noise_models.json")
    args = ap.parse_args(argv)
    t0 = time.time()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    default = {3: registry.default_model_id(3), 1: registry.default_model_id(1)}
    t = records.Table("real", f"`{args.pairs.name}` real pairs, blind, one pass: PSNR (dB) / SSIM",
                      ["pairs", "model", "PSNR / SSIM", "seconds"])
    raw = {}
    for kind, ch in (("colour", 3), ("gray", 1)):
        cases = data.real_pairs(args.pairs, args.limit, channels=ch)
        methods = []
        for e in registry.list_models():
            if e.id in skip or e.classic or e.input_kind != "image" or (e.kind != "classical" and ch not in e.channels):
                continue
            d = registry.load(e.id, device="cpu", channels=ch)
            if hasattr(d, "set_ensemble"):
                d.set_ensemble(1)
            label = f"{e.id} (default)" if e.id == default[ch] else e.id
            methods.append(model_method(label, d))
        rows = score_cases(cases, methods, name=kind)
        raw[kind] = rows
        for r in rows:
            t.add(f"{kind} ({r['n']})", r["method"], f"{r['psnr']:.2f} / {r['ssim']:.4f}", f"{r['seconds']:.0f}")
    print("\n".join(t.markdown()))
    if args.record:
        records.write("real_noise_models", "Every bundled model on real camera noise", [t],
                      command=records.command("benchmarks.real_noise_models", argv), seconds=time.time() - t0,
                      data=raw, notes=["Gray: the 8-bit BT.601 luma of both images of each pair (a gray photo "
                                       "from a camera). The colour default routes each photo between its "
                                       "Gaussian and real-noise networks."])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
