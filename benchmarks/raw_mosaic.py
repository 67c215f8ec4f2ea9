"""Camera RAW: denoise on the Bayer mosaic vs develop-then-denoise, on synthetic RAW.

    python -m benchmarks.raw_mosaic [--images 6] [--size 256] [--no-write]

Clean photos (the BSDS500 colour hold-out, centre crops) are "unprocessed" as in Brooks et al.
2019 — the sRGB curve undone, white balance undone (gains R 2.0, B 1.6) — and mosaicked (RGGB);
Poisson–Gaussian noise at ISO-like levels (a, b on the 0–1 scale of the linear signal) is added
and the mosaic rounded to 14 bits. Two paths, developed the same way (white balance, OpenCV's
edge-aware demosaic, sRGB curve):

- **develop, then denoise** (today's RAW path): the developed image through the colour default
  (Auto, as for any photo);
- **mosaic, gray per plane**: ``raw_mosaic.denoise_planes`` (per-plane fit, each half-size CFA
  plane stabilised and denoised by the gray default on its own), then develop;
- **mosaic network**: ``raw_mosaic.denoise_bayer`` with the mosaic network (``raw_bayer``: fit on
  the mosaic's greens, stabilised, the four planes denoised jointly), then develop;
- **mosaic network, true (a, b)**: the same with the noise parameters that were used (no fit):
  what the fit costs.

``--timing 24`` instead times a whole RAW file of that many megapixels (a BSDS photo enlarged,
unprocessed, mosaicked, ISO ~3200 noise, written as a Bayer DNG) through the CLI, both ways, in
fresh processes: wall and CPU seconds (network, develop, analysis, writing the 16-bit TIFF).

``--real FILE.raw --crops OUT.png`` develops a real RAW both ways and writes before/after crops
side by side (noisy develop | develop, then denoise | mosaic) with what each path reported; the
developer data's sample (`raw_samples`) may not be committed or shipped, so write its crops
outside the repository.

``--oversample 2`` enlarges each crop ×2 (bicubic) before mosaicking, as a lens and an
anti-aliasing filter leave a real sensor's image softer per pixel than a downsampled BSDS photo.

PSNR / SSIM against the developed *clean* mosaic, outputs as saved (8 bits). ``--record`` writes
``docs/results/raw_mosaic-x<oversample>.json`` (``raw_mosaic-timing.json`` with ``--timing``) and the crops
``docs/raw/synthetic_x<oversample>.png``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from denoise_desktop import imageio, protocol, registry
from denoise_desktop.noise.poisson_gaussian import PoissonGaussianFit
from denoise_desktop.raw_mosaic import denoise_bayer, denoise_planes

from . import data, records

ROOT = data.ROOT
GAINS = np.array([2.0, 1.0, 1.6], np.float32)  # R, G, B white-balance gains undone / redone
ISO = {"ISO ~200": (2e-4, 2e-6), "ISO ~800": (1e-3, 1e-5), "ISO ~3200": (4e-3, 8e-5), "ISO ~12800": (1.6e-2, 6e-4)}


def srgb_to_linear(x):
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x):
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def mosaic(rgb_lin: np.ndarray) -> np.ndarray:
    """RGGB mosaic of a linear camera-RGB image (white balance undone)."""
    cam = rgb_lin / GAINS
    m = np.empty(cam.shape[:2], np.float32)
    m[0::2, 0::2], m[0::2, 1::2] = cam[0::2, 0::2, 0], cam[0::2, 1::2, 1]
    m[1::2, 0::2], m[1::2, 1::2] = cam[1::2, 0::2, 1], cam[1::2, 1::2, 2]
    return m


def develop(m: np.ndarray) -> np.ndarray:
    """White balance, edge-aware demosaic (OpenCV), sRGB curve → float RGB in [0, 1]."""
    wb = m.copy()
    wb[0::2, 0::2] *= GAINS[0]
    wb[1::2, 1::2] *= GAINS[2]
    m16 = np.round(np.clip(wb, 0, 1) * 65535).astype(np.uint16)
    rgb = cv2.demosaicing(m16, cv2.COLOR_BayerBG2RGB_EA).astype(np.float32) / 65535  # OpenCV's BG = RGGB
    return linear_to_srgb(rgb).astype(np.float32)


def write_bayer_dng(path: Path, mosaic_01: np.ndarray, black: int = 256, white: int = 16383) -> Path:
    """A minimal RGGB DNG LibRaw develops (CFA tags, levels, an identity-like colour matrix)."""
    import tifffile

    data = np.round(black + np.clip(mosaic_01, -0.01, 1.0) * (white - black)).clip(0, white).astype(np.uint16)
    xyz_to_cam = np.linalg.inv(np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                                         [0.0193, 0.1192, 0.9505]]))
    srat = [v for x in xyz_to_cam.ravel() for v in (int(round(x * 10000)), 10000)]
    neutral = [v for g in (1 / GAINS[0], 1.0, 1 / GAINS[2]) for v in (int(round(g * 10000)), 10000)]
    tags = [(254, "I", 1, 0, True), (271, "s", 0, "Bench", True), (272, "s", 0, "Synthetic", True),
            (274, "H", 1, 1, True), (33421, "H", 2, (2, 2), True), (33422, "B", 4, (0, 1, 1, 2), True),
            (50706, "B", 4, (1, 4, 0, 0), True), (50707, "B", 4, (1, 1, 0, 0), True),
            (50708, "s", 0, "Bench Synthetic", True), (50714, "H", 1, black, True), (50717, "H", 1, white, True),
            (50721, "2i", 9, srat, True), (50728, "2I", 3, neutral, True), (50778, "H", 1, 21, True)]
    tifffile.imwrite(path, data, photometric=32803, extratags=sorted(tags), metadata=None, software=False)
    return path


def write_crops(strips: list[tuple[str, list[np.ndarray]]], path: Path, side: int = 96, zoom: int = 2) -> Path:
    """One row per level: clean develop | noisy develop | develop, then denoise | mosaic network
    (the centre ``side``² of the first hold-out crop, enlarged ×``zoom``), the level on the left."""
    rows = []
    for label, images in strips:
        h, w = images[0].shape[:2]
        y, x = (h - side) // 2, (w - side) // 2
        tiles = [cv2.resize(np.clip(im[y : y + side, x : x + side], 0, 1), None, fx=zoom, fy=zoom,
                            interpolation=cv2.INTER_NEAREST) for im in images]
        gap = np.ones((side * zoom, 6, 3), np.float32)
        row = np.concatenate([t for tile in tiles for t in (tile, gap)][:-1], axis=1)
        tag = np.full((side * zoom, 110, 3), 255, np.uint8)
        cv2.putText(tag, label.replace("ISO ~", "ISO "), (4, side * zoom // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(np.concatenate([tag.astype(np.float32) / 255, row], axis=1))
        rows.append(np.ones((6, rows[-1].shape[1], 3), np.float32))
    head = np.full((26, rows[0].shape[1], 3), 255, np.uint8)
    for k, title in enumerate(("clean", "noisy", "develop, then denoise", "mosaic network")):
        cv2.putText(head, title, (110 + k * (side * zoom + 6) + 4, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1, cv2.LINE_AA)
    grid = np.concatenate([head.astype(np.float32) / 255, *rows[:-1]], axis=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(np.rint(grid * 255).astype(np.uint8), cv2.COLOR_RGB2BGR))
    return path


def _inner(line: str) -> str:
    """What a CLI line says in its outer parentheses: "(18.1 s, RAW mosaic (RGGB): …)"."""
    inner = line.split("(", 1)[-1]
    return inner[:-1] if inner.endswith(")") else inner


def timing(megapixels: float) -> records.Table:
    """One RAW of ``megapixels`` through the CLI both ways; a table row per path."""
    import resource
    import subprocess
    import tempfile

    a, b = ISO["ISO ~3200"]
    img = imageio.read_image(data.color_holdout()[0]).to_float()
    h = int(round(np.sqrt(megapixels * 1e6 * 2 / 3) / 2)) * 2
    w = int(round(h * 1.5 / 2)) * 2
    big = np.clip(cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC), 0, 1)
    clean = mosaic(srgb_to_linear(big))
    del big
    rng = np.random.default_rng(0)
    noisy = (rng.poisson(clean / a) * a + rng.normal(0, np.sqrt(b), clean.shape)).astype(np.float32)
    del clean
    t = records.Table("science", "A whole synthetic ISO ~3200 Bayer DNG through the CLI (`denoise-desktop run`, "
                      "defaults, one fresh process per path): the mosaic path against develop-then-denoise",
                      ["RAW path", "size", "wall (s)", "CPU user + sys (s)", "what the CLI said"])
    with tempfile.TemporaryDirectory() as tmp:
        src = write_bayer_dng(Path(tmp) / "big.dng", noisy)
        del noisy
        for mode in ("developed", "mosaic"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "denoise_desktop", "run", str(src), "--out",
                                   str(Path(tmp) / mode), "--raw", mode], capture_output=True, text=True)
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                raise RuntimeError(done.stderr)
            said = next((ln for ln in done.stderr.splitlines() + done.stdout.splitlines() if "done " in ln), "")
            t.add(mode, f"{w}×{h} ({w * h / 1e6:.1f} MP)", f"{wall:.1f}",
                  f"{after.ru_utime - before.ru_utime:.1f} + {after.ru_stime - before.ru_stime:.1f}", _inner(said)[:160])
    return t


def real_crops(path: Path, out: Path, size: int = 128, zoom: int = 3) -> str:
    """Crops of a real RAW: noisy develop, develop-then-denoise (the colour default) and the mosaic
    path, around the image's busiest block."""
    from denoise_desktop.engine import denoise_image, level_text
    from denoise_desktop.imageio.raw import read_raw
    from denoise_desktop.raw_mosaic import develop_denoised

    noisy = read_raw(path)
    dev, info_dev = denoise_image(noisy, registry.load(registry.default_model_id(3), device="cpu", ensemble=2))
    mos, info_mos = develop_denoised(path, registry.load(registry.mosaic_model_id(), device="cpu"))
    f = noisy.to_float()
    h, w = f.shape[:2]
    g = cv2.Laplacian(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), cv2.CV_32F)
    blocks = cv2.blur(np.abs(g), (size, size))[size // 2 : h - size // 2, size // 2 : w - size // 2]
    y, x = np.unravel_index(int(np.argmax(blocks)), blocks.shape)
    tiles = [cv2.resize(im.to_float()[y : y + size, x : x + size], None, fx=zoom, fy=zoom,
                        interpolation=cv2.INTER_NEAREST) for im in (noisy, dev, mos)]
    sep = np.ones((size * zoom, 8, 3), np.float32)
    strip = np.concatenate([tiles[0], sep, tiles[1], sep, tiles[2]], axis=1)
    cv2.imwrite(str(out), cv2.cvtColor(np.rint(strip * 255).astype(np.uint8), cv2.COLOR_RGB2BGR))
    return "\n".join([f"{path.name}: crop at ({x}, {y}), {size}² ×{zoom} → {out}",
                      f"  develop, then denoise: {level_text(info_dev)}",
                      f"  mosaic: {level_text(info_mos)}"])


def load_mosaic_network(model: str):
    """A registered model id, or a weights file (a training run's export), as a mosaic network."""
    if not model.endswith(".safetensors"):
        return registry.load(model, device="cpu")
    from denoise_desktop.engine import NetworkDenoiser
    from denoise_desktop.weights import load_weights, spec_of

    net, _card = load_weights(Path(model), device="cpu")
    return NetworkDenoiser(net, spec_of(net), device="cpu", id=Path(model).stem, input_kind="raw_mosaic",
                           max_ensemble=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=6)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--ensemble", type=int, default=2)
    ap.add_argument("--oversample", type=int, default=1, choices=(1, 2))
    ap.add_argument("--mosaic-model", default="raw_bayer",
                    help="mosaic network: a model id or a .safetensors file (e.g. a training run's export)")
    ap.add_argument("--timing", type=float, default=0.0, metavar="MP",
                    help="time a whole RAW of this many megapixels through the CLI, both ways, instead")
    ap.add_argument("--real", type=Path, help="a real RAW file: write before/after crops (with --crops)")
    ap.add_argument("--crops", type=Path, default=Path("raw_crops.png"))
    ap.add_argument("--record", action="store_true", help="write docs/results/raw_mosaic*.json and the crops")
    args = ap.parse_args(argv)
    t0 = time.time()
    if args.real:
        print(real_crops(args.real, args.crops))
        return 0
    if args.timing:
        table = timing(args.timing)
        print("\n".join(table.markdown()))
        if args.record:
            records.write("raw_mosaic-timing", "Camera RAW: time for a whole file", [table], seconds=time.time() - t0,
                          command=records.command("benchmarks.raw_mosaic", argv))
        return 0
    mosaic_net = load_mosaic_network(args.mosaic_model)
    color = registry.load(registry.default_model_id(3), device="cpu", ensemble=args.ensemble)
    gray = registry.load(registry.default_model_id(1), device="cpu", ensemble=args.ensemble)
    gray_net = getattr(gray, "white", gray)
    files = data.color_holdout()[: args.images]
    rng = np.random.default_rng(0)
    names = ("noisy (developed)", "develop, then denoise", "mosaic, gray per plane", "mosaic network",
             "mosaic network, true (a, b)")
    strips: list[tuple[str, list[np.ndarray]]] = []  # the first image at each level, for the crops
    table = records.Table("science", f"Synthetic camera RAW ({len(files)} BSDS500 held-out crops of {args.size}² per "
                          f"level{', enlarged ×2 first, as a lens leaves a sensor image soft' if args.oversample > 1 else ''}"
                          f"), developed alike: PSNR (dB) / SSIM against the clean develop",
                          ["level", "a / b (linear 0–1)", "noisy", "develop, then denoise", "mosaic, gray per plane",
                           "mosaic network", "mosaic network, true (a, b)", "mosaic − develop-first (dB)"])
    for label, (a, b) in ISO.items():
        scores: dict[str, list[tuple[float, float]]] = {k: [] for k in names}
        true_fit = PoissonGaussianFit(a=a, b=b, lo=0.0, hi=1.0, sets=0, blocks=0)
        for f in files:
            img = imageio.read_image(f).to_float()
            h, w = img.shape[:2]
            s = args.size // args.oversample
            crop = img[(h - s) // 2 // 2 * 2 :][:s, (w - s) // 2 // 2 * 2 :][:, :s]
            if args.oversample > 1:
                crop = np.clip(cv2.resize(crop, None, fx=args.oversample, fy=args.oversample,
                                          interpolation=cv2.INTER_CUBIC), 0, 1)
            clean_m = mosaic(srgb_to_linear(crop))
            noisy_m = rng.poisson(clean_m / a) * a + rng.normal(0, np.sqrt(b), clean_m.shape)
            noisy_m = (np.round(np.clip(noisy_m, -0.01, 1) * 16383) / 16383).astype(np.float32)  # 14-bit ADC
            ref = develop(clean_m)
            noisy = develop(noisy_m)
            out_a = color.denoise(noisy)
            out_b = develop(denoise_planes(noisy_m, gray_net)[0])
            out_c = develop(denoise_bayer(noisy_m, mosaic_net)[0])
            out_d = develop(denoise_bayer(noisy_m, mosaic_net, fit=true_fit)[0])
            for name, o in zip(names, (noisy, out_a, out_b, out_c, out_d)):
                sc = protocol.score(ref, o)
                scores[name].append((sc["psnr"], sc["ssim"]))
            if f == files[0]:
                strips.append((label, [ref, noisy, out_a, out_c]))
        row = [label, f"{a:g} / {b:g}"]
        for name in scores:
            p, q = zip(*scores[name])
            row.append(f"{np.mean(p):.2f} / {np.mean(q):.3f}")
        row.append(f"{np.mean([x[0] for x in scores['mosaic network']]) - np.mean([x[0] for x in scores['develop, then denoise']]):+.2f}")
        table.add(*row)
    print("\n".join(table.markdown()))
    print(f"({time.time() - t0:.0f} s)", file=sys.stderr)
    if args.record:
        shot = ROOT / "docs" / "raw" / f"synthetic_x{args.oversample}.png"  # the lab note shows these crops too
        write_crops(strips, shot)
        records.write(f"raw_mosaic-x{args.oversample}", "Camera RAW: denoised on the sensor mosaic"
                      + (" (lens-soft images)" if args.oversample > 1 else " (pixel-sharp images)"), [table],
                      seconds=time.time() - t0,
                      command=records.command("benchmarks.raw_mosaic", argv),
                      plots=[shot.relative_to(ROOT / "docs").as_posix()],
                      notes=[f"Mosaic network `{args.mosaic_model}`, {args.ensemble} passes for the developed path. "
                             "The crops: clean develop, noisy develop, develop-then-denoise, mosaic network, one "
                             "row per level."])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
