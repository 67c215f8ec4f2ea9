"""A 24-megapixel photo end to end: where the time goes, and the CLI's wall and CPU time.

    python -m benchmarks.photo_24mp [--ensemble N] [--skip stages,cli,dncnn] [--record]

The photo: a held-out BSDS500 image enlarged to 6000×4000 px, Gaussian noise σ 10 added, saved
as a JPEG (quality 92, 4:2:0) in a temp folder. Stages (in this process, the default colour
model, 2 threads): decode (``read_image``), noise estimate (``estimate_noise``: learned estimator
+ PCA, which also picks the network), network (the runtime's own time, summed over tiles and
passes), tiling around it (tile copies, padding, blending), quantise to 8 bits, encode and write
(``write_image``, atomic). Then the CLI (`denoise-desktop run`, default settings) on the same
file in a child process: wall time with start-up, and its user + system CPU-seconds
(``getrusage(RUSAGE_CHILDREN)``). The throughput ratio to DnCNN (`--model dncnn_gray_s25`: the
bundled DnCNN, gray, run per channel) is measured the same way on a 1500×1000 photo made alike
(DnCNN would need ~20 min for 24 MP), both CLI runs side by side.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import data, records

ROOT = data.ROOT

W, H = 6000, 4000


def make_photo(path: Path, w: int = W, h: int = H) -> None:
    import cv2

    clean = data.load_cleans(data.color_holdout()[:1], 3)[0]
    big = cv2.resize(clean, (w, h), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(0)
    for y in range(0, h, 500):  # in bands: no second full-size float temporary
        big[y:y + 500] += rng.normal(0, 10 / 255, big[y:y + 500].shape).astype(np.float32)
    bgr = np.clip(big * 255 + 0.5, 0, 255).astype(np.uint8)[..., ::-1]
    cv2.imwrite(str(path), bgr, [cv2.IMWRITE_JPEG_QUALITY, 92, cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                                 cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420])


class _Clock:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def __call__(self, name: str, fn):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        self.rows.append((name, time.perf_counter() - t0, time.process_time() - c0))
        return out


def computed_mp(net, shape: tuple[int, int]) -> dict[str, float]:
    """Megapixels the network computes per pass with the default overlap and with the one the
    wiring's receptive field would ask for (the engine's choice before ``seam_reach``)."""
    from denoise_desktop.tiling import best_tile_shape, plan_tiles

    tile = net.auto_tile(3)
    out = {}
    for label, overlap in (("now", net.overlap), ("wiring", 2 * net.spec.receptive_field + max(8, net.spec.receptive_field // 4))):
        grid = plan_tiles(*shape, best_tile_shape(*shape, tile * tile, overlap, net._multiple), overlap, net._multiple)
        out[label] = sum((r1 - r0) * (c1 - c0) for r0, r1 in grid.rows for c0, c1 in grid.cols) / 1e6
        out[f"{label}_overlap"] = overlap
    return out


def stages(photo: Path, out_dir: Path, ensemble: int) -> tuple[list[tuple[str, float, float]], dict[str, float]]:
    from denoise_desktop import engine, registry
    from denoise_desktop.imageio import read_image, write_image

    dn = registry.load("unet_res_color", device="cpu", channels=3, ensemble=ensemble)
    clock = _Clock()
    img = clock("decode (read_image)", lambda: read_image(photo))
    net, est = clock("noise estimate + network choice", lambda: dn.choose(img.pixels))
    inner = {"wall": 0.0, "cpu": 0.0}

    class Timed:  # the runtime, with its own time summed
        def __init__(self, rt) -> None:
            self.rt = rt

        def __getattr__(self, name):
            return getattr(self.rt, name)

        def __call__(self, batch, sigma01):
            c0, t0 = time.process_time(), time.perf_counter()
            try:
                return self.rt(batch, sigma01)
            finally:
                inner["wall"] += time.perf_counter() - t0
                inner["cpu"] += time.process_time() - c0

    net.runtime = Timed(net.runtime)
    out = clock("network + tiling", lambda: net.denoise(img.pixels, sigma=est.level))
    name, wall, cpu = clock.rows.pop()
    clock.rows.append((f"network ({net.last_info['tiles']} tiles of {'×'.join(map(str, net.last_info.get('tile_shape', ())))} px, "
                       f"overlap {net.overlap}, ×{ensemble} passes, {net.precision} {net.runtime.name})",
                       inner["wall"], inner["cpu"]))
    clock.rows.append(("tiling around it (copies, padding, blending)", wall - inner["wall"], cpu - inner["cpu"]))
    work = computed_mp(net, img.pixels.shape[:2])
    result = clock("quantise to the input's bit depth", lambda: engine._quantise_like(img, out))
    del out
    clock("encode + atomic write (JPEG q 95, metadata)", lambda: write_image(result, out_dir / "stages.jpg"))
    return clock.rows, work


def cli(photo: Path, out_dir: Path, extra: list[str]) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "denoise_desktop.cli", "run", str(photo), "--out", str(out_dir), *extra],
                          capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    line = next((x for x in proc.stdout.splitlines()[::-1] if "done" in x), "")
    return {"wall": wall, "user": after.ru_utime - before.ru_utime, "sys": after.ru_stime - before.ru_stime,
            "args": " ".join(extra) or "(defaults)", "line": line.strip()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ensemble", type=int, default=None, help="passes for the stage timing (default: the app's)")
    ap.add_argument("--skip", default="", help="comma list: stages, cli, dncnn")
    ap.add_argument("--cli-args", default="", help="extra arguments for the CLI run (e.g. '--ensemble 1')")
    ap.add_argument("--record", action="store_true", help="write docs/results/photo_24mp.json")
    args = ap.parse_args(argv)
    import torch

    from denoise_desktop.engine import DEFAULT_ENSEMBLE

    torch.set_num_threads(2)
    t0 = time.time()
    skip = set(filter(None, args.skip.split(",")))
    ensemble = args.ensemble or DEFAULT_ENSEMBLE
    tables, notes = [], []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        photo = tmp / "photo_24mp.jpg"
        make_photo(photo)
        if "stages" not in skip:
            rows, work = stages(photo, tmp, ensemble)
            total_w = sum(r[1] for r in rows)
            st = records.Table("speed", f"A {W}×{H} JPEG (q 92, 4:2:0, σ 10 noise), stage by stage in one process "
                               f"(the colour default, ×{ensemble} passes, 2 threads)",
                               ["stage", "wall (s)", "CPU (s)", "share of wall"])
            for n, w, c in rows:
                st.add(n, f"{w:.2f}", f"{c:.2f}", f"{100 * w / total_w:.0f} %")
            st.add("all", f"{total_w:.2f}", f"{sum(r[2] for r in rows):.2f}", "")
            tables.append(st)
            notes.append(f"Pixels the network computes per pass: {work['now']:.1f} MP with the overlap of "
                         f"{work['now_overlap']} px (the weights' measured reach), {work['wiring']:.1f} MP with "
                         f"{work['wiring_overlap']} px (twice the wiring's receptive field).")
            print("\n".join(st.markdown()), flush=True)
        if "cli" not in skip:
            ct = records.Table("speed", "The CLI end to end (`denoise-desktop run` in a fresh process: start-up, model "
                               "load, decode, estimate, network, encode)",
                               ["photo", "run", "wall (s)", "user CPU (s)", "system CPU (s)", "CPU-s per MP"])

            def row(label: str, r: dict, pixels: float) -> None:
                ct.add(label, f"`{r['args']}`", f"{r['wall']:.1f}", f"{r['user']:.1f}", f"{r['sys']:.1f}",
                       f"{(r['user'] + r['sys']) / (pixels / 1e6):.2f}")
            row(f"{W}×{H}", cli(photo, tmp / "cli", args.cli_args.split()), W * H)
            if "dncnn" not in skip:
                small = tmp / "photo_1p5mp.jpg"
                make_photo(small, 1500, 1000)
                a = cli(small, tmp / "small", args.cli_args.split())
                b = cli(small, tmp / "dncnn", ["--model", "dncnn_gray_s25", "--ensemble", "1"])
                row("1500×1000", a, 1.5e6)
                row("1500×1000", b, 1.5e6)
                notes.append(f"DnCNN (bundled `dncnn_gray_s25`, per channel) against the default on the 1.5 MP photo, "
                             f"CPU-seconds with start-up: {(b['user'] + b['sys']) / (a['user'] + a['sys']):.1f}× "
                             f"(wall {b['wall'] / a['wall']:.1f}×).")
            tables.append(ct)
            print("\n".join(ct.markdown()), flush=True)
    print("\n".join(notes))
    if args.record:
        records.write("photo_24mp", "A 24 MP photo", tables, command=records.command("benchmarks.photo_24mp", argv),
                      seconds=time.time() - t0, notes=notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
