"""Denoising quality of our bundled models against classical baselines, side by side in one run.

Protocol (what users' files look like): Gaussian noise of σ (0–255 scale) is added to 8-bit
clean images, then rounded and clipped back to 8 bits; seeded per image and σ so every method
sees the same noisy input. Blind models run on the *estimated* σ; non-blind baselines (BM3D,
FFDNet, NLM) get the true σ, as they are usually reported; a network without a σ input (DnCNN-S,
trained for one σ) gets none ("none" in the σ column).

    python benchmarks/quality.py                       # Set12 gray + BSDS held-out color
    python benchmarks/quality.py --sigmas 25 --limit 4 # quick look
    python benchmarks/quality.py --write-docs          # update the table in docs/benchmarks.md
    python benchmarks/quality.py --gray-models unet_res_gray,unet_res_gray@true,bm3d  # blind vs given σ

A model id with ``@true`` runs a σ-aware network on the true σ as well (its own row), which
shows how much running blind costs; ``@x2``, ``@x4`` or ``@x8`` runs it with that self-ensemble
(the app's Quality setting), blind as usual.

Gray: Set12 (`../shared/data/set12_gray`). Color: the 32 BSDS500 `val` images of
`../shared/data/bsds500_color_train` (per its manifest.csv), which the color recipes hold out
from training, less the ones the default recipes validate on (they pick the exported checkpoint),
so no image scored here influenced the model.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from denoise_desktop import imageio, metrics, registry  # noqa: E402
from denoise_desktop.engine import ENSEMBLES  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
def markers(key: str) -> tuple[str, str]:
    return f"<!-- quality:{key}:begin -->", f"<!-- quality:{key}:end -->"


def validation_names() -> set[str]:
    """File names the bundled models' recipes (``default_*``) validate on (select checkpoints by)."""
    from training.config import load_recipe, recipes_dir
    from training.data import split_files

    names: set[str] = set()
    for path in sorted(recipes_dir().glob("default_*.toml")):
        recipe = load_recipe(path)
        names |= {f.name for f in split_files(recipe.data, recipe.train.seed)[1]}
    return names


def color_holdout(folder: Path) -> list[Path]:
    with open(folder / "manifest.csv", newline="") as f:
        ids = [row["bsds_id"] for row in csv.DictReader(f) if row["bsds500_split"] == "val"]
    seen = validation_names()
    return [folder / f"{i}.jpg" for i in sorted(ids) if f"{i}.jpg" not in seen]


LUMA_601 = np.array([0.299, 0.587, 0.114], np.float32)  # as training.data.cache.to_channels


def as_saved(out: np.ndarray) -> np.ndarray:
    """An output as an 8-bit file would hold it (clipped, rounded), on the [0, 1] scale."""
    return np.round(np.clip(out, 0, 1) * 255) / 255


def gray8(rgb: np.ndarray) -> np.ndarray:
    """The BT.601 luma of an RGB image as an 8-bit gray file holds it (H×W×1)."""
    return as_saved((rgb @ LUMA_601)[..., None])


def saved_psnr(denoiser, noisy: np.ndarray, clean: np.ndarray, sigma: float | None) -> float:
    """PSNR of ``denoiser``'s output at ``sigma`` as it would be saved (rounded to 8 bits)."""
    return metrics.psnr(clean, as_saved(denoiser.denoise(noisy, sigma=sigma)))


