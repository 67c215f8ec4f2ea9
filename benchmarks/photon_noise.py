"""Signal-dependent (photon) noise: real microscopy pairs, a mean test, and where Auto routes.

    python benchmarks/photon_noise.py [--ensemble 2] [--no-write]

1. ``microscopy_dev`` (FMDD: one raw confocal frame against the average of 50, gray, 8-bit):
   the noisy frame, the default as it was (the Gaussian network at Auto's level), OpenCV NLM,
   variance stabilisation + BM3D with the same fitted (a, b), and the default now (Auto → photon
   route: GAT + the Gaussian network + exact unbiased inverse). PSNR / SSIM of outputs rounded
   to 8 bits, and mean brightness against the reference's (0–255).
2. Mean test: Set12 scaled to dark Poisson images (peak 8–64 photons + read noise), the
   default's output mean against the input's.
4. The defaults before the photon route (estimate → white or camera network) and now, on AWGN
   (Set12, the BSDS500 colour hold-out), Gaussian + JPEG q90 4:2:0 and PolyU: PSNR / SSIM.
3. Routing: how many images each route takes — Gaussian noise on Set12 / the BSDS500 colour
   hold-out (σ 0–50, 8-bit), the real-noise table's Gaussian + JPEG rows, PolyU camera JPEGs
   (colour and as gray), the gray ``real_noisy`` photos, microscopy. Gaussian and camera images
   must not go to the photon route (then their outputs are the same as before it existed).
Results go to docs/benchmarks.md ("Photon noise"); the CPU's flags are recorded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import quality  # noqa: E402
from speed import write_section  # noqa: E402

from denoise_desktop import imageio, metrics, registry  # noqa: E402
from denoise_desktop.models.classical import CLASSICAL  # noqa: E402
from denoise_desktop.noise.stabilised import StabilisedDenoiser  # noqa: E402
from denoise_desktop.routing import choose_route  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def cpu_flags() -> str:
    try:
        flags = next(ln for ln in open("/proc/cpuinfo") if ln.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    return ", ".join(f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags) or "none of avx2/avx512"


def read_gray(path: Path) -> np.ndarray:
    return imageio.read_image(path).to_float()[..., :1]


def microscopy(dn, ensemble: int) -> str:
    pairs = sorted((DATA / "microscopy_dev").glob("*_real.tif"))
    bm3d = CLASSICAL["bm3d"]
    rows: dict[str, list[tuple[float, float, float]]] = {}
    refs = []
    for p in pairs:
        z, r = read_gray(p), read_gray(p.with_name(p.name.replace("_real", "_mean")))
        refs.append(float(r.mean() * 255))
        route = choose_route(z)
        fits = route.fits
        outs = {"noisy frame": z,
                "default before (Gaussian network, Auto level)": dn.white.denoise(z),
                "OpenCV NLM (Auto level)": CLASSICAL["nlm"].denoise(z)}
        if bm3d.available() and fits:
            outs["VST + BM3D, fitted (a, b)"] = StabilisedDenoiser(bm3d).denoise(z, fits=fits)
        outs[f"**default now** (Auto: {route.name} route)"] = dn.denoise(z)
        for name, o in outs.items():
            o = quality.as_saved(np.asarray(o).reshape(z.shape))
            rows.setdefault(name, []).append((metrics.psnr(r, o), metrics.ssim(r, o), float(o.mean() * 255)))
    names = [p.name.replace("_real.tif", "") for p in pairs]
    lines = [f"| method | mean PSNR | mean SSIM | PSNR per pair ({', '.join(names)}) | mean brightness per pair "
             f"(reference {', '.join(f'{v:.2f}' for v in refs)}) |", "|---|---|---|---|---|"]
    for name, vals in rows.items():
        ps, ss, ms = zip(*vals)
        lines.append(f"| {name} | {np.mean(ps):.2f} | {np.mean(ss):.3f} | {' / '.join(f'{v:.2f}' for v in ps)} | "
                     f"{' / '.join(f'{v:.2f}' for v in ms)} |")
    return "\n".join(lines)


def mean_test(dn) -> str:
    rng = np.random.default_rng(0)
    files = sorted((DATA / "set12_gray").glob("*.png"))
    worst, rows = 0.0, []
    for peak in (8, 16, 64):
        diffs = []
        for f in files:
            clean = read_gray(f)[..., 0]
            photons = rng.poisson(clean * peak)  # counts
            z = photons * (100.0 / peak) + rng.normal(0, 1.0, clean.shape) + 3.0  # a dark offset as FMDD
            z8 = (np.clip(np.round(z), 0, 255) / 255).astype(np.float32)
            out = quality.as_saved(dn.denoise(z8))
            diffs.append(abs(float(out.mean() - z8.mean()) * 255))
        worst = max(worst, max(diffs))
        rows.append(f"| {peak} | {np.mean(diffs):.3f} | {max(diffs):.3f} |")
    return ("| peak photons (100 levels) | mean \\|Δ mean\\| (levels) | worst \\|Δ mean\\| |\n|---|---|---|\n"
            + "\n".join(rows))


def routing() -> str:
    rows = []

    def count(label: str, images) -> None:
        names = [choose_route(img).name for img in images]
        rows.append(f"| {label} | {len(names)} | " + " | ".join(str(names.count(k)) for k in ("white", "camera", "photon"))
                    + " |")

    set12 = [read_gray(f) for f in sorted((DATA / "set12_gray").glob("*.png"))]
    colour = [imageio.read_image(f).to_float() for f in quality.color_holdout(DATA / "bsds500_color_train")]
    for s in (0, 5, 15, 25, 50):
        count(f"Set12 gray, Gaussian σ {s} (8-bit)", (quality.add_noise_8bit(c, s, i) for i, c in enumerate(set12)))
        count(f"BSDS500 colour hold-out ({len(colour)}), Gaussian σ {s}",
              (quality.add_noise_8bit(c, s, i) for i, c in enumerate(colour)))
    from real_noise import jpeg420  # the Gaussian + JPEG rows of the real-noise table

    for s in (15, 25):
        count(f"BSDS500 colour hold-out ({len(colour)}), Gaussian σ {s} + JPEG q90 4:2:0",
              (jpeg420(quality.add_noise_8bit(c, s, 1000 * s + i)) for i, c in enumerate(colour)))
    polyu = sorted((DATA / "polyu_canon_dev").glob("*_real.JPG"))
    count("PolyU camera JPEGs, colour", (imageio.read_image(p).to_float() for p in polyu))
    count("PolyU camera JPEGs, as gray", (quality.gray8(imageio.read_image(p).to_float()) for p in polyu))
    count("real_noisy gray photos", (read_gray(p) for p in sorted((DATA / "real_noisy").glob("*.png"))))
    count("microscopy_dev noisy frames", (read_gray(p) for p in sorted((DATA / "microscopy_dev").glob("*_real.tif"))))
    return "| images | n | white | camera | photon |\n|---|---|---|---|---|\n" + "\n".join(rows)


def before(dn, x: np.ndarray) -> np.ndarray:
    """The default as it was before the photon route: the estimate picks white or camera
    network (the real-noise sibling where there is one) at Auto's level."""
    from denoise_desktop.noise_estimate import estimate_noise

    est = estimate_noise(x)
    net = dn.real if est.correlated and dn.real is not None else dn.white
    return net.denoise(x, sigma=est.level)


