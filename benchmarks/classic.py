"""The classic denoisers reproduced: each on its own test split, next to the original's figures.

    python -m benchmarks.classic                             # all, writes docs/classic.md + docs/classic/*.png
    python -m benchmarks.classic --limit 50 --compare-limit 10 --no-bm3d --no-write  # quick look
    python -m benchmarks.classic --only rednet_cifar10       # one system's section (the others are kept)
    python -m benchmarks.classic --weights runs/classic_rednet/export  # weights not bundled yet

For each classic system whose weights are present (bundled in ``resources/weights/``, or in a
``--weights`` folder; a missing one is skipped with a line saying so), on its own test split in
``../shared/data``:

* ``conv_ae_mnist``: MNIST ``t10k`` (first ``--limit``, default 1000), σ 127.5 (noise factor 0.5);
* ``conv_ae_fashion_mnist``: Fashion-MNIST ``t10k``, σ 127.5, with the test binary cross-entropy;
* ``rednet_cifar10``: CIFAR-10 ``test_batch`` (``cifar10_exact``, 1000 images), σ 25.5 / 76.5 /
  127.5 / 178.5 / 255 (noise factors 0.1 / 0.3 / 0.5 / 0.7 / 1.0), and a PSNR-vs-σ curve;
* ``upsampling_ae_photos``: 128×128 centre crops of the BSDS500 colour hold-out of
  ``benchmarks.quality`` (the manifest's ``val`` images less those the default recipes
  validate on) minus every image this model's own recipe trained on (rebuilt from its card:
  a ``val_fraction`` split of the whole folder puts most of the hold-out in its training set),
  σ 25.5;
* ``dncnn_gray_s25``: Set12, σ 25.

Protocol of ``training.evaluate`` and ``denoise-desktop eval`` (the same seeded draw, so either
tool reproduces these numbers): Gaussian noise added on [0, 1], rounded and clipped to 8 bits,
seeded per image index and σ; PSNR / SSIM / MSE / MAE of the float output on [0, 1] (and BCE
where the original reports it), mean over images. In the same table: the noisy input, the modern
default (``registry.default_model_id``: its white-noise network, what Auto picks for Gaussian
noise, σ given, one pass), OpenCV NLM and BM3D (σ given; BM3D is slow: ``--no-bm3d``); the
default and BM3D run on the first ``--compare-limit`` images (default 100), the "images" column
says how many. The original's reported figures are a row of their own.

Writes one section per system to ``docs/classic.md`` (created with its intro when missing; the
CPU's flags and the exact command recorded), ``docs/classic/rednet_psnr_sigma.png`` (drawn with
numpy + OpenCV) and a sample grid per model ``docs/classic/<id>_samples.png`` (clean / noisy /
the model / the default, nearest-neighbour enlarged). ``--no-write`` prints the markdown only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import data
from .plots import line_plot
from .records import write_section
from .timing import cpu_flags

from denoise_desktop import registry
from denoise_desktop.weights import read_card
from training import evaluate as ev
from training.data.augment import center_crop
from training.data.cache import to_float

ROOT, DATA = data.ROOT, data.DATA
PAGE = ROOT / "docs" / "classic.md"
FIGS = ROOT / "docs" / "classic"

INTRO = """# Classic experiments