def add_noise_8bit(clean: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    clean8 = np.round(clean * 255.0)
    noisy8 = np.clip(np.round(clean8 + rng.normal(0.0, sigma, clean.shape)), 0, 255)
    return (noisy8 / 255.0).astype(np.float32)


def pick_methods(channels: int, wanted: list[str] | None) -> list[tuple[str, str, str, int]]:
    """(row label, model id, σ mode, self-ensemble) rows. σ mode: "estimated" (blind: the app's
    estimate), "true" (the σ that was added) or "none" (a network with no σ input, e.g. DnCNN-S)."""
    entries = {e.id: e for e in registry.list_models()}
    if wanted:
        chosen = wanted
    else:
        chosen = [registry.default_model_id(channels)]
        for e in entries.values():
            if e.id in chosen or channels not in e.channels:
                continue
            if e.kind == "network" or e.id in ("bm3d", "nlm"):
                chosen.append(e.id)
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
            out.append((f"{mid} (σ given)", mid, "true", 1))
            continue
        if mode and e.kind != "network":
            print(f"skipping {name!r}: self-ensemble needs a network", file=sys.stderr)
            continue
        if not e.takes_sigma:
            sigma_mode = "none"
        elif e.kind == "network" and e.card.get("blind", False):
            sigma_mode = "estimated"
        else:
            sigma_mode = "true"
        n = ensembles.get(mode, 1)
        out.append((f"{mid} (×{n} self-ensemble)" if n > 1 else mid, mid, sigma_mode, n))
    return out


def load_cleans(files: list[Path], channels: int) -> list[np.ndarray]:
    cleans = []
    for p in files:
        img = imageio.read_image(p).to_float()
        if channels == 1 and img.shape[2] == 3:
            img = (img @ LUMA_601)[..., None]
        cleans.append(img)
    return cleans


def evaluate(files: list[Path], channels: int, sigmas: list[float], methods, seed: int) -> list[dict]:
    cleans = load_cleans(files, channels)
    rows = []
    denoisers = {mid: registry.load(mid, device="cpu", channels=channels) for _, mid, _, _ in methods}
    for sigma in sigmas:
        noisy = [add_noise_8bit(c, sigma, seed + 1000 * int(sigma) + i) for i, c in enumerate(cleans)]
        base = [metrics.psnr(c, n) for c, n in zip(cleans, noisy)]
        rows.append({"sigma": sigma, "method": "noisy input", "psnr": float(np.mean(base)), "ssim": float(
            np.mean([metrics.ssim(c, n) for c, n in zip(cleans, noisy)])), "seconds": 0.0, "sigma_mode": "-"})
        for label, mid, sigma_mode, ensemble in methods:
            d = denoisers[mid]
            if hasattr(d, "set_ensemble"):
                d.set_ensemble(ensemble)
            ps, ss, secs = [], [], 0.0
            for c, n in zip(cleans, noisy):
                t0 = time.perf_counter()
                out = d.denoise(n, sigma=sigma if sigma_mode == "true" else None)
                secs += time.perf_counter() - t0
                out = as_saved(out)  # compare what would be saved
                ps.append(metrics.psnr(c, out))
                ss.append(metrics.ssim(c, out))
            rows.append({"sigma": sigma, "method": label, "psnr": float(np.mean(ps)), "ssim": float(np.mean(ss)),
                         "seconds": secs, "sigma_mode": sigma_mode})
            print(f"σ={sigma:>4g} {label:<28} PSNR {np.mean(ps):6.2f}  SSIM {np.mean(ss):.4f}  "
                  f"({secs:.1f} s, σ {sigma_mode})", flush=True)
    return rows


def markdown(key: str, results: dict, args) -> str:
    begin, end = markers(key)
    lines = [begin, "", f"Measured by `python benchmarks/quality.py {' '.join(args.argv)}` on "
             f"{time.strftime('%Y-%m-%d')} (CPU). PSNR dB / SSIM; noise rounded and clipped to 8 bits.", ""]
    for name, rows in results.items():
        sig = sorted({r["sigma"] for r in rows})
        methods = list(dict.fromkeys(r["method"] for r in rows))
        lines += [f"**{name}**", "", "| method | σ used | " + " | ".join(f"σ={s:g}" for s in sig) + " |",
                  "|---|---|" + "---|" * len(sig)]
        for m in methods:
            cells = []
            mode = "-"
            for s in sig:
                r = next((r for r in rows if r["method"] == m and r["sigma"] == s), None)
                cells.append(f"{r['psnr']:.2f} / {r['ssim']:.3f}" if r else "")
                mode = r["sigma_mode"] if r else mode
            lines.append(f"| {m} | {mode} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append(end)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sigmas", default="15,25,50")
    ap.add_argument("--gray-dir", type=Path, default=DATA / "set12_gray")
    ap.add_argument("--color-dir", type=Path, default=DATA / "bsds500_color_train")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N images of each set")
    ap.add_argument("--gray-models", default="", help="comma list of model ids (default: all suitable)")
    ap.add_argument("--color-models", default="")
    ap.add_argument("--skip-gray", action="store_true")
    ap.add_argument("--skip-color", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write raw rows here")
    ap.add_argument("--write-docs", action="store_true", help="replace the quality table in docs/benchmarks.md")
    args = ap.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    sigmas = [float(s) for s in args.sigmas.split(",")]
    results = {}
    if not args.skip_gray:
        files = sorted(args.gray_dir.glob("*.png"))[: args.limit or None]
        methods = pick_methods(1, [m for m in args.gray_models.split(",") if m] or None)
        results["gray"] = {f"Set12 gray ({len(files)} images)": evaluate(files, 1, sigmas, methods, args.seed)}
    if not args.skip_color:
        files = color_holdout(args.color_dir)[: args.limit or None]
        methods = pick_methods(3, [m for m in args.color_models.split(",") if m] or None)
        results["color"] = {f"BSDS500 val, color, held out ({len(files)} images)": evaluate(files, 3, sigmas, methods, args.seed)}
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    for key, tables in results.items():
        md = markdown(key, tables, args)
        print(md)
        if args.write_docs:  # each set has its own block, so gray and color can be rerun apart
            begin, end = markers(key)
            text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
            if begin in text and end in text:
                text = text[: text.index(begin)] + md + text[text.index(end) + len(end):]
            else:
                text += f"\n### Quality, {key}\n\n" + md + "\n"
            DOCS.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