def unchanged(gray, colour) -> str:
    """PSNR / SSIM of the default before and now on the synthetic and real-noise rows the other
    tables report (AWGN, Gaussian + 4:2:0 JPEG, PolyU), blind, outputs rounded to 8 bits."""
    from real_noise import jpeg420

    set12 = [read_gray(f) for f in sorted((DATA / "set12_gray").glob("*.png"))]
    holdout = [imageio.read_image(f).to_float() for f in quality.color_holdout(DATA / "bsds500_color_train")]
    polyu = [(imageio.read_image(p).to_float(), imageio.read_image(p.with_name(p.name.replace("_real", "_mean"))).to_float())
             for p in sorted((DATA / "polyu_canon_dev").glob("*_real.JPG"))]
    cases = []
    for s in (15, 25, 50):
        cases.append((f"Set12 gray, σ {s}", gray, [(quality.add_noise_8bit(c, s, i), c) for i, c in enumerate(set12)]))
    for s in (15, 25, 50):
        cases.append((f"BSDS500 colour hold-out, σ {s}", colour,
                      [(quality.add_noise_8bit(c, s, i), c) for i, c in enumerate(holdout)]))
    for s in (15, 25):
        cases.append((f"BSDS500 colour hold-out, σ {s} + JPEG q90 4:2:0", colour,
                      [(jpeg420(quality.add_noise_8bit(c, s, 1000 * s + i)), c) for i, c in enumerate(holdout)]))
    cases.append(("PolyU Canon dev (55 real pairs)", colour, polyu))
    rows = []
    for label, dn, pairs in cases:
        old, new = [], []
        for noisy, clean in pairs:
            o, n = quality.as_saved(before(dn, noisy)), quality.as_saved(dn.denoise(noisy))
            old.append((metrics.psnr(clean, o), metrics.ssim(clean, o)))
            new.append((metrics.psnr(clean, n), metrics.ssim(clean, n)))
        (po, so), (pn, sn) = np.mean(old, axis=0), np.mean(new, axis=0)
        rows.append(f"| {label} | {len(pairs)} | {po:.2f} / {so:.4f} | {pn:.2f} / {sn:.4f} | {pn - po:+.3f} |")
    return ("| images (blind, Auto) | n | before: PSNR / SSIM | now | Δ PSNR |\n|---|---|---|---|---|\n"
            + "\n".join(rows))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ensemble", type=int, default=2)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()
    dn = registry.load(registry.default_model_id(1), device="cpu", ensemble=args.ensemble)
    colour = registry.load(registry.default_model_id(3), device="cpu", ensemble=args.ensemble)
    parts = [
        f"Measured by `python benchmarks/photon_noise.py --ensemble {args.ensemble}` on {time.strftime('%Y-%m-%d')} "
        f"(CPU flags: {cpu_flags()}; gray default `{dn.id}`, {args.ensemble} passes, precision "
        f"{dn.white.precision}).",
        "", "**Real fluorescence microscopy** (`microscopy_dev`, 4 FMDD pairs, blind):", "", microscopy(dn, args.ensemble),
        "", "**Mean kept on dark Poisson images** (Set12 as photon counts scaled to 100 levels at the peak, "
        "+ read noise σ 1 and a dark offset of 3, 8-bit; default's output mean vs the input's):", "", mean_test(dn),
        "", "**Where Auto sends images** (routes of the gray/colour default's analysis):", "", routing(),
        "", "**The defaults elsewhere, before the photon route and now** (same images, same noise draws):", "",
        unchanged(dn, colour),
    ]
    body = "\n".join(parts)
    print(body)
    print(f"({time.time() - t0:.0f} s)")
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", "Photon noise (microscopy, low light)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