The denoisers this field started from, reproduced on their own data with this project's training
module and bundled as models (`denoise-desktop models`, Compare's "Add classic models"): the
small convolutional autoencoder of the Keras example on MNIST digits, the strided
conv / transposed-conv autoencoder on Fashion-MNIST, the pooling + upsampling autoencoder on
128×128 photo crops, RED-Net (conv/deconv with symmetric skips) on CIFAR-10 thumbnails and
DnCNN-S on Train400 patches. Each section gives the original's reported figures and ours on the
same protocol, the modern default, NLM and BM3D in the same table, a sample grid, and the training
budget and command that made the bundled weights.

A model made for 28×28 digits or 32×32 thumbnails runs on any image, but only its own kind of
image gets good results; the app never picks one automatically.

Regenerate everything on this page (tables and pictures) from the bundled weights with

    python -m benchmarks.classic

(`--only ID` redoes one section; `--help` lists the options.)
"""

PROTOCOL = (
    "The evaluation protocol of `denoise_desktop/protocol.py`: Gaussian noise is added on [0, 1], rounded and "
    "clipped to 8 bits, seeded per image index and σ as `denoise-desktop eval` and `python -m training.evaluate` "
    "draw it (seed 0 unless a section says otherwise), so either tool reproduces a row, e.g. `denoise-desktop eval "
    "--model conv_ae_mnist --data ../shared/data/mnist/t10k-images-idx3-ubyte.gz --sigma 127.5 --limit 1000 "
    "--ensemble 1 --level true`. PSNR / SSIM / MSE / MAE are of the output as saved (clipped, rounded to 8 bits) "
    "on [0, 1], means over images; BCE, a training loss, is of the float output: −mean(c·ln o + (1−c)·ln(1−o)) with o clipped to "
    "[1e-7, 1 − 1e-7] as Keras computes it (on grey-level targets it is not 0 even for a perfect output). Every "
    "method gets the true σ where it takes one: the modern default runs its white-noise network (what Auto picks "
    "for Gaussian noise) at one pass, NLM and BM3D as in the app. The default and BM3D are slow, so they run on "
    "the first `--compare-limit` images (the \"images\" column says how many). The original's figures come from "
    "its own noise draws (typically on float images, not rounded to 8 bits): close to ours in "
    "protocol, not identical.")


@dataclass
class System:
    id: str
    title: str
    original: str  # what the original is, one sentence
    sigmas: list[float]
    channels: int
    reported: dict[float, dict[str, float]] = field(default_factory=dict)  # σ → metric → value
    reported_note: str = ""  # said in the "original" row when it reports no figures
    metrics: tuple[str, ...] = ("psnr", "ssim", "mse", "mae")
    # models made for one of the σ (one model per noise level, as the original trains them):
    # evaluated at that σ only, beside the blind model, when bundled or found in --weights
    per_level: dict[float, str] = field(default_factory=dict)


SYSTEMS = [
    System("conv_ae_mnist", "Convolutional autoencoder, MNIST",
           "the Keras denoising-autoencoder example: two conv + max-pool, two conv + upsample, sigmoid "
           "output, binary cross-entropy, MNIST with noise factor 0.5 (σ 127.5 on 0–255), clipped",
           [127.5], 1, reported_note="images only (the example shows denoised digits, no figures)"),
    System("conv_ae_fashion_mnist", "Strided convolutional autoencoder, Fashion-MNIST",
           "a strided conv / transposed-conv autoencoder (32-64-128) trained with binary cross-entropy on "
           "Fashion-MNIST with noise factor 0.5; it reports its test loss",
           [127.5], 1, reported={127.5: {"bce": 0.2765}}, metrics=("psnr", "ssim", "mse", "mae", "bce")),
    System("rednet_cifar10", "RED-Net, CIFAR-10",
           "RED-Net (Mao et al. 2016: conv/deconv layers with symmetric skip connections) on CIFAR-10 "
           "32×32 at noise factors 0.1 / 0.3 / 0.5 / 0.7 / 1.0, one model per level; ours is one blind RED20 "
           "for all five, and a RED20 fine-tuned for the lowest level (σ 25.5), where the blind one gives most away",
           [25.5, 76.5, 127.5, 178.5, 255.0], 3,
           reported={25.5: {"psnr": 28.33}, 76.5: {"psnr": 22.81}, 127.5: {"psnr": 20.42},
                     178.5: {"psnr": 18.98}, 255.0: {"psnr": 15.35}},
           per_level={25.5: "rednet_cifar10_s25"}),
    System("upsampling_ae_photos", "Upsampling autoencoder, 128×128 photos",
           "a four-stride-2 conv + upsampling autoencoder on 128×128 photo crops with rotation / shift / "
           "flip augmentation, noise factor 0.1 (σ 25.5)",
           [25.5], 3, reported={25.5: {"psnr": 13.28, "mse": 0.046, "mae": 0.178}}),
    System("dncnn_gray_s25", "DnCNN-S, Set12",
           "DnCNN-S (Zhang et al. 2017: 17 conv layers, residual learning, batch norm) trained on 40×40 "
           "Train400 patches at σ 25; the paper reports 30.44 dB on Set12",
           [25.0], 1, reported={25.0: {"psnr": 30.44}}),
]
NOISE_FACTOR = {25.5: 0.1, 76.5: 0.3, 127.5: 0.5, 178.5: 0.7, 255.0: 1.0}
LABELS = {"psnr": "PSNR (dB)", "ssim": "SSIM", "mse": "MSE", "mae": "MAE", "bce": "BCE"}
FORMATS = {"psnr": "{:.2f}", "ssim": "{:.3f}", "mse": "{:.4f}", "mae": "{:.4f}", "bce": "{:.4f}"}


# -- finding the models and their test images ----------------------------------------------------

def find_weights(model_id: str, folders: list[Path]) -> tuple[Path | None, str]:
    """(weights file, where from): the first ``--weights`` folder (or file) holding ``<id>.safetensors``,
    else the registry's entry; (None, reason) when neither has it."""
    for f in folders:
        p = f if f.suffix == ".safetensors" and f.stem == model_id else f / f"{model_id}.safetensors"
        if p.is_file():
            return p, str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
    try:
        e = registry.get(model_id)
    except KeyError:
        return None, f"not bundled (no resources/weights/{model_id}.safetensors)"
    except Exception as exc:  # noqa: BLE001 - a broken file: say why
        return None, f"unusable: {exc}"
    return e.path, "bundled" if e.source == "bundled" else f"{e.source} models"


def load_model(path: Path, device: str) -> Any:
    """A bundled id through the registry (its σ range, name); any other file through training.evaluate."""
    try:
        e = registry.get(path.stem)
        if e.path is not None and e.path.resolve() == path.resolve():
            return registry.load(e.id, device=device)
    except Exception:  # noqa: BLE001 - not listed: load the file itself
        pass
    return ev.load_denoiser(str(path), device)


def photo_split(card: dict[str, Any], folder: Path) -> tuple[set[str], set[str]] | None:
    """(training, validation) names of the images in ``folder`` as the model's recipe, recorded in
    its card, split them (both empty when it trained on another folder); None when the card does
    not say."""
    from training.config import recipes_dir
    from training.data.folders import list_images
    from training.data.split import split_items

    recipe = card.get("recipe") or {}
    data = recipe.get("data") or {}
    if not data.get("train"):
        return None
    if Path(str(data["train"])).name != folder.name:
        return set(), set()
    files = list_images(folder)
    val = str(data.get("val") or "")
    if val.endswith(".txt"):  # a held-out list (splits/<name>.txt): trained on everything else
        lst = recipes_dir() / "splits" / Path(val).name
        names = {ln.split("#")[0].strip() for ln in lst.read_text().splitlines()} - {""}
        return {f.name for f in files} - names, names
    if val:  # a separate validation folder: trained on the whole training folder
        return {f.name for f in files}, set()
    seed = int((recipe.get("train") or {}).get("seed", 0))
    train, held = split_items(files, float(data.get("val_fraction", 0.1)), seed)
    return {f.name for f in train}, {f.name for f in held}


def photo_set(card: dict[str, Any], limit: int) -> tuple[list[np.ndarray], str]:
    """128×128 centre crops of the colour hold-out images this model never trained on."""
    from training.data.folders import load_folder

    folder = DATA / "bsds500_color_train"
    holdout = data.color_holdout(folder)
    split = photo_split(card, folder)
    trained, validated = split if split is not None else (set(), set())
    unseen = [f for f in holdout if f.name not in trained]
    note = (f"128×128 centre crops of the BSDS500 colour hold-out (the manifest's `val` images less those the "
            f"default recipes validate on: {len(holdout)})")
    if split is None:
        note += "; the model's card does not say what it trained on"
    elif len(unseen) < len(holdout):
        note += (f" less the {len(holdout) - len(unseen)} this model trained on (its recipe's `val_fraction` split "
                 f"of the whole folder, rebuilt from its card): **only {len(unseen)} unseen images**")
    else:
        note += ", none of which this model trained on"
    recorded = (card.get("data") or {}).get("val_files")
    if isinstance(recorded, list) and recorded:  # the validation images really used (capped)
        validated = {str(n) for n in recorded}
    picked = sum(f.name in validated for f in unseen)
    if picked:
        note += f" ({picked} of them in its validation split, which picked the exported checkpoint)"
    unseen = unseen[: limit or None]
    if not unseen:
        raise ValueError("no hold-out photo left that this model did not train on")
    return [center_crop(im, 128) for im in load_folder(unseen, channels=3)], note


def test_images(s: System, card: dict[str, Any], limit: int) -> tuple[list[np.ndarray], str]:
    if s.id == "conv_ae_mnist":
        path = DATA / "mnist" / "t10k-images-idx3-ubyte.gz"
        return ev.load_images(path, max_images=limit)[0], f"MNIST `t10k` (first {limit or 10000})"
    if s.id == "conv_ae_fashion_mnist":
        path = DATA / "fashion_mnist" / "t10k-images-idx3-ubyte.gz"
        return ev.load_images(path, max_images=limit)[0], f"Fashion-MNIST `t10k` (first {limit or 10000})"
    if s.id == "rednet_cifar10":
        imgs = ev.load_images(DATA / "cifar10_exact", max_images=limit)[0]
        return imgs, f"CIFAR-10 `test_batch` (`cifar10_exact`, first {len(imgs)})"
    if s.id == "upsampling_ae_photos":
        return photo_set(card, limit)
    imgs = ev.load_images(DATA / "set12_gray", channels=1, max_images=limit)[0]
    return imgs, f"Set12 ({len(imgs)} images)"


# -- running ----------------------------------------------------------------------------------------

@dataclass
class Result:
    system: System
    source: str
    card: dict[str, Any]
    data_note: str
    rows: list[ev.Row]  # noisy input, the model, default, NLM, BM3D
    labels: dict[str, str]  # row model name → table label
    samples: list[list[tuple[str, np.ndarray]]]
    level_cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-level model → its card


def run_system(s: System, path: Path, source: str, args, folders: list[Path] = ()) -> Result:
    card = read_card(path)
    images, note = test_images(s, card, args.limit)
    few = images[: args.compare_limit or None]
    default_id = registry.default_model_id(s.channels)
    dn = load_model(path, args.device)
    runs: list[tuple[str, str, Any, list[np.ndarray]]] = [
        ("noisy input", "noisy input", ev.Passthrough(), images),
        (s.id, f"**{s.id}** (ours)", dn, images),
    ]
    only_at: dict[str, list[float]] = {}  # per-level models: their own σ only
    level_cards: dict[str, dict[str, Any]] = {}
    for sigma, level_id in s.per_level.items():
        level_path, where = find_weights(level_id, list(folders))
        if level_path is None:
            print(f"{level_id}: skipped, {where}", file=sys.stderr)
            continue
        runs.append((level_id, f"**{level_id}** (ours, σ {sigma:g} only)", load_model(level_path, args.device), images))
        only_at[level_id] = [sigma]
        level_cards[level_id] = read_card(level_path)
    if default_id != s.id and default_id != "nlm":
        d = registry.load(default_id, device=args.device)
        runs.append((default_id, f"{default_id} (modern default)", getattr(d, "white", d), few))
    runs.append(("nlm", "NLM (OpenCV)", registry.load("nlm"), images))
    if not args.no_bm3d:
        try:
            runs.append(("bm3d", "BM3D", registry.load("bm3d"), few))
        except KeyError:
            print("BM3D not installed: no BM3D row", file=sys.stderr)
    rows, outputs = [], {}
    keep = args.samples
    for name, _label, d, imgs in runs:
        r, o = ev.evaluate({name: d}, imgs, only_at.get(name, s.sigmas), seed=args.seed, keep=keep)
        rows += r
        outputs.update(o)
    # sample grid: clean | noisy | ours | default, a few images (RED-Net: one σ per row)
    samples = []
    for i in range(min(keep, len(images))):
        sigma = s.sigmas[i % len(s.sigmas)]
        clean = to_float(images[i])
        tag = f" sigma {sigma:g}" if len(s.sigmas) > 1 else ""
        row = [("clean", clean), ("noisy" + tag, ev.noisy_input(clean, sigma, args.seed, i))]
        for name in (s.id, default_id):
            outs = outputs.get((name, sigma), [])
            if i < len(outs):
                row.append((name, outs[i]))
        samples.append(row)
    return Result(s, source, card, note, rows, {n: lab for n, lab, _, _ in runs}, samples, level_cards)


# -- markdown -----------------------------------------------------------------------------------

def _fmt(metric: str, v: float | None) -> str:
    return "–" if v is None or not np.isfinite(v) else FORMATS[metric].format(v)


def table(res: Result) -> list[str]:
    s = res.system
    lines = []
    if len(s.sigmas) == 1:
        sigma = s.sigmas[0]
        lines += [f"σ {sigma:g}" + (f" (noise factor {NOISE_FACTOR[sigma]:g})" if sigma in NOISE_FACTOR else "")
                  + ":", "", "| method | images | " + " | ".join(LABELS[m] for m in s.metrics) + " |",
                  "|---|---|" + "---|" * len(s.metrics)]
        for name, label in res.labels.items():
            r = next((r for r in res.rows if r.model == name and r.sigma == sigma), None)
            if r:
                lines.append(f"| {label} | {r.images} | " + " | ".join(_fmt(m, getattr(r, m)) for m in s.metrics) + " |")
        rep = s.reported.get(sigma)
        if rep:
            lines.append("| original (reported) | – | " + " | ".join(_fmt(m, rep.get(m)) for m in s.metrics) + " |")
        else:
            lines.append(f"| original (reported) | – | {s.reported_note} |" + " |" * (len(s.metrics) - 1))
        return lines
    # several σ: PSNR / SSIM per cell, one column per σ
    head = " | ".join(f"σ {x:g} ({NOISE_FACTOR.get(x, x / 255):g})" for x in s.sigmas)
    lines += ["PSNR (dB) / SSIM per σ (noise factor):", "", f"| method | images | {head} |",
              "|---|---|" + "---|" * len(s.sigmas)]
    for name, label in res.labels.items():
        cells, n = [], 0
        for x in s.sigmas:
            r = next((r for r in res.rows if r.model == name and r.sigma == x), None)
            cells.append(f"{r.psnr:.2f} / {r.ssim:.3f}" if r else "")
            n = r.images if r else n
        lines.append(f"| {label} | {n} | " + " | ".join(cells) + " |")
    lines.append("| original (reported) | – | " + " | ".join(
        f"{s.reported[x]['psnr']:.2f}" if "psnr" in s.reported.get(x, {}) else "–" for x in s.sigmas) + " |")
    return lines


def _override(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value) if isinstance(value, (list, dict, bool)) or value is None else repr(value)


def recipe_overrides(card_recipe: dict[str, Any]) -> list[str]:
    """``--set`` overrides that turn the bundled recipe of the same name into the card's."""
    from dataclasses import asdict

    from training.config import load_recipe, recipes_dir

    path = recipes_dir() / f"{card_recipe.get('name', '')}.toml"
    if not path.is_file():
        return []
    base = asdict(load_recipe(path))
    skip = {("data", "train"), ("data", "val"), ("data", "val_dir"), ("model", "init"), ("train", "threads"),
            ("train", "device")}
    out = []
    for section, values in card_recipe.items():
        if not isinstance(values, dict) or section in ("export",):
            continue
        for key, v in values.items():
            if (section, key) in skip or key not in base.get(section, {}):
                continue
            if base[section][key] != v and not (isinstance(v, list) and list(base[section][key]) == v):
                out.append(f"--set {section}.{key}={_override(v)}")
    return out


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h ({seconds:.0f} s)" if seconds >= 3600 else f"{seconds / 60:.0f} min ({seconds:.0f} s)"


def training_lines(card: dict[str, Any]) -> list[str]:
    """Budget (steps, seconds) and the command(s) that made these weights, from the card."""
    if not card:
        return ["Training: no card beside the weights."]
    recipe = card.get("recipe") or {}
    name = recipe.get("name") or "?"
    from training.config import recipes_dir

    bundled = (recipes_dir() / f"{name}.toml").is_file()
    cmd = f"python -m training {name} --threads 1"
    stages = list(reversed(card.get("fine_tuned_from") or []))  # the card lists the latest first
    total_s = float(card.get("train_seconds") or 0) + sum(float(st.get("train_seconds") or 0) for st in stages)
    total_steps = int(card.get("steps") or 0) + sum(int(st.get("steps") or 0) for st in stages)
    d = card.get("data") or {}
    lines = [f"Training: {total_steps} steps, {_duration(total_s)} on "
             f"{card.get('device', 'cpu')}, {d.get('n_train', '?')} training images"
             + (f" ({d.get('train')})" if d.get("train") else "") + f", recipe `{name}`"
             + ("" if bundled else " (not in training/recipes)") + "."]
    if stages:
        for k, st in enumerate(stages, 1):  # earlier stages' overrides: the recipe's header lists them
            stage_cmd = f"python -m training {st['recipe']} --threads 1" if st.get("recipe") else cmd
            lines.append(f"- stage {k}: `{stage_cmd}` with the overrides in the recipe's header "
                         f"({st.get('steps', '?')} steps, {float(st.get('train_seconds', 0)):.0f} s"
                         + (f", val PSNR {st['val']['psnr']:.2f} dB" if isinstance(st.get("val"), dict) else "") + ")")
        extra = " ".join(recipe_overrides(recipe))
        lines.append(f"- stage {len(stages) + 1}, fine-tuned from stage {len(stages)}'s export: "
                     f"`{cmd} --set model.init=<stage {len(stages)} export>{(' ' + extra) if extra else ''}` "
                     f"({card.get('steps', '?')} steps, {float(card.get('train_seconds', 0)):.0f} s)")
    else:
        extra = " ".join(recipe_overrides(recipe))
        lines.append(f"- `{cmd}{(' ' + extra) if extra else ''}`")
    val = card.get("val")
    if isinstance(val, dict) and "psnr" in val:
        lines.append(f"- its own validation ({val.get('images', '?')} images, σ {val.get('sigma', '?')}): "
                     f"PSNR {val['psnr']:.2f} dB, SSIM {val.get('ssim', float('nan')):.3f}")
    return lines


def section(res: Result, figs_rel: str, wrote_figs: bool, measured: str) -> str:
    s = res.system
    parts = [measured, "", f"Original: {s.original}.", "",
             f"Ours: `{s.id}` ({res.source}), on {res.data_note}.", ""]
    parts += table(res)
    if wrote_figs:
        if s.id == "rednet_cifar10":
            parts += ["", f"![PSNR vs σ on CIFAR-10]({figs_rel}/rednet_psnr_sigma.png)"]
        parts += ["", f"![clean / noisy / {s.id} / default]({figs_rel}/{s.id}_samples.png)"]
    parts += [""] + training_lines(res.card)
    for level_id, level_card in res.level_cards.items():
        parts += ["", f"`{level_id}`:", ""] + training_lines(level_card)
    return "\n".join(parts)


def missing_section(s: System, why: str) -> str:
    rep = "; ".join(f"σ {x:g}: " + ", ".join(f"{LABELS[m]} {v:g}" for m, v in r.items()) for x, r in s.reported.items())
    return "\n".join([f"Original: {s.original}.", "", f"Ours: `{s.id}` is {why}; no measurement yet.",
                      "", f"Original's figures: {rep or s.reported_note}."])


# -- the PSNR-vs-σ curve (numpy + OpenCV) ---------------------------------------------------------

def plot_curve(series: list[tuple[str, list[tuple[float, float]], bool]], path: Path,
               size: tuple[int, int] = (820, 520)) -> Path:
    """PSNR vs σ lines; ``series`` = (label, [(σ, PSNR)], dashed)."""
    xs = [x for _, pts, _ in series for x, _ in pts]
    ys = [y for _, pts, _ in series for _, y in pts if np.isfinite(y)]
    y0, y1 = np.floor(min(ys) / 2) * 2 - 1, np.ceil(max(ys) / 2) * 2 + 1
    step = 2 if y1 - y0 > 12 else 1
    return line_plot(
        series, path, size=size, x_range=(0.0, max(xs + [255.0])), y_range=(y0, y1),
        x_ticks=[(x, f"{x:g}", f"({NOISE_FACTOR[x]:g})" if x in NOISE_FACTOR else "") for x in sorted(set(xs))],
        y_ticks=[(y, f"{y:g}") for y in np.arange(np.ceil(y0), y1 + 1e-9, step)],
        x_title="sigma on 0-255 (noise factor)", y_title="PSNR (dB), CIFAR-10 test images")


def rednet_curve(res: Result, path: Path) -> Path:
    s = res.system
    series = []
    for name, label in res.labels.items():
        pts = [(r.sigma, r.psnr) for r in res.rows if r.model == name]
        series.append((label.replace("**", "").replace("modern default", "default").replace("σ", "sigma"), pts, False))
    series.insert(2, ("original (reported)", [(x, v["psnr"]) for x, v in s.reported.items()], True))
    return plot_curve(series, path)


# -- main -----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=1000, help="test images per data set (MNIST, Fashion, CIFAR, "
                                                             "Set12, the photo hold-out; 0 = all)")
    ap.add_argument("--compare-limit", type=int, default=100,
                    help="images for the slow comparisons (the modern default, BM3D); 0 = as --limit")
    ap.add_argument("--samples", type=int, default=5, help="images in each sample grid")
    ap.add_argument("--no-bm3d", action="store_true", help="leave BM3D out (slow)")
    ap.add_argument("--only", default="", help="comma list of system ids (default: all)")
    ap.add_argument("--weights", default="", help="comma list of folders (or .safetensors files) searched for "
                                                  "<id>.safetensors before the registry, e.g. runs/*/export")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--no-write", action="store_true", help="print the markdown; write neither page nor pictures")
    args = ap.parse_args(argv)
    argv_used = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python -m benchmarks.classic", *argv_used])
    if args.compare_limit == 0 or (args.limit and args.compare_limit > args.limit):
        args.compare_limit = args.limit
    folders = [Path(f).expanduser() if Path(f).is_absolute() else ROOT / f
               for f in args.weights.split(",") if f.strip()]
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    unknown = only - {s.id for s in SYSTEMS}
    if unknown:
        print(f"error: unknown system(s) {', '.join(sorted(unknown))}; known: {', '.join(s.id for s in SYSTEMS)}",
              file=sys.stderr)
        return 2
    t0 = time.time()
    sections: list[tuple[str, str]] = []
    for s in SYSTEMS:
        if only and s.id not in only:
            continue
        path, source = find_weights(s.id, folders)
        title = f"{s.title} (`{s.id}`)"
        if path is None:
            print(f"{s.id}: skipped, {source}", file=sys.stderr)
            sections.append((title, missing_section(s, source)))
            continue
        print(f"{s.id}: {source}", file=sys.stderr)
        t1 = time.time()
        res = run_system(s, path, source, args, folders)
        if not args.no_write:
            ev.make_sample_grid(res.samples, FIGS / f"{s.id}_samples.png")
            if s.id == "rednet_cifar10":
                rednet_curve(res, FIGS / "rednet_psnr_sigma.png")
        measured = (f"Measured by `{command}` on {time.strftime('%Y-%m-%d')} (CPU flags: {cpu_flags()}; "
                    f"device {args.device}; {time.time() - t1:.0f} s).")
        sections.append((title, section(res, "classic", not args.no_write, measured)))
        print(f"{s.id}: {time.time() - t1:.0f} s", file=sys.stderr)

    body = "\n\n".join(f"## {t}\n\n{b}" for t, b in [("How these were measured", PROTOCOL), *sections])
    print(body)
    print(f"({time.time() - t0:.0f} s)", file=sys.stderr)
    if not args.no_write:
        if not PAGE.exists():
            PAGE.write_text(INTRO)
        write_section(PAGE, "How these were measured", PROTOCOL)
        for t, b in sections:
            write_section(PAGE, t, b)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
