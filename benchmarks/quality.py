"""Denoising quality on Gaussian noise: our models against BM3D, DnCNN, FFDNet and NLM, side by side.

    python -m benchmarks.quality                        # Set12 gray + BSDS held-out colour, every suitable model
    python -m benchmarks.quality --sigmas 25 --limit 4  # quick look
    python -m benchmarks.quality --skip-color --gray-models unet_res_gray,unet_res_gray@true,bm3d --record

The evaluation protocol (``denoise_desktop/protocol.py``): Gaussian noise of σ (0–255) added to
the 8-bit clean image, rounded and clipped to 8 bits, seeded per image and σ, so every method
sees the same noisy input; outputs scored as saved (8 bits). Each model runs as the app runs it
(``level="app"``): blind models on their own estimate, non-blind baselines (BM3D, FFDNet, NLM)
given the true σ as they are usually reported, a network without a σ input (DnCNN-S) without.
``MODEL@true`` also gives a blind model the true σ (its own row: what running blind costs);
``@x2``, ``@x4``, ``@x8`` run a network with that self-ensemble (the app's Quality). Rows without
a suffix run one pass.

Gray: Set12. Colour: the BSDS500 ``val`` images the colour recipes hold out, less those the
default recipes validate on (``data.color_holdout``): no image scored here influenced a model.
``--record`` writes ``docs/results/quality-gray.json`` / ``quality-color.json`` (and a PSNR-vs-σ
plot beside them) for ``python -m benchmarks report``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from denoise_desktop import protocol, registry
from denoise_desktop.engine import ENSEMBLES

from . import data, records
from .plots import line_plot
from .runner import Method, score_cases

SETS = {"gray": ("Set12, gray", 1), "color": ("BSDS500 held-out, colour", 3)}


def pick_methods(channels: int, wanted: list[str] | None) -> list[tuple[str, str, str, int]]:
    """(row label, model id, σ mode, self-ensemble) rows. σ mode: "estimated" (blind), "true"
    (the σ added) or "none" (a network with no σ input, e.g. DnCNN-S)."""
    entries = {e.id: e for e in registry.list_models()}
    if wanted:
        chosen = wanted
    else:
        chosen = [registry.default_model_id(channels)]
        chosen += [e.id for e in entries.values() if e.id not in chosen and channels in e.channels and not e.classic
                   and (e.kind == "network" and e.input_kind == "image" or e.id in ("bm3d", "nlm"))]
    ensembles = {f"x{n}": n for n in ENSEMBLES if n > 1}
    out = []
    for name in chosen:
        mid, _, mode = name.partition("@")
        e = entries.get(mid)
        if e is None or mode not in ("", "true", *ensembles):
            print(f"skipping unknown model {name!r}", file=sys.stderr)
            continue
        if mode == "true":
            if not e.takes_sigma:
                print(f"skipping {name!r}: {mid} takes no σ", file=sys.stderr)
                continue
            out.append((f"{mid}, σ given", mid, "true", 1))
            continue
        if mode and e.kind != "network":
            print(f"skipping {name!r}: self-ensemble needs a network", file=sys.stderr)
            continue
        sigma_mode = ("none" if not e.takes_sigma else
                      "estimated" if protocol.sigma_given(e.card, 25.0) is None else "true")
        n = ensembles.get(mode, 1)
        out.append((f"{mid} ×{n}" if n > 1 else mid, mid, sigma_mode, n))
    return out


def evaluate(cleans: list[np.ndarray], channels: int, sigmas: list[float], methods) -> dict[float, list[dict]]:
    """Rows per σ: the noisy input, then each method (``pick_methods``)."""
    loaded = {}
    for _, mid, _, _ in methods:
        if mid not in loaded:
            loaded[mid] = registry.load(mid, device="cpu", channels=channels)
    out = {}
    for sigma in sigmas:
        ms = []
        for label, mid, mode, n in methods:
            d = loaded[mid]

            def run(x, s, d=d, n=n, mode=mode):
                if hasattr(d, "set_ensemble"):
                    d.set_ensemble(n)
                return d.denoise(x, sigma=s if mode == "true" else None)
            ms.append(Method(label, run, mode))
        out[sigma] = score_cases(data.noisy_cases(cleans, sigma), ms, name=f"σ {sigma:g}")
    return out


def table(set_name: str, n: int, results: dict[float, list[dict]]) -> records.Table:
    sig = sorted(results)
    t = records.Table("synthetic", f"{set_name} ({n} images): PSNR (dB) / SSIM",
                      ["method", "σ used", *(f"σ {s:g}" for s in sig)])
    for i, r in enumerate(results[sig[0]]):
        t.add(r["method"], r["level"], *(f"{results[s][i]['psnr']:.2f} / {results[s][i]['ssim']:.3f}" for s in sig))
    return t


def plot(results: dict[float, list[dict]], path: Path) -> Path:
    """PSNR against BM3D's at each σ (or absolute PSNR where BM3D was not run), one line per method."""
    sig = sorted(results)
    rows = {r["method"]: [next(x for x in results[s] if x["method"] == r["method"])["psnr"] for s in sig]
            for r in results[sig[0]] if r["method"] != "noisy input"}
    ref = rows.get("bm3d", [0.0] * len(sig))
    floor = -5.0 if "bm3d" in rows else -np.inf  # a method far behind (DnCNN-S off its σ) is tagged at the floor
    series = [(m, [(s, v - r) if v - r >= floor else (s, floor, f"{v - r:+.1f}") for s, v, r in zip(sig, vals, ref)],
               m == "bm3d") for m, vals in rows.items()]
    ys = [p[1] for _, pts, _ in series for p in pts]
    step = 0.5 if max(ys) - min(ys) < 4 else 1.0
    y0, y1 = np.floor(min(ys) / step) * step - step / 2, np.ceil(max(ys) / step) * step + step / 2
    return line_plot(series, path, x_range=(min(sig) - 3, max(sig) + 3), y_range=(y0, y1),
                     x_ticks=[(s, f"{s:g}", "") for s in sig],
                     y_ticks=[(y, f"{y:+g}") for y in np.arange(y0 + step / 2, y1, step)],
                     x_title="noise sigma (0-255)",
                     y_title="PSNR against BM3D (dB)" if "bm3d" in rows else "PSNR (dB)")


