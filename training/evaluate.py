"""Compare denoisers on clean images with seeded Gaussian noise at several σ, or on real noise.

``python -m training.evaluate --models ID_OR_PATH,... --data DIR --sigma 15,25,50 [--out DIR]``
``python -m training.evaluate --models ID_OR_PATH,... --data FILE_OR_DIR --sigma 127.5 --max-images 1000``
(an MNIST/Fashion-MNIST IDX images file, ``.gz`` or raw, or a CIFAR-10 python batch file or folder)
``python -m training.evaluate --models ID_OR_PATH,... --pairs DIR [--out DIR]`` (real noisy/reference
pairs, every model blind: see ``denoise_desktop.pairs``)

Models are registry ids (bundled, user or classical) or paths to ``.safetensors`` files. Noise,
level, channels and scores follow the evaluation protocol (``denoise_desktop/protocol.py``), as
``denoise-desktop eval`` and the benchmarks do, so all give the same scores for the same model,
images, σ, seed, ``--level`` and ``--ensemble`` (both default to the app's). Reports PSNR, SSIM,
MSE, MAE of the output as saved (8 bits) and the mean binary cross-entropy of the float output vs
clean (``bce``: the loss the Keras-style autoencoders train with) per model and σ. Writes ``results.csv``, ``results.json``,
``psnr_vs_sigma.png`` and ``grid.png`` (clean / noisy / each model, a center crop at the middle
σ; tiny images such as 28×28 digits are enlarged with nearest neighbour so they stay visible).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .data.augment import center_crop
from .data.cache import decode, to_channels, to_float
from .data.folders import list_images, load_folder

__all__ = ["Row", "Passthrough", "bce", "evaluate", "load_denoiser", "load_images", "noisy_input", "main",
           "plot_psnr", "make_grid", "make_sample_grid"]


@dataclass
class Row:
    model: str
    sigma: float
    psnr: float
    ssim: float
    mse: float
    mae: float
    bce: float
    images: int
    seconds: float


def _is_file(ref: str) -> bool:
    p = Path(ref)
    return p.suffix in (".safetensors", ".pth", ".pt") or p.exists()


def load_denoiser(ref: str, device: str = "auto", ensemble: int = 1) -> Any:
    """A ``Denoiser`` from a weights path or a registry id."""
    if _is_file(ref):
        from denoise_desktop.engine import NetworkDenoiser
        from denoise_desktop.models import get_spec
        from denoise_desktop.weights import load_weights

        p = Path(ref)
        model, card = load_weights(p)
        return NetworkDenoiser(model, get_spec(card["arch"]), device=device, id=p.stem, name=p.stem, ensemble=ensemble)
    from denoise_desktop import registry

    return registry.load(ref, device=device, ensemble=ensemble)


def model_card(ref: str) -> dict[str, Any]:
    """The card of a weights path or a registry id (classical models: ``{}``): says whether it is blind."""
    if _is_file(ref):
        from denoise_desktop.weights import read_card

        return read_card(Path(ref))
    from denoise_desktop import registry

    return registry.get(ref).card


class Passthrough:
    """A "denoiser" that returns its input: its row is the noisy input's own scores."""

    id = name = "noisy input"
    channels = (1, 3)
    takes_sigma = False

    def denoise(self, image: np.ndarray, sigma: float | None = None, **_: Any) -> np.ndarray:
        return image


