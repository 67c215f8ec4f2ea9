"""Signal-dependent (photon) noise: real microscopy pairs, a mean test, and where Auto routes.

    python -m benchmarks.photon_noise [--ensemble 2] [--parts microscopy,mean,routing,unchanged] [--record]

1. ``microscopy_dev`` (FMDD: one raw confocal frame against the average of 50, gray, 8-bit):
   the noisy frame, the default as it was (the Gaussian network at Auto's level), OpenCV NLM,
   variance stabilisation + BM3D with the same fitted (a, b), and the default now (Auto → photon
   route: GAT + the Gaussian network + exact unbiased inverse). PSNR / SSIM of outputs rounded
   to 8 bits, and mean brightness against the reference's (0–255).
2. Mean test: Set12 scaled to dark Poisson images (peak 8–64 photons + read noise), the
   default's output mean against the input's.
3. The defaults before the photon route (estimate → white or camera network) and now, on AWGN
   (Set12, the BSDS500 colour hold-out), Gaussian + JPEG q90 4:2:0 and PolyU: PSNR / SSIM.
4. Routing: how many images each route takes — Gaussian noise on Set12 / the BSDS500 colour
   hold-out (σ 0–50, 8-bit), the real-noise table's Gaussian + JPEG rows, PolyU camera JPEGs
   (colour and as gray), the gray ``real_noisy`` photos, microscopy. Gaussian and camera images
   must not go to the photon route (then their outputs are the same as before it existed).
``--record`` writes ``docs/results/photon_noise.json`` (the CPU's features with it).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from denoise_desktop import imageio, protocol, registry
from denoise_desktop.models.classical import CLASSICAL
from denoise_desktop.noise.stabilised import StabilisedDenoiser
from denoise_desktop.routing import choose_route

from . import data, records
from .data import DATA

PARTS = ("microscopy", "mean", "routing", "unchanged")


def read_gray(path: Path) -> np.ndarray:
    return imageio.read_image(path).to_float()[..., :1]


def microscopy(dn) -> records.Table:
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
                "Gaussian network at Auto's level (no photon route)": dn.white.denoise(z),
                "OpenCV NLM (Auto level)": CLASSICAL["nlm"].denoise(z)}
        if bm3d.available() and fits:
            outs["VST + BM3D, fitted (a, b)"] = StabilisedDenoiser(bm3d).denoise(z, fits=fits)
        outs[f"**default** (Auto: {route.name} route)"] = dn.denoise(z)
        for name, o in outs.items():
            o = protocol.as_saved(np.asarray(o).reshape(z.shape))
            s = protocol.score(r, o)
            rows.setdefault(name, []).append((s["psnr"], s["ssim"], float(o.mean() * 255)))
    names = [p.name.replace("_real.tif", "") for p in pairs]
    t = records.Table("science", f"Fluorescence microscopy (`microscopy_dev`, {len(pairs)} FMDD pairs: one raw "
                      "confocal frame against the mean of 50), blind",
                      ["method", "PSNR (dB)", "SSIM", f"PSNR per pair ({', '.join(names)})",
                       f"mean brightness per pair (reference {', '.join(f'{v:.2f}' for v in refs)})"])
    for name, vals in rows.items():
        ps, ss, ms = zip(*vals)
        t.add(name, f"{np.mean(ps):.2f}", f"{np.mean(ss):.3f}", " / ".join(f"{v:.2f}" for v in ps),
              " / ".join(f"{v:.2f}" for v in ms))
    return t


def mean_test(dn) -> records.Table:
    rng = np.random.default_rng(0)
    files = data.set12()
    t = records.Table("science", "Mean brightness kept on dark photon-noise images (Set12 as photon counts "
                      "scaled to 100 levels at the peak, + read noise σ 1 and a dark offset of 3, 8-bit): the "
                      "default's output mean against the input's, in levels",
                      ["peak photons", "mean \\|Δ mean\\|", "worst \\|Δ mean\\|"])
    for peak in (8, 16, 64):
        diffs = []
        for f in files:
            clean = read_gray(f)[..., 0]
            photons = rng.poisson(clean * peak)  # counts
            z = photons * (100.0 / peak) + rng.normal(0, 1.0, clean.shape) + 3.0  # a dark offset as FMDD
            z8 = (np.clip(np.round(z), 0, 255) / 255).astype(np.float32)
            out = protocol.as_saved(dn.denoise(z8))
            diffs.append(abs(float(out.mean() - z8.mean()) * 255))
        t.add(peak, f"{np.mean(diffs):.3f}", f"{max(diffs):.3f}")
    return t


def routing() -> records.Table:
    t = records.Table("science", "Where Auto sends images (routes of the gray / colour default's analysis)",
                      ["images", "n", "white", "camera", "photon"])

    def count(label: str, images) -> None:
        names = [choose_route(img).name for img in images]
        t.add(label, len(names), *(names.count(k) for k in ("white", "camera", "photon")))

    set12 = data.load_cleans(data.set12(), 1)
    colour = data.load_cleans(data.color_holdout(), 3)
    for s in (0, 5, 15, 25, 50):
        count(f"Set12 gray, Gaussian σ {s} (8-bit)", (protocol.noisy(c, s, i) for i, c in enumerate(set12)))
        count(f"BSDS500 colour hold-out ({len(colour)}), Gaussian σ {s}",
              (protocol.noisy(c, s, i) for i, c in enumerate(colour)))
    for s in (15, 25):
        count(f"BSDS500 colour hold-out ({len(colour)}), Gaussian σ {s} + JPEG q90 4:2:0",
              (x for x, _, _ in data.noisy_cases(colour, s, jpeg=True)))
    polyu = data.real_pairs()
    count("PolyU camera JPEGs, colour", (x for x, _, _ in polyu))
    count("PolyU camera JPEGs, as gray", (data.gray8(x) for x, _, _ in polyu))
    count("real_noisy gray photos", (read_gray(p) for p in sorted((DATA / "real_noisy").glob("*.png"))))
    count("microscopy_dev noisy frames", (read_gray(p) for p in sorted((DATA / "microscopy_dev").glob("*_real.tif"))))
    return t


def before(dn, x: np.ndarray) -> np.ndarray:
    """The default as it was before the photon route: the estimate picks white or camera
    network (the real-noise sibling where there is one) at Auto's level."""
    from denoise_desktop.noise_estimate import estimate_noise

    est = estimate_noise(x)
    net = dn.real if est.correlated and dn.real is not None else dn.white
    return net.denoise(x, sigma=est.level)