def replot() -> None:
    """Redraw the plots from the records (their data), without running anything."""
    for rec in records.load_all():
        if rec["name"].startswith("quality-") and rec.get("data"):
            plot({float(s): rows for s, rows in rec["data"].items()}, records.RESULTS / f"{rec['name']}.png")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sigmas", default="15,25,50")
    ap.add_argument("--gray-dir", type=Path, default=None, help="clean gray images (default: Set12)")
    ap.add_argument("--color-dir", type=Path, default=None, help="BSDS500 colour folder with its manifest.csv")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N images of each set")
    ap.add_argument("--gray-models", default="", help="comma list of model ids (default: all suitable)")
    ap.add_argument("--color-models", default="")
    ap.add_argument("--skip-gray", action="store_true")
    ap.add_argument("--skip-color", action="store_true")
    ap.add_argument("--record", action="store_true", help="write docs/results/quality-<set>.json and its plot")
    ap.add_argument("--replot", action="store_true", help="only redraw the plots from the records")
    args = ap.parse_args(argv)
    if args.replot:
        replot()
        return 0
    sigmas = [float(s) for s in args.sigmas.split(",")]
    for key, files, wanted in (("gray", None if args.skip_gray else data.set12(args.gray_dir), args.gray_models),
                               ("color", None if args.skip_color else data.color_holdout(args.color_dir),
                                args.color_models)):
        if files is None:
            continue
        t0 = time.time()
        set_name, channels = SETS[key]
        cleans = data.load_cleans(files[: args.limit or None], channels)
        results = evaluate(cleans, channels, sigmas, pick_methods(channels, [m for m in wanted.split(",") if m] or None))
        t = table(set_name, len(cleans), results)
        print("\n".join(t.markdown()))
        if args.record:
            png = plot(results, records.RESULTS / f"quality-{key}.png")
            records.write(f"quality-{key}", f"Gaussian noise, {set_name.split(',')[0]}", [t],
                          command=records.command("benchmarks.quality", argv), seconds=time.time() - t0,
                          plots=[png.relative_to(records.ROOT / "docs").as_posix()],
                          data={str(s): rows for s, rows in results.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