def bce(clean: np.ndarray, out: np.ndarray, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy of ``out`` (the prediction) against ``clean`` (the target), both
    on [0, 1]: −mean(c·ln o + (1−c)·ln(1−o)), ``out`` clipped to [eps, 1−eps] as Keras's
    ``binary_crossentropy`` does. The target need not be binary, so it is not 0 for a perfect
    output: its floor is the clean image's own mean entropy."""
    c = np.asarray(clean, np.float64)
    o = np.clip(np.asarray(out, np.float64), eps, 1.0 - eps)
    if c.shape != o.shape:
        raise ValueError(f"images differ in shape: {c.shape} vs {o.shape}")
    return float(-np.mean(c * np.log(o) + (1.0 - c) * np.log1p(-o)))


def noisy_input(clean: np.ndarray, sigma: float, seed: int, index: int) -> np.ndarray:
    """The protocol's noisy input for image ``index`` (``denoise_desktop.protocol.noisy``)."""
    from denoise_desktop.protocol import noisy

    return noisy(clean, sigma, index, seed)


def load_images(data: str | Path, *, channels: int | None = None, max_images: int = 0,
                crop: int = 0) -> tuple[list[np.ndarray], list[str], str]:
    """(integer H×W×C images, their names, what they are) of ``data``: an image folder (read as
    ``channels``), or a classic data set's own file (``denoise_desktop.datasets``:
    an IDX images file or a CIFAR-10 batch file/folder, in its own channels unless ``channels``
    is given; a folder's images in their own channels when None). The first ``max_images`` (0 = all),
    center-cropped to ``crop`` (0 = full size)."""
    from denoise_desktop.datasets import read_image_set

    image_set = read_image_set(data)
    if image_set is not None:
        arr, kind = image_set
        arr = arr[: max_images or None]
        if not len(arr):
            raise ValueError(f"{data}: holds no images")
        images = [a if channels is None else to_channels(a, channels) for a in arr]
        names = [f"{Path(data).name}[{k}]" for k in range(len(images))]
    else:
        files = list_images(data)[: max_images or None]
        images = load_folder(files, channels=channels) if channels else [decode(f) for f in files]
        names, kind = [f.name for f in files], "images"
    return [center_crop(im, crop) for im in images], names, kind


def evaluate(denoisers: dict[str, Any], images: list[np.ndarray], sigmas: Sequence[float], *, seed: int = 0,
             keep: int = 0, cards: dict[str, dict] | None = None,
             level: str = "true") -> tuple[list[Row], dict[tuple[str, float], list[np.ndarray]]]:
    """Rows of mean metrics per (model, σ) by the protocol; also the first ``keep`` outputs per
    (model, σ). ``cards`` (name → card) and ``level`` decide which models run blind
    (``protocol.sigma_given``); with the default ``level="true"`` every model is given the σ."""
    from denoise_desktop import protocol

    rows, outputs = [], {}
    for name, dn in denoisers.items():
        card = (cards or {}).get(name)
        for sigma in sigmas:
            scores: list[tuple[float, float, float, float, float]] = []
            t0 = time.perf_counter()
            for i, img in enumerate(images):
                clean = protocol.as_channels(to_float(img), getattr(dn, "channels", (1, 3)))
                _, out, s = protocol.denoise_scored(dn, clean, sigma, i, card=card, level=level, seed=seed)
                scores.append((s["psnr"], s["ssim"], s["mse"], s["mae"], bce(clean, out)))
                if i < keep:
                    outputs.setdefault((name, sigma), []).append(out)
            m = np.mean(scores, axis=0)
            rows.append(Row(name, float(sigma), *(float(v) for v in m), len(images),
                            round(time.perf_counter() - t0, 3)))
            print(f"{name:24s} σ={sigma:5.1f}  PSNR {m[0]:6.2f} dB  SSIM {m[1]:.4f}  BCE {m[4]:.4f}", file=sys.stderr)
    return rows, outputs


# -- pictures, drawn with PIL (matplotlib is not a dependency) ----------------------------------
_COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def plot_psnr(rows: list[Row], path: Path, *, size: tuple[int, int] = (720, 480)) -> Path:
    from PIL import Image, ImageDraw

    W, H = size
    left, right, top, bottom = 60, 170, 30, 50
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    xs = sorted({r.sigma for r in rows})
    ys = [r.psnr for r in rows if np.isfinite(r.psnr)]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = (np.floor(min(ys)) - 1, np.ceil(max(ys)) + 1) if ys else (0, 1)

    def px(x: float, y: float) -> tuple[float, float]:
        return (left + (x - x0) / (x1 - x0) * (W - left - right),
                H - bottom - (y - y0) / (y1 - y0) * (H - top - bottom))

    d.rectangle([left, top, W - right, H - bottom], outline="black")
    for x in xs:
        X, _ = px(x, y0)
        d.line([X, H - bottom, X, H - bottom + 5], fill="black")
        d.text((X - 8, H - bottom + 8), f"{x:g}", fill="black")
    for y in np.linspace(y0, y1, 6):
        _, Y = px(x0, y)
        d.line([left - 5, Y, left, Y], fill="black")
        d.text((5, Y - 6), f"{y:.1f}", fill="black")
    d.text(((W - right) // 2, H - 18), "sigma (0-255)", fill="black")
    d.text((left, 8), "PSNR (dB) vs noise level", fill="black")
    for k, name in enumerate(dict.fromkeys(r.model for r in rows)):
        color = _COLORS[k % len(_COLORS)]
        pts = [px(r.sigma, r.psnr) for r in sorted((r for r in rows if r.model == name), key=lambda r: r.sigma)]
        if len(pts) > 1:
            d.line(pts, fill=color, width=2)
        for X, Y in pts:
            d.ellipse([X - 3, Y - 3, X + 3, Y + 3], fill=color)
        d.line([W - right + 10, top + 10 + 16 * k, W - right + 30, top + 10 + 16 * k], fill=color, width=3)
        d.text((W - right + 35, top + 4 + 16 * k), name[:20], fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def make_grid(clean: np.ndarray, noisy: np.ndarray, outputs: dict[str, np.ndarray], path: Path,
              *, crop: int = 96, zoom: int = 2, min_side: int = 128) -> Path:
    """One row: clean | noisy | each model's output, same center crop, labelled."""
    return make_sample_grid([[("clean", clean), ("noisy", noisy), *outputs.items()]], path, crop=crop, zoom=zoom,
                            min_side=min_side)


def make_sample_grid(rows: list[list[tuple[str, np.ndarray]]], path: Path, *, crop: int = 96, zoom: int = 2,
                     min_side: int = 128) -> Path:
    """Rows of labelled tiles (float images on [0, 1], H×W or H×W×C), the same center crop of
    each, enlarged ``zoom`` times with nearest neighbour, or more for tiny images so each tile is
    at least ``min_side`` pixels (a 28×28 digit: ×5). A label goes above every tile of the first
    row and above a tile of a later row whose label differs from the one above it."""
    from PIL import Image, ImageDraw

    if not rows or not rows[0]:
        raise ValueError("nothing to draw")
    side = min(crop, *(min(a.shape[:2]) for row in rows for _, a in row))
    z = max(zoom, -(-min_side // side))
    w = h = side * z
    cols = max(len(r) for r in rows)
    label_h, gap = 14, 4
    grid = Image.new("RGB", (cols * (w + gap) - gap, len(rows) * (h + label_h + gap) - gap), "white")
    d = ImageDraw.Draw(grid)
    for r, row in enumerate(rows):
        y = r * (h + label_h + gap)
        for k, (label, a) in enumerate(row):
            a = np.asarray(a, np.float32)
            a = center_crop(a if a.ndim == 3 else a[..., None], side)
            a = np.repeat(a, 3, axis=2) if a.shape[2] == 1 else a
            im = Image.fromarray(np.clip(np.rint(a * 255), 0, 255).astype(np.uint8))
            grid.paste(im.resize((w, h), Image.NEAREST), (k * (w + gap), y + label_h))
            above = rows[r - 1][k][0] if r and k < len(rows[r - 1]) else None
            if label != above:
                d.text((k * (w + gap) + 2, y + 2), label[: max(4, w // 6)], fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    grid.save(path)
    return path


def _out_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    from denoise_desktop import paths

    return paths.runs_dir() / time.strftime("eval-%Y%m%d-%H%M%S")


def _main_pairs(args, refs: list[str]) -> int:
    """``--pairs``: each model blind on real noisy/reference pairs; results.csv/json and grid.png."""
    from denoise_desktop.pairs import find_pairs, score_pairs

    try:
        pairs = find_pairs(args.pairs)[: args.max_images or None]
        denoisers = {Path(r).stem if Path(r).suffix else r: load_denoiser(r, args.device, args.ensemble) for r in refs}
    except Exception as exc:  # noqa: BLE001 - a clear one-line reason, nothing written
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results, firsts = [], {}
    for name, dn in denoisers.items():
        keep: list = []
        try:
            r = score_pairs(dn, pairs, keep=keep)
        except Exception as exc:  # noqa: BLE001 - an unreadable or mismatched pair
            print(f"error: {name}: {exc}", file=sys.stderr)
            return 1
        results.append({"model": name, **r})
        firsts[name] = keep[0]
        print(f"{name:24s} real pairs  PSNR {r['psnr']:6.2f} dB  SSIM {r['ssim']:.4f}  (noisy {r['psnr_noisy']:.2f})",
              file=sys.stderr)
    out = _out_dir(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=[k for k in results[0] if k != "channels"] + ["channels"])
        w.writeheader()
        w.writerows({**r, "channels": "/".join(map(str, r["channels"]))} for r in results)
    meta = {"pairs": str(args.pairs), "images": [n.name for n, _ in pairs], "level": "auto (blind)",
            "results": results}
    (out / "results.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    x, c, _ = next(iter(firsts.values()))
    make_grid(c, x, {n: o for n, (xx, _, o) in firsts.items() if o.shape == c.shape}, out / "grid.png")
    print(out)
    return 0


def _own_channels(images: list[np.ndarray]) -> int | list[int]:
    """The images' channel count (a list where a folder mixes gray and colour)."""
    found = sorted({int(im.shape[2]) for im in images})
    return found[0] if len(found) == 1 else found


def main(argv: Sequence[str] | None = None) -> int:
    from denoise_desktop.engine import DEFAULT_ENSEMBLE, ENSEMBLES

    p = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__.splitlines()[0])
    p.add_argument("--models", required=True, help="comma-separated registry ids or .safetensors paths")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="clean images, Gaussian noise of each --sigma added: a folder (recursive), an "
                                    "MNIST/Fashion-MNIST IDX images file (.gz or raw), or a CIFAR-10 python batch "
                                    "file or folder (its test_batch)")
    src.add_argument("--pairs", help="folder of real noisy/reference pairs (see denoise_desktop.pairs): every model "
                                     "blind, at its own Auto level; --sigma, --channels and --crop do not apply")
    p.add_argument("--sigma", default="15,25,50", help="comma-separated σ values on the 0–255 scale")
    p.add_argument("--out", help="output folder (default: <runs dir>/eval-<time>)")
    p.add_argument("--channels", type=int, choices=[1, 3], default=None,
                   help="evaluate as gray (1) or color (3) (default: gray for a folder, the data set's own for "
                        "IDX/CIFAR files)")
    p.add_argument("--max-images", type=int, default=0)
    p.add_argument("--crop", type=int, default=0, help="center-crop images to this size (0 = full)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--level", choices=["app", "true"], default="app",
                   help="app (default): each model as the app runs it with σ on Auto (blind models estimate "
                        "the level); true: every σ-aware model is given the σ added (denoise_desktop/protocol.py)")
    p.add_argument("--ensemble", type=int, choices=ENSEMBLES, default=DEFAULT_ENSEMBLE,
                   help=f"networks' self-ensemble size, as the app's Quality (default {DEFAULT_ENSEMBLE})")
    p.add_argument("--device", default="auto")
    args = p.parse_args(list(argv) if argv is not None else None)
    try:
        sigmas = [float(s) for s in args.sigma.split(",") if s.strip()]
    except ValueError:
        print(f"error: --sigma {args.sigma!r}: expected numbers like 15,25,50", file=sys.stderr)
        return 2
    refs = [m.strip() for m in args.models.split(",") if m.strip()]
    if not refs or not sigmas:
        print("error: need at least one model and one σ", file=sys.stderr)
        return 2
    if args.pairs:
        return _main_pairs(args, refs)
    try:
        images, names, kind = load_images(args.data, channels=args.channels, max_images=args.max_images,
                                          crop=args.crop)
        if not images:
            raise ValueError(f"{args.data}: no images")
        denoisers, cards = {}, {}
        for ref in refs:
            name = Path(ref).stem if Path(ref).suffix else ref
            denoisers[name], cards[name] = load_denoiser(ref, args.device, args.ensemble), model_card(ref)
    except Exception as exc:  # noqa: BLE001 - a clear one-line reason, nothing written
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = _out_dir(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, outputs = evaluate(denoisers, images, sigmas, seed=args.seed, keep=1, cards=cards, level=args.level)
    with open(out / "results.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(asdict(rows[0])))
        w.writeheader()
        w.writerows(asdict(r) for r in rows)
    meta = {"data": str(args.data), "data_kind": kind, "n_images": len(images),
            "images": names if kind == "images" else f"{names[0]} … {names[-1]}", "sigmas": sigmas,
            "seed": args.seed, "level": args.level, "ensemble": args.ensemble,
            "channels": args.channels or _own_channels(images),
            "protocol": "denoise_desktop/protocol.py (as denoise-desktop eval)", "results": [asdict(r) for r in rows]}
    (out / "results.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    plot_psnr(rows, out / "psnr_vs_sigma.png")
    mid = sigmas[len(sigmas) // 2]
    first = to_float(images[0])
    make_grid(first, noisy_input(first, mid, args.seed, 0), {n: outputs[(n, mid)][0] for n in denoisers
                                                        if outputs[(n, mid)][0].shape == first.shape}, out / "grid.png")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
