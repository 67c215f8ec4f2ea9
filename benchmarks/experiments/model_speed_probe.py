"""How fast is each architecture per pixel on this CPU, at which width (MP/s, MAC per pixel, parameters)?

Answer: A tuning probe used to size the networks' widths; the current per-architecture speed is the
Speed table of docs/results.md (``python -m benchmarks.speed``), and docs/lab/bundled-weights.md
says why ``unet_res`` stays at width 32 (48 would cost ~2.25× per pixel).

Quick side-by-side CPU speed of the architectures (MP/s, MAC/pixel, params).

    python -m benchmarks.experiments.model_speed_probe [--threads 2] [--size 512] [arch[:k=v,...] ...]

Not the product benchmark (that is python -m benchmarks.speed); this one tunes model widths.
"""

from __future__ import annotations

import argparse
import json
import time

import torch
from torch import nn

from denoise_desktop.models import build


def macs_per_pixel(model: nn.Module, c: int, size: int = 64) -> float:
    """Multiply-accumulates of convs per input pixel, counted with forward hooks."""
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, nn.ConvTranspose2d):
            k = mod.kernel_size[0] * mod.kernel_size[1]
            total += inp[0].numel() // inp[0].shape[0] * mod.out_channels * k // mod.groups
        elif isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1]
            total += out.numel() // out.shape[0] * mod.in_channels * k // mod.groups

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
    with torch.inference_mode():
        model(torch.rand(1, c, size, size), 0.1)
    for h in hs:
        h.remove()
    return total / (size * size)


def mp_per_s(model: nn.Module, c: int, size: int, repeats: int) -> float:
    x = torch.rand(1, c, size, size)
    with torch.inference_mode():
        model(x, 0.1)  # warm-up (oneDNN primitive creation)
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            model(x, 0.1)
            best = min(best, time.perf_counter() - t)
    return size * size / best / 1e6


def parse(arg: str) -> tuple[str, dict]:
    arch, _, rest = arg.partition(":")
    hp = {}
    for kv in filter(None, rest.split(",")):
        k, v = kv.split("=")
        hp[k] = json.loads(v)
    return arch, hp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", default=["dncnn", "unet_res"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1, help="interleave the models N times, keep each one's best")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    models = {}
    for spec in a.models:
        arch, hp = parse(spec)
        models[spec] = build(arch, "gray" if a.channels == 1 else "color", **hp).eval()
    speed = dict.fromkeys(models, 0.0)
    for _ in range(a.rounds):  # interleaved, so load from other processes hits all models alike
        for spec, m in models.items():
            speed[spec] = max(speed[spec], mp_per_s(m, a.channels, a.size, a.repeats))
    rows = [(spec, sum(p.numel() for p in m.parameters()), macs_per_pixel(m, a.channels), speed[spec])
            for spec, m in models.items()]
    base = rows[0][3]
    print(f"{'model':48s} {'params':>10s} {'MAC/px':>10s} {'MP/s':>8s} {'vs first':>8s}")
    for name, p, mac, mps in rows:
        print(f"{name:48s} {p:10,d} {mac:10,.0f} {mps:8.3f} {mps / base:7.1f}x")


if __name__ == "__main__":
    main()
