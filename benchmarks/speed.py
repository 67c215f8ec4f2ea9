"""Denoising speed: MP/s per model, tiling overhead, and peak memory on a 50-MP photo.

    python -m benchmarks.speed [--quick] [--threads N] [--skip speed,tiling,rss] [--record]

Every architecture runs with its default ("color") hparams and random weights (speed does not
depend on the weights), unet_res also with 2 and 8 self-ensemble passes (the app's Quality
setting; 2 is the default; also blind, σ estimated from the image as the app does by default,
so the estimator's cost is counted), plus classical NLM, through the real engine (``NetworkDenoiser``: tiling,
padding, clamping) on the CPU, and on CUDA when present. Models are measured side by side in one
run: repeats are interleaved (A B C A B C ...) so a load spike from another process hits every
model alike, and the median is reported.

Peak RSS is measured in a child process (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``) that
denoises a 50-MP 8-bit RGB ``ImageData`` end to end with ``engine.denoise_image``: float
conversion, all tiles, blending, quantisation. To keep the benchmark's CPU time bounded, the
network runs on the first few tiles only (same tile size as every other tile, so the same
activation memory) and the remaining tiles pass through; the full-run time is extrapolated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

SIGMA = 25.0
BLIND = "σ estimated: "  # rows whose key starts with this run without a σ, as the app's default does


def _machine(threads: int) -> str:
    from denoise_desktop.devices import discover

    import torch

    cpu = discover()[0]
    gpus = [d.name for d in discover() if d.kind == "cuda"]
    return (f"{cpu.name}, {cpu.total_bytes / 2**30:.0f} GiB RAM; torch {torch.__version__} with "
            f"{threads} intra-op thread(s); {platform.system()} {platform.release()}; Python "
            f"{platform.python_version()}" + (f"; GPU: {', '.join(gpus)}" if gpus else "; no GPU"))


def test_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth color scene plus σ=25 Gaussian noise, float32 H×W×3 in [0, 1]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    clean = np.stack([0.5 + 0.4 * np.sin(x / 37.0), 0.5 + 0.4 * np.cos(y / 23.0), (x + y) / (h + w)], axis=2)
    return np.clip(clean + rng.normal(0, SIGMA / 255, clean.shape), 0, 1).astype(np.float32)


def network_denoisers(device: str):
    from denoise_desktop import models
    from denoise_desktop.engine import NetworkDenoiser

    import torch

    out = {}
    for arch_id, spec in models.ARCHITECTURES.items():
        torch.manual_seed(0)
        variant = "color" if "color" in spec.variants else None
        model = models.build(arch_id, variant)
        out[arch_id] = NetworkDenoiser(model, spec, device=device)
        if arch_id == "unet_res":  # the bundled defaults' architecture: its Quality settings too
            for n in (2, 8):
                out[f"unet_res ×{n} self-ensemble"] = NetworkDenoiser(model, spec, device=device, ensemble=n)
            # What the app runs by default: σ estimated from the image (its cost included), ×2.
            out[BLIND + "unet_res"] = out["unet_res"]
            out[BLIND + "unet_res ×2 self-ensemble (the app's default)"] = out["unet_res ×2 self-ensemble"]
    return out


def classical_nlm():
    """The registry's NLM denoiser, or None if classical models are not available."""
    try:
        from denoise_desktop.models.classical import get_classical

        return "nlm (classical)", get_classical("nlm")
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what it could not measure
        print(f"NLM not measured: {exc}", file=sys.stderr)
    return None


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process: all threads) of one call."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def bench_models(denoisers: dict, img: np.ndarray, reps: int) -> dict[str, dict]:
    wall: dict[str, list[float]] = {k: [] for k in denoisers}
    cpu: dict[str, list[float]] = {k: [] for k in denoisers}
    warm = img[:64, :64]
    for dn in denoisers.values():
        dn.denoise(warm, sigma=SIGMA)
    for r in range(reps):
        order = list(denoisers) if r % 2 == 0 else list(reversed(denoisers))
        for key in order:
            sigma = None if key.startswith(BLIND) else SIGMA
            w, c = _timed(lambda: denoisers[key].denoise(img, sigma=sigma))
            wall[key].append(w)
            cpu[key].append(c)
            print(f"  {key}: {w:.2f} s wall, {c:.2f} s CPU", file=sys.stderr, flush=True)
    mp = img.shape[0] * img.shape[1] / 1e6
    return {k: {"median_s": statistics.median(wall[k]), "mp_per_s": mp / statistics.median(wall[k]),
                "cpu_s_per_mp": statistics.median(cpu[k]) / mp, "runs": len(wall[k])} for k in denoisers}


