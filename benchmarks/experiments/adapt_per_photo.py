"""Does fitting the network to each photo (self-supervised, a minute per photo) gain on real noise?

Answer: No, not as tried (2026-12-08; not adopted). On 4–6 PolyU dev photos, one pass, the
real-noise network fine-tuned 100–300 steps on the photo itself moved each photo by −0.2 to
+0.4 dB and the mean by −0.03 to +0.19 dB, at ~60 s per 512² crop on two busy cores:
- re-noised estimate (input x̂ + ±r from 6–24 px away, target x̂; lr 1e-4–3e-4, 64² or 96²
  patches): +0.19 (100 steps, 4 photos), ~0 with 150–300 steps on 6; textured photos (PolyU
  "circuit") always lost 0.1–0.2 dB: the residual holds lost detail, which the loss teaches the
  network to remove. Taking the residual from the least textured of 6 spots did not help.
- recorrupted pairs (R2R: y + r/2 → y − 2r, no pseudo-clean target): −0.2 to −0.7 dB.
A Best quality that is no better than Default on average is not shipped; Quality stays the
self-ensemble (fast 1, default 2, high 4, best 8 passes).

    python -m benchmarks.experiments.adapt_per_photo [--limit 6] [--steps 150] [--lr 2e-4] [--r2r 0]
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np

from benchmarks import data
from denoise_desktop import protocol, registry
from denoise_desktop.metrics import psnr
from denoise_desktop.routing import choose_route


def pairs_batch(y, est, rng, patch: int, batch: int, r2r: float, shift=(6, 24)):
    """Inputs and targets: x̂ + ±r(elsewhere) → x̂, or with ``r2r`` > 0, y + a·r → y − r/a."""
    h, w = y.shape[:2]
    res = y - est
    xs, ts = [], []
    for _ in range(batch):
        py, px = rng.integers(0, h - patch + 1), rng.integers(0, w - patch + 1)
        while True:
            dy, dx = rng.integers(-shift[1], shift[1] + 1, size=2)
            qy, qx = py + dy, px + dx
            if max(abs(dy), abs(dx)) >= shift[0] and 0 <= qy <= h - patch and 0 <= qx <= w - patch:
                break
        r = res[qy : qy + patch, qx : qx + patch] * (1 if rng.random() < 0.5 else -1)
        base = (y if r2r > 0 else est)[py : py + patch, px : px + patch]
        x, t = (base + r2r * r, base - r / r2r) if r2r > 0 else (base + r, base)
        k = int(rng.integers(4))
        xs.append(np.rot90(np.round(np.clip(x, 0, 1) * 255) / 255, k))
        ts.append(np.rot90(t, k))
    to = lambda a: np.ascontiguousarray(np.stack(a).transpose(0, 3, 1, 2), np.float32)  # noqa: E731
    return to(xs), to(ts)


def adapted(net, y, level: float, steps: int, lr: float, r2r: float, seed: int = 0):
    import torch

    from denoise_desktop.runtime import make_runtime

    rng = np.random.default_rng(seed)
    est = net.denoise(y, sigma=level)
    model = copy.deepcopy(net.model).float().train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        xb, tb = (torch.from_numpy(a) for a in pairs_batch(y, est, rng, 64, 8, r2r))
        loss = torch.nn.functional.mse_loss(model(xb, level / 255.0), tb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = copy.copy(net)
    out.model = model.eval().requires_grad_(False)
    out.runtime = make_runtime(out.model, net.device, net.precision)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=6, help="photos, spread over the dev set")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--r2r", type=float, default=0.0)
    args = ap.parse_args(argv)
    d = registry.load(registry.default_model_id(3), device="cpu", channels=3)
    d.set_ensemble(1)
    cases = data.real_pairs()
    cases = cases[:: max(1, len(cases) // args.limit)][: args.limit]
    base, fit = [], []
    for y, ref, _ in cases:
        t0 = time.perf_counter()
        route = choose_route(y)
        net, level = d._network(route), route.est.level
        base.append(psnr(ref, protocol.as_saved(net.denoise(y, sigma=level))))
        a = adapted(net, y, level, args.steps, args.lr, args.r2r)
        fit.append(psnr(ref, protocol.as_saved(a.denoise(y, sigma=level))))
        print(f"{base[-1]:.2f} → {fit[-1]:.2f} dB ({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"mean {np.mean(base):.3f} → {np.mean(fit):.3f} dB over {len(cases)} photos")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
