"""Train the noise-level estimator (``denoise_desktop.models.noise_level.NoiseLevelNet``).

Same synthesis as the denoiser (:func:`training.camera.realistic`: camera pipeline + Gaussian,
JPEG'd or not; a quarter of the crops as gray photos), and the same level it is trained with:
the RMS noise (0–255) before JPEG. The loss is CBDNet's asymmetric one on the log-level:
under-estimates cost ``1 - alpha``, over-estimates ``alpha`` — a denoiser told too little leaves
the noise in, told a little too much it only smooths a little more.

    python -m training.estimator --threads 1 --steps 4000 --out resources/estimators/noise_level.safetensors

Checkpoints every ``--checkpoint-every`` steps beside ``--out`` (``.ckpt.pt``, tensors and
numbers only) and resumes from one; each batch is drawn from ``default_rng([seed, step])``, so
a resumed run continues the same sample stream.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from denoise_desktop.models.noise_level import NoiseLevelNet

from .camera import realistic
from .data.augment import dihedral, random_crop
from .data.cache import to_channels, to_float
from .data.folders import list_images, load_folder

__all__ = ["main", "make_batch", "asymmetric_loss"]

DEFAULT_DATA = "../shared/data/bsds500_color_train"
VAL_SPLIT = Path(__file__).parent / "recipes" / "splits" / "bsds500_val.txt"


def _sample(img: np.ndarray, rng: np.random.Generator, crop: int, gray_fraction: float,
            awgn_fraction: float, coarse_fraction: float = 0.0) -> tuple[np.ndarray, float]:
    clean = np.ascontiguousarray(dihedral(to_float(random_crop(img, crop, rng)), int(rng.integers(8))))
    if rng.random() < gray_fraction:
        clean = to_channels(clean, 1)
    noisy, level, _ = realistic(clean, rng, awgn_fraction=awgn_fraction, shot=[2e-5, 0.03],
                                coarse_fraction=coarse_fraction)
    return np.repeat(noisy, 3, axis=2) if noisy.shape[2] == 1 else noisy, level * 255.0


def make_batch(images: list[np.ndarray], rng: np.random.Generator, *, batch: int, crop: int,
               gray_fraction: float = 0.25, awgn_fraction: float = 0.35,
               coarse_fraction: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = [], []
    for _ in range(batch):
        x, y = _sample(images[int(rng.integers(len(images)))], rng, crop, gray_fraction, awgn_fraction, coarse_fraction)
        xs.append(x.transpose(2, 0, 1))
        ys.append(y)
    return torch.from_numpy(np.stack(xs)), torch.tensor(ys, dtype=torch.float32)


def asymmetric_loss(pred: torch.Tensor, level: torch.Tensor, alpha: float) -> torch.Tensor:
    d = torch.log1p(pred.clamp_min(-0.99)) - torch.log1p(level)
    w = torch.where(d < 0, torch.full_like(d, 1.0 - alpha), torch.full_like(d, alpha))
    return (w * d * d).mean()


def _split(data: str) -> tuple[list[Path], list[Path]]:
    files = list_images(data)
    held = {ln.strip() for ln in VAL_SPLIT.read_text().splitlines() if ln.strip() and not ln.startswith("#")}
    return [f for f in files if f.name not in held], [f for f in files if f.name in held]


def _validate(model: NoiseLevelNet, val: list[tuple[torch.Tensor, float]]) -> dict[str, float]:
    model.eval()
    with torch.no_grad():
        pred = np.array([float(model(x[None])[0]) for x, _ in val])
    model.train()
    true = np.array([y for _, y in val])
    d = np.log1p(np.maximum(pred, 0)) - np.log1p(true)
    return {"val_log_rmse": float(np.sqrt(np.mean(d * d))), "val_under_10pct": float(np.mean(pred < 0.9 * true - 0.5)),
            "val_abs_err": float(np.mean(np.abs(pred - true)))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.estimator", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder of clean photos (BSDS500 val split held out)")
    ap.add_argument("--out", default="resources/estimators/noise_level.safetensors")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--alpha", type=float, default=0.3, help="weight of over-estimates (under: 1 - alpha)")
    ap.add_argument("--coarse-fraction", type=float, default=0.0,
                    help="share of noise-reduced camera samples that keep coarse noise (training/camera.py)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=0.0)
    ap.add_argument("--checkpoint-every", type=int, default=250)
    ap.add_argument("--max-images", type=int, default=0, help="use only the first N training images (tests)")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, a.threads))
    out = Path(a.out)
    ckpt = out.with_suffix(".ckpt.pt")
    train_files, val_files = _split(a.data)
    if a.max_images:
        train_files, val_files = train_files[: a.max_images], (val_files or train_files)[: max(1, a.max_images // 4)]
    images = load_folder(train_files, channels=3)
    vrng = np.random.default_rng([a.seed, 0x7A1])
    val = []
    for f in (val_files or train_files[:8]):
        img = load_folder([f], channels=3)[0]
        for _ in range(8):
            x, y = _sample(img, vrng, 128, 0.25, 0.35, a.coarse_fraction)
            val.append((torch.from_numpy(x.transpose(2, 0, 1).copy()), y))
    model = NoiseLevelNet()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    step, t_used = 0, 0.0
    if ckpt.exists():
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        step, t_used = int(state["step"]), float(state["seconds"])
        print(f"resumed at step {step}", flush=True)

    def lr_at(s: int) -> float:
        warm = min(1.0, (s + 1) / 100)
        return a.lr * warm * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(s, a.steps) / a.steps)))

    def save_ckpt() -> None:
        tmp = ckpt.with_name(ckpt.name + ".tmp")
        torch.save({"model": model.state_dict(), "optim": opt.state_dict(), "step": step,
                    "seconds": t_used + time.perf_counter() - t0}, tmp)
        tmp.replace(ckpt)

    t0, losses = time.perf_counter(), []
    out.parent.mkdir(parents=True, exist_ok=True)
    while step < a.steps:
        if a.max_minutes and t_used + time.perf_counter() - t0 > a.max_minutes * 60:
            print("time budget reached", flush=True)
            break
        x, y = make_batch(images, np.random.default_rng([a.seed, step]), batch=a.batch, crop=a.crop,
                          coarse_fraction=a.coarse_fraction)
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        loss = asymmetric_loss(model(x), y, a.alpha)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        losses.append(float(loss.detach()))
        if step % 50 == 0:
            print(f"step {step}/{a.steps} loss {np.mean(losses[-50:]):.4f} lr {lr_at(step):.2e} "
                  f"{time.perf_counter() - t0:.0f}s", flush=True)
        if step % a.checkpoint_every == 0 or step == a.steps:
            save_ckpt()
        if step % 1000 == 0 or step == a.steps:
            print(json.dumps({"step": step, **_validate(model, val)}), flush=True)
    metrics = _validate(model, val)
    seconds = round(t_used + time.perf_counter() - t0, 1)
    card = {"id": "noise_level", "arch": "noise_level", "hparams": dict(model.hparams), "steps": step,
            "train_seconds": seconds, "alpha": a.alpha, "batch": a.batch, "crop": a.crop,
            "coarse_fraction": a.coarse_fraction,
            "data": f"{Path(a.data).name} (BSDS500 val split held out), training/camera.py realistic mix",
            "val": metrics, "level": "RMS noise (0–255) before JPEG, as the denoiser is trained with",
            "trained_with": "python -m training.estimator"}
    from safetensors.torch import save_file

    tmp = out.with_name(out.stem + ".tmp.safetensors")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp),
              metadata={"format": "denoise-desktop/noise-level", "hparams": json.dumps(dict(model.hparams))})
    tmp.replace(out)
    out.with_suffix(".json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"exported": str(out), **metrics, "seconds": seconds}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