def bench_tiling(dn, img: np.ndarray, reps: int, square: int) -> dict:
    """The same image whole (one tile), with automatic tiles, and with square tiles, interleaved."""
    big = max(img.shape[:2]) + 64
    modes = {"whole": big, "auto": None, "square": square}
    times: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    info: dict[str, dict] = {}
    for _ in range(reps):
        for mode, tile in modes.items():
            dn.set_tile(tile)
            times[mode].append(_timed(lambda: dn.denoise(img, sigma=SIGMA)))
            info[mode] = dict(dn.last_info)
            print(f"  tiling {mode}: {times[mode][-1]}", file=sys.stderr, flush=True)
    dn.set_tile(None)
    out = {"overlap": dn.overlap, "runs": reps, "square_px": square}
    for mode in modes:
        wall = statistics.median(t[0] for t in times[mode])
        cpu = statistics.median(t[1] for t in times[mode])
        out[mode] = {"wall_s": wall, "cpu_s": cpu, "tiles": info[mode]["tiles"],
                     "tile_shape": info[mode].get("tile_shape")}
    for mode in ("auto", "square"):
        out[mode]["overhead"] = out[mode]["cpu_s"] / out["whole"]["cpu_s"] - 1.0
    return out


def rss_child(arch_id: str, megapixels: float, tiles_run: int, threads: int) -> None:
    """Runs in the child process: prints one JSON line."""
    import torch
    from torch import nn

    from denoise_desktop import models
    from denoise_desktop.engine import NetworkDenoiser, denoise_image
    from denoise_desktop.imageio import ImageData

    torch.set_num_threads(threads)
    spec = models.get_spec(arch_id)
    inner = models.build(arch_id, "color" if "color" in spec.variants else None)

    class FirstTiles(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner, self.calls, self.seconds = inner, 0, 0.0
            self.hparams = inner.hparams

        def forward(self, x, sigma=None):
            self.calls += 1
            if self.calls > tiles_run:
                return x
            t0 = time.perf_counter()
            y = self.inner(x, sigma)
            self.seconds += time.perf_counter() - t0
            return y

    model = FirstTiles()
    dn = NetworkDenoiser(model, spec, device="cpu")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    w = int(round((megapixels * 1e6 * 1.5) ** 0.5))  # 3:2 photo
    h = int(round(megapixels * 1e6 / w))
    rng = np.random.default_rng(0)
    pixels = np.empty((h, w, 3), np.uint8)
    for y in range(0, h, 512):  # fill in bands: no big temporaries before the measurement
        pixels[y : y + 512] = rng.integers(0, 256, pixels[y : y + 512].shape, dtype=np.uint8)
    image = ImageData(pixels, bit_depth=8, format="JPEG")
    t0 = time.perf_counter()
    out, info = denoise_image(image, dn, sigma=SIGMA)
    total = time.perf_counter() - t0
    hwm = _vm_hwm_kb()
    assert out.pixels.shape == pixels.shape
    net_per_tile = model.seconds / max(1, min(tiles_run, model.calls))
    print(json.dumps({"arch": arch_id, "height": h, "width": w, "tile": info.get("tile"), "tiles": info["tiles"],
                      "tile_shape": dn.last_info.get("tile_shape"),
                      "tiles_run": min(tiles_run, info["tiles"]), "seconds": total,
                      "projected_full_s": total - model.seconds + net_per_tile * info["tiles"],
                      "baseline_maxrss_kb": base, "vm_hwm_kb": hwm}))


def _vm_hwm_kb() -> int | None:
    """Linux: this process's own peak RSS (VmHWM), unaffected by the parent's at fork/exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def measure_rss(arch_id: str, megapixels: float, tiles_run: int, threads: int) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.speed", "--rss-child", arch_id, str(megapixels), str(tiles_run), str(threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"RSS child failed:\n{proc.stderr[-2000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    data["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    data["baseline_rss_bytes"] = data.pop("baseline_maxrss_kb") * scale
    hwm = data.pop("vm_hwm_kb")
    data["vm_hwm_bytes"] = hwm * 1024 if hwm else None
    return data


def tables(res: dict) -> list:
    from .records import Table

    out = []
    for dev, rows in res["speed"].items():
        key_ = "cpu_s_per_mp" if dev == "cpu" else "median_s"
        ref = rows.get("dncnn", {}).get(key_)
        t = Table("speed", f"Each architecture on the {dev.upper()} ({'×'.join(map(str, res['speed_shape']))} px colour "
                  f"image, random weights, through the engine; σ {SIGMA:g} given except where \"σ estimated\"; "
                  f"median of {res['reps']} interleaved runs; {res['threads']} threads)",
                  ["model", "MP/s (wall)", "CPU-s per MP", "cost against DnCNN"])
        for key, r in sorted(rows.items(), key=lambda kv: kv[1][key_]):
            t.add(key, f"{r['mp_per_s']:.3f}", f"{r['cpu_s_per_mp']:.2f}", f"{r[key_] / ref:.2f}×" if ref else "–")
        out.append(t)
    tl = res.get("tiling")
    if tl:
        t = Table("speed", f"Tiling overhead ({tl['arch']}, {tl['shape'][0]}×{tl['shape'][1]} px, overlap "
                  f"{tl['overlap']} px; median of {tl['runs']})", ["tiles", "tile (px)", "wall (s)", "CPU (s)",
                                                                  "CPU against one tile"])
        for mode, what in (("whole", "one tile"), ("auto", "automatic (the default)"),
                           ("square", f"forced `--tile {tl['square_px']}`")):
            r = tl[mode]
            t.add(f"{what}: {r['tiles']}", "×".join(map(str, r["tile_shape"])) if r.get("tile_shape") else "?",
                  f"{r['wall_s']:.1f}", f"{r['cpu_s']:.1f}", f"{r['overhead'] * 100:+.0f} %" if "overhead" in r else "–")
        out.append(t)
    m = res.get("rss")
    if m:
        t = Table("memory", f"Peak memory denoising a {m['width'] * m['height'] / 1e6:.0f} MP photo ({m['width']}×"
                  f"{m['height']} 8-bit RGB, {m['arch']}, CPU, automatic tiles; the network ran on {m['tiles_run']} "
                  "of the tiles, the rest passed through, to bound the benchmark's time)",
                  ["tiles", "peak RSS of the process", "of which before the image exists", "full run, projected"])
        t.add(f"{m['tiles']} of {'×'.join(map(str, m.get('tile_shape') or [m['tile']]))} px",
              f"{m['peak_rss_bytes'] / 2**30:.2f} GiB", f"{m['baseline_rss_bytes'] / 2**30:.2f} GiB",
              f"{m['projected_full_s'] / 60:.1f} min")
        out.append(t)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--rss-child":
        rss_child(argv[1], float(argv[2]), int(argv[3]), int(argv[4]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small images, few repeats (a minute)")
    p.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1))
    p.add_argument("--size", type=int, default=None, help="side of the square speed image (default 384, quick 128)")
    p.add_argument("--reps", type=int, default=None)
    p.add_argument("--arch", default=None, help="architecture for the tiling and memory runs (default unet_res)")
    p.add_argument("--rss-mp", type=float, default=None, help="megapixels for the memory run (default 50)")
    p.add_argument("--rss-tiles", type=int, default=2, help="tiles the network really runs on in the memory run")
    p.add_argument("--skip", default="", help="comma list of parts to skip: speed,tiling,rss")
    p.add_argument("--record", action="store_true", help="write docs/results/speed.json")
    args = p.parse_args(argv)

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    skip = set(filter(None, args.skip.split(",")))
    rss = None
    if "rss" not in skip:  # first, while this process is small: exec keeps the parent's RSS as the child's start
        arch0 = args.arch or "unet_res"
        mp = args.rss_mp or (4.0 if args.quick else 50.0)
        print(f"peak RSS, {arch0} {mp} MP", file=sys.stderr)
        rss = measure_rss(arch0, mp, args.rss_tiles, args.threads)

    import torch

    from denoise_desktop import models

    torch.set_num_threads(args.threads)
    size = args.size or (128 if args.quick else 320)
    reps = args.reps or (2 if args.quick else 3)
    arch = args.arch or ("unet_res" if "unet_res" in models.ARCHITECTURES else "dncnn")
    t0 = time.time()
    res: dict = {"date": time.strftime("%Y-%m-%d"), "quick": args.quick, "machine": _machine(args.threads),
                 "load": load, "threads": args.threads,
                 "speed_shape": (size, size), "reps": reps, "speed": {}, "notes": []}
    devices_ = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if "speed" not in skip:
        for dev in devices_:
            print(f"speed on {dev}", file=sys.stderr)
            dns = network_denoisers(dev)
            if dev == "cpu":
                nlm = classical_nlm()
                if nlm:
                    dns[nlm[0]] = nlm[1]
                else:
                    res["notes"].append("classical NLM was not available to measure.")
            img = test_image(size * (4 if dev == "cuda" else 1), size * (4 if dev == "cuda" else 1))
            res["speed"][dev] = bench_models(dns, img, reps)
    if "tiling" not in skip:
        shape = (640, 480) if args.quick else (1632, 1224)  # 2.0 MP
        print(f"tiling overhead, {arch} {shape}", file=sys.stderr)
        dn = network_denoisers("cpu")[arch]
        res["tiling"] = {"arch": arch, "shape": shape, "device": "cpu",
                         **bench_tiling(dn, test_image(*shape), 1 if args.quick else reps, square=320 if args.quick else 1024)}
    if rss is not None:
        res["rss"] = rss
    from . import records

    out = tables(res)
    for t in out:
        print(f"\n**{t.caption}**\n\n" + "\n".join(t.markdown()))
    if args.record:
        records.write("speed", "Speed and memory", out, command=records.command("benchmarks.speed", argv),
                      seconds=time.time() - t0, data=res, notes=[
                          "CPU-seconds per MP (every thread of the process) is the steadier figure on a shared "
                          "machine, and the ratio to DnCNN uses it; wall MP/s moves with other load."] + res["notes"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