def unchanged(gray, colour) -> records.Table:
    """PSNR / SSIM of the default before and now on the synthetic and real-noise rows the other
    tables report (AWGN, Gaussian + 4:2:0 JPEG, PolyU), blind, by the protocol."""
    set12 = data.load_cleans(data.set12(), 1)
    holdout = data.load_cleans(data.color_holdout(), 3)
    cases = []
    for s in (15, 25, 50):
        cases.append((f"Set12 gray, σ {s}", gray, data.noisy_cases(set12, s)))
    for s in (15, 25, 50):
        cases.append((f"BSDS500 colour hold-out, σ {s}", colour, data.noisy_cases(holdout, s)))
    for s in (15, 25):
        cases.append((f"BSDS500 colour hold-out, σ {s} + JPEG q90 4:2:0", colour, data.noisy_cases(holdout, s, jpeg=True)))
    cases.append(("PolyU Canon dev (real pairs)", colour, data.real_pairs()))
    t = records.Table("science", "The defaults before the photon route and now (same images, same noise draws)",
                      ["images (blind, Auto)", "n", "before: PSNR / SSIM", "now", "Δ PSNR"])
    for label, dn, pairs in cases:
        old = [protocol.score(c, before(dn, x)) for x, c, _ in pairs]
        new = [protocol.score(c, dn.denoise(x)) for x, c, _ in pairs]
        po, so = np.mean([r["psnr"] for r in old]), np.mean([r["ssim"] for r in old])
        pn, sn = np.mean([r["psnr"] for r in new]), np.mean([r["ssim"] for r in new])
        t.add(label, len(pairs), f"{po:.2f} / {so:.4f}", f"{pn:.2f} / {sn:.4f}", f"{pn - po:+.3f}")
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ensemble", type=int, default=2)
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma list of {', '.join(PARTS)}")
    ap.add_argument("--record", action="store_true", help="write docs/results/photon_noise.json")
    args = ap.parse_args(argv)
    parts = [x for x in args.parts.split(",") if x]
    if set(parts) - set(PARTS):
        ap.error(f"--parts: unknown {sorted(set(parts) - set(PARTS))}")
    t0 = time.time()
    dn = registry.load(registry.default_model_id(1), device="cpu", ensemble=args.ensemble)
    colour = registry.load(registry.default_model_id(3), device="cpu", ensemble=args.ensemble) if "unchanged" in parts else None
    make = {"microscopy": lambda: microscopy(dn), "mean": lambda: mean_test(dn), "routing": routing,
            "unchanged": lambda: unchanged(dn, colour)}
    tables = []
    for part in parts:
        tables.append(make[part]())
        print(f"\n**{tables[-1].caption}**\n\n" + "\n".join(tables[-1].markdown()), flush=True)
    if args.record:
        records.write("photon_noise", "Photon noise: microscopy and low light", tables,
                      command=records.command("benchmarks.photon_noise", argv), seconds=time.time() - t0,
                      notes=[f"Gray default `{dn.id}`, {args.ensemble} passes (the app's default Quality), precision "
                             f"{dn.white.precision}. Mean brightness on the 0–255 scale: the photon route keeps "
                             "intensities, so measurements of them stay valid."])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
