"""The training loop: patches → model → loss → optimizer, with validation, checkpoints, export.

One :class:`Trainer` per process. It never prints except through :class:`~training.events.EventWriter`
(rank 0), checks stop requests between steps (STOP file, "stop" on stdin, time budget), and
writes a checkpoint before leaving so ``--resume`` continues at the exact step.
"""

from __future__ import annotations

import datetime
import json
import math
import shutil
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from denoise_desktop.models import build, get_spec

from . import checkpoint as ckpt
from .config import ConfigError, Recipe
from .data import DataError, load_data
from .data.patches import EpochSampler, PatchDataset, make_val_set
from .ddp import DistInfo, any_flag, barrier, unwrap, wrap
from .events import EventWriter
from .losses import LOSSES
from .noise import make_noise
from .schedules import lr_factor

__all__ = ["Trainer", "StopWatcher", "TrainResult", "check_model"]


class StopWatcher:
    """A stop request: a ``STOP`` file in the run folder or a line "stop" on stdin."""

    def __init__(self, run_dir: Path, *, watch_stdin: bool = False) -> None:
        self.stop_file = run_dir / "STOP"
        self._requested = threading.Event()
        if watch_stdin and sys.stdin is not None:
            threading.Thread(target=self._read_stdin, name="stdin-stop", daemon=True).start()

    def _read_stdin(self) -> None:
        try:
            for line in sys.stdin:
                if line.strip().lower() == "stop":
                    self._requested.set()
                    return
        except (OSError, ValueError):
            return  # stdin closed or not readable: only the STOP file remains

    def requested(self) -> bool:
        return self._requested.is_set() or self.stop_file.exists()


def portable(value: Any) -> Any:
    """A model card without the training machine's folders: absolute paths become their last
    component (the dataset's or file's name); shared as it is with everyone the model goes to."""
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v) for v in value]
    if isinstance(value, str) and len(value) > 1 and (value.startswith("/") or value[1:3] in (":\\", ":/")):
        return Path(value).name
    return value


def _pad_run(model: torch.nn.Module, spec: Any, x: torch.Tensor, sigma: torch.Tensor | None) -> torch.Tensor:
    """Run ``model`` on ``x`` reflect-padded to the architecture's size requirements, cropped back."""
    req = spec.size_req
    h, w = x.shape[-2:]
    m, lo = max(1, req.multiple_of), max(1, req.minimum, req.fixed or 1)
    ph, pw = max(lo, -(-h // m) * m) - h, max(lo, -(-w // m) * m) - w
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = torch.nn.functional.pad(x, (0, pw, 0, ph), mode=mode)
    return model(x, sigma)[..., :h, :w]


def _variant(recipe: Recipe, spec: Any) -> str | None:
    """The recipe's variant, else "gray"/"color" from data.channels when the architecture has it."""
    if recipe.model.variant is not None:
        return recipe.model.variant
    guess = "gray" if model_channels(recipe) == 1 else "color"
    return guess if guess in spec.variants else None


# Networks trained on these noises see something other than an image: the card says what, and
# the app only runs them there (registry.ModelEntry.input_kind).
INPUT_KINDS = {"bayer": "raw_mosaic", "photon": "stabilised"}


def model_channels(recipe: Recipe) -> int:
    """Channels the network sees: the data's, except a RAW mosaic (one channel, any data)."""
    return 1 if recipe.noise.kind == "bayer" else recipe.data.channels


def _channels_text(recipe: Recipe) -> str:
    return "a RAW mosaic has 1" if recipe.noise.kind == "bayer" else f"data.channels = {recipe.data.channels}"


def check_model(recipe: Recipe) -> None:
    """Build the recipe's model on the meta device (no memory, no data read): an unknown
    architecture or variant, a bad hyper-parameter or a channel mismatch is a recipe error
    (``ConfigError``: exit 2 with the message) found before anything else runs."""
    m, where = recipe.model, recipe.source or "recipe"
    try:
        spec = get_spec(m.arch)
        variant = _variant(recipe, spec)
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on odd sizes; the error says what is wrong
            model = build(m.arch, variant, **m.hparams)
    except Exception as exc:  # noqa: BLE001 - constructors raise Type/Value/Key/RuntimeError alike
        detail = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc).strip().splitlines()[0]
        variant_text = f" variant {m.variant!r}" if m.variant else ""
        raise ConfigError(f"{where}: model {m.arch!r}{variant_text} with hparams {m.hparams}: {detail}") from None
    channels = getattr(model, "hparams", {}).get("in_channels")
    if channels is not None and channels != model_channels(recipe):
        raise ConfigError(f"{where}: model {m.arch!r} (variant {variant!r}) takes {channels}-channel images but "
                          f"{_channels_text(recipe)}; set model.variant or data.channels")
    if m.init:
        _check_init(m.init, m.arch, {k: tuple(v.shape) for k, v in model.state_dict().items()}, where)


def _check_init(init: str, arch: str, shapes: dict[str, tuple[int, ...]], where: str) -> None:
    """``model.init`` must exist and, for a safetensors file, hold the recipe's model: read from
    its header (no tensor loaded), so a wrong file is a recipe error before any data is read."""
    from denoise_desktop.weights import WeightsError, check_weights_file, read_header

    path = Path(init)
    if not path.is_file():
        raise ConfigError(f"{where}: model.init {init}: no such file")
    if path.suffix != ".safetensors":
        return  # a .pth file is checked when it is loaded
    try:
        held, _hparams = check_weights_file(path)
        theirs = {k: tuple(v["shape"]) for k, v in read_header(path).items() if k != "__metadata__"}
    except WeightsError as e:
        raise ConfigError(f"{where}: model.init: {e}") from None
    if held != arch:
        raise ConfigError(f"{where}: model.init {init} holds a {held} model; the recipe trains a {arch}")
    wrong = sorted(k for k in shapes.keys() | theirs.keys() if shapes.get(k) != theirs.get(k))
    if wrong:
        raise ConfigError(f"{where}: model.init {init} does not fit model.hparams ({len(wrong)} tensor(s) differ, "
                          f"e.g. {wrong[0]}: {theirs.get(wrong[0])} in the file, {shapes.get(wrong[0])} here)")


def _load_checked_data(recipe: Recipe):
    """The recipe's images; anything that makes them unusable is one ``DataError`` line (a
    missing folder, a folder of corrupt files, images smaller than validation's SSIM window)."""
    from denoise_desktop.metrics import SSIM_WINDOW

    d = recipe.data
    try:
        data = load_data(d, recipe.train.seed)
    except (OSError, ValueError) as exc:  # FileNotFoundError, UnreadableImagesError, IdxError, CifarError
        raise DataError(f"data.train {d.train}: {exc}") from None
    if not data.train:
        raise DataError(f"data.train {d.train}: the training split is empty")
    crop = d.val_crop or None
    small = [img.shape[:2] for img in data.val if min(*img.shape[:2], crop or SSIM_WINDOW) < SSIM_WINDOW]
    if small:
        h, w = small[0]
        after = " after data.val_crop" if crop and crop < SSIM_WINDOW else ""
        raise DataError(f"data: validation images must be at least {SSIM_WINDOW}×{SSIM_WINDOW} pixels{after} (the SSIM "
                        f"window); {len(small)} are smaller, e.g. {w}×{h}")
    return data


class TrainResult(dict):
    """``reason``, ``step``, ``best_psnr``, ``export_path``, ``run_dir`` (a dict for JSON)."""


def _seed_everything(seed: int) -> None:
    import random

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


class Trainer:
    def __init__(self, recipe: Recipe, run_dir: Path, events: EventWriter, dist: DistInfo, *,
                 watch_stdin: bool = False) -> None:
        self.r, self.run_dir, self.events, self.dist = recipe, Path(run_dir), events, dist
        self.device = dist.device
        self.state_dir = self.run_dir / "state"
        self.export_dir = self.run_dir / "export"
        self.stop = StopWatcher(self.run_dir, watch_stdin=watch_stdin and dist.is_main)
        self._t0 = time.monotonic()
        self.elapsed_before = 0.0  # seconds spent in earlier (resumed) processes

        _seed_everything(recipe.train.seed + dist.rank)
        self.data = _load_checked_data(recipe)
        noise = make_noise(recipe.noise)
        self.dataset = PatchDataset(
            self.data.train, patch_size=recipe.data.patch_size, patches_per_image=recipe.data.patches_per_image,
            noise=noise, seed=recipe.train.seed, augment=recipe.data.augment, rescale=recipe.data.rescale)
        self.val_sigma = self._val_sigma()
        self.val = make_val_set(self.data.val, crop=recipe.data.val_crop, seed=recipe.eval.seed,
                                noise=make_noise(recipe.noise, sigma=self.val_sigma), sigma=self.val_sigma)

        bs, world = recipe.data.batch_size, dist.world_size
        self.steps_per_epoch = recipe.train.steps_per_epoch or max(1, len(self.dataset) // (bs * world))
        self.total_steps = self.steps_per_epoch * recipe.train.epochs

        self.spec = get_spec(recipe.model.arch)
        self.model = self._build_model().to(self.device)
        self.ddp_model = wrap(self.model, dist)
        opt_cls = torch.optim.AdamW if recipe.optim.name == "adamw" else torch.optim.Adam
        self.optim = opt_cls(self.model.parameters(), lr=recipe.optim.lr, betas=tuple(recipe.optim.betas),
                             weight_decay=recipe.optim.weight_decay)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.optim, lr_factor(recipe.schedule, self.steps_per_epoch, self.total_steps))
        self.amp = bool(recipe.train.amp and self.device.type == "cuda")
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.loss_fn = LOSSES[recipe.train.loss]

        self.step = 0
        self.best_psnr: float | None = None
        self.bad_validations = 0
        self.export_path: Path | None = None
        self.last_val: dict[str, float] = {}
        self._saved_step = -1

    # -- setup helpers -------------------------------------------------------------------------
    def _val_sigma(self) -> float | None:
        if self.r.noise.kind not in ("gaussian", "speckle", "camera"):
            return None
        if self.r.eval.sigma >= 0:
            return float(self.r.eval.sigma)
        lo, hi = self.r.sigma_range()
        return (lo + hi) / 2

    def _build_model(self) -> torch.nn.Module:
        m = self.r.model
        variant = _variant(self.r, self.spec)
        try:
            model = build(m.arch, variant, **m.hparams)
        except TypeError as exc:
            raise ValueError(f"model {m.arch!r}: bad hparams {m.hparams}: {exc}") from None
        self.variant = variant
        channels = getattr(model, "hparams", {}).get("in_channels")
        if channels is not None and channels != model_channels(self.r):
            raise ValueError(f"model {m.arch!r} (variant {variant!r}) takes {channels}-channel images but "
                             f"{_channels_text(self.r)}; set model.variant or data.channels")
        if m.init:
            self._load_init(model, m.arch, m.init)
        return model

    @staticmethod
    def _load_init(model: torch.nn.Module, arch: str, path: str) -> None:
        """Start from a trained model (fine-tuning); the architecture must match the recipe's."""
        from denoise_desktop.weights import WeightsError, load_state_strict, load_weights

        try:
            source, card = load_weights(path)
            if card.get("arch") != arch:
                raise WeightsError(f"{path}: holds a {card.get('arch')} model, the recipe trains a {arch}")
            load_state_strict(Path(path), model, source.state_dict())  # names what does not fit
        except WeightsError as e:
            raise ValueError(f"model.init does not fit the recipe's model: {e}") from None

    # -- checkpoint ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(), "optim": self.optim.state_dict(),
            "sched": self.sched.state_dict(), "scaler": self.scaler.state_dict(),
            "step": self.step, "epoch": self.step // self.steps_per_epoch,
            "best_psnr": self.best_psnr, "bad_validations": self.bad_validations,
            "elapsed": self.elapsed(), "export_path": str(self.export_path) if self.export_path else None,
            "rng": ckpt.rng_state(), "total_steps": self.total_steps,
        }

    def load_state_dict(self, s: dict[str, Any]) -> None:
        self.model.load_state_dict(s["model"])
        self.optim.load_state_dict(s["optim"])
        self.sched.load_state_dict(s["sched"])
        self.scaler.load_state_dict(s["scaler"])
        self.step = int(s["step"])
        self.best_psnr = s.get("best_psnr")
        self.bad_validations = int(s.get("bad_validations", 0))
        self.elapsed_before = float(s.get("elapsed", 0.0))
        self.export_path = Path(s["export_path"]) if s.get("export_path") else None
        ckpt.set_rng_state(s["rng"])

    def resume(self) -> bool:
        s = ckpt.load_state(self.state_dir, map_location=self.device)
        if s is None:
            return False
        try:
            self.load_state_dict(s)
        except (RuntimeError, KeyError, ValueError, TypeError, IndexError) as exc:  # another model's state
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ckpt.CheckpointError(
                f"checkpoint {self.state_dir / ckpt.STATE_FILE} does not fit this recipe's model ({detail[:200]}); "
                "resume with the recipe it was made with, or delete it to start over") from None
        return True

    def save_checkpoint(self) -> None:
        self._saved_step = self.step
        if self.dist.is_main:
            path = ckpt.save_state(self.state_dir, self.state_dict())
            self.events.emit("checkpoint", step=self.step, path=str(path))
        barrier(self.dist)

    def elapsed(self) -> float:
        return self.elapsed_before + (time.monotonic() - self._t0)

    # -- validation and export -----------------------------------------------------------------
    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        from denoise_desktop.metrics import psnr, ssim

        model = self.model
        was_training = model.training
        model.eval()
        ps, ss = [], []
        try:
            for clean, noisy, level in zip(self.val.clean, self.val.noisy, self.val.level):
                x = torch.from_numpy(noisy.transpose(2, 0, 1)).unsqueeze(0).to(self.device)
                with torch.autocast(self.device.type, enabled=self.amp):
                    y = _pad_run(model, self.spec, x, torch.tensor([level], device=self.device) if self.spec.takes_sigma else None)
                out = y.float().clamp(0, 1)[0].permute(1, 2, 0).cpu().numpy()
                ps.append(psnr(clean, out))
                ss.append(ssim(clean, out))
        finally:
            model.train(was_training)
        return {"val_psnr": float(np.mean(ps)), "val_ssim": float(np.mean(ss))} if ps else {}

    def card(self, val: dict[str, float]) -> dict[str, Any]:
        card = self._card(val)
        stages = self._init_stages()
        if stages:  # recorded now: the card keeps only the init file's name, not where it was
            card["fine_tuned_from"] = stages
        return portable(card)

    def _init_stages(self) -> list[dict[str, Any]]:
        init = self.r.model.init
        if not init:
            return []
        from denoise_desktop.weights import read_card

        prev = read_card(init)
        if not prev:
            return [{"init": Path(init).name, "card": "not found"}]
        stage = {"recipe": (prev.get("recipe") or {}).get("name"), "steps": prev.get("steps"),
                 "train_seconds": prev.get("train_seconds"), "val": prev.get("val")}
        return [stage, *(prev.get("fine_tuned_from") or [])]

    def _card(self, val: dict[str, float]) -> dict[str, Any]:
        name = self.r.export.name or self.r.name
        lo, hi = self.r.sigma_range()
        return {
            "id": name, "name": name, "description": self.r.export.description or self.r.description,
            "arch": self.r.model.arch, "variant": self.variant, "hparams": dict(self.model.hparams),
            "sigma_range": [lo, hi] if self.r.noise.kind == "gaussian" else None,
            "noise": {"kind": self.r.noise.kind, "quantize_8bit": self.r.noise.quantize_8bit},
            "recipe": self.r.to_dict(),
            "val": {"psnr": val.get("val_psnr"), "ssim": val.get("val_ssim"), "sigma": self.val_sigma,
                    "images": len(self.val)},
            "steps": self.step, "epochs": round(self.step / self.steps_per_epoch, 3),
            "train_seconds": round(self.elapsed(), 1), "data": self.data.info,
            "device": str(self.device), "world_size": self.dist.world_size,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "trained_with": "denoise-desktop training",
            "trained_on": self._trained_on(),
        } | ({"input": INPUT_KINDS[self.r.noise.kind]} if self.r.noise.kind in INPUT_KINDS else {})

    def _trained_on(self) -> str:
        """What the model saw, in words, for its results' note ("58998 28×28 gray images from
        train-images-idx3-ubyte.gz at σ 127.5"): a digit model used on a photo says why it fails."""
        d, train = self.r.data, self.data.train
        n = len(train)
        kind = "gray" if d.channels == 1 else "colour"
        if d.kind in ("idx", "cifar") and train:
            h, w = train[0].shape[:2]
            what = f"{n} {h}×{w} {kind} images from {Path(d.train).name}"
        else:
            patches = f", {d.patch_size}² patches" if d.patch_size else ""
            what = f"{n} {kind} images from {Path(d.train).name}{patches}"
        lo, hi = self.r.sigma_range()
        if self.r.noise.kind == "gaussian":
            noise = f"σ {lo:g}" if lo == hi else f"σ {lo:g}–{hi:g}"
        elif self.r.noise.kind == "bayer":
            shot = self.r.noise.shot
            return f"RGGB mosaics of synthetic RAW from {what} at shot noise {shot[0]:g}–{shot[1]:g} (stabilised)"
        elif self.r.noise.kind == "photon":
            shot = self.r.noise.shot
            return f"photon-limited 8-bit frames from {what} at a = {shot[0]:g}–{shot[1]:g} (stabilised)"
        else:
            noise = f"{self.r.noise.kind} noise"
        return f"{what} at {noise}"

    def export(self, val: dict[str, float]) -> Path:
        name = self.r.export.name or self.r.name
        path = ckpt.export_weights(self.model, self.export_dir / f"{name}.safetensors", self.card(val))
        self.export_path = path
        self.events.emit("export", path=str(path), step=self.step, val_psnr=val.get("val_psnr"))
        return path

    def _after_validation(self, epoch: int, train_loss: float | None) -> bool:
        """Validate (rank 0), export on improvement; True when early stopping triggers."""
        stop = False
        if self.dist.is_main:
            val = self.validate()
            self.last_val = val
            psnr = val.get("val_psnr")
            if psnr is not None and not math.isfinite(psnr):  # a model that outputs NaN is never exported
                raise FloatingPointError(f"validation PSNR is {psnr} at step {self.step}: the model's output is not "
                                         "finite; nothing was exported (lower optim.lr or set train.grad_clip)")
            improved = psnr is None or self.best_psnr is None or psnr > self.best_psnr
            if psnr is not None and improved:
                self.best_psnr = psnr
            if improved:
                self.bad_validations = 0
                self.export(val)
            else:
                self.bad_validations += 1
            self.events.emit("epoch", epoch=epoch, step=self.step, train_loss=train_loss,
                             best_psnr=self.best_psnr, **val)
            stop = bool(self.r.train.patience and self.bad_validations >= self.r.train.patience)
        return any_flag(stop, self.dist)

    # -- loop ----------------------------------------------------------------------------------
    def _loader(self, epoch: int, skip_batches: int) -> DataLoader:
        bs = self.r.data.batch_size
        sampler = EpochSampler(len(self.dataset), samples_per_rank=self.steps_per_epoch * bs,
                               seed=self.r.train.seed, epoch=epoch, rank=self.dist.rank,
                               world=self.dist.world_size, skip=skip_batches * bs)
        workers = self.r.data.workers
        return DataLoader(self.dataset, batch_size=bs, sampler=sampler, num_workers=workers,
                          drop_last=True, pin_memory=self.device.type == "cuda",
                          persistent_workers=False, multiprocessing_context="fork" if workers and sys.platform.startswith("linux") else None)

    def _stop_reason(self) -> str | None:
        stop_req = self.stop.requested()
        budget = self.r.train.max_minutes
        over = bool(budget and (time.monotonic() - self._t0) / 60 >= budget)
        flags = any_flag(stop_req, self.dist), any_flag(over, self.dist)
        return "stopped" if flags[0] else "time_budget" if flags[1] else None

    def run(self) -> TrainResult:
        r = self.r
        self.events.emit("start", run_dir=str(self.run_dir), name=r.name, total_steps=self.total_steps,
                         epochs=r.train.epochs, steps_per_epoch=self.steps_per_epoch, step=self.step,
                         device=str(self.device), world_size=self.dist.world_size,
                         n_train=len(self.data.train), n_val=len(self.data.val))
        val_every, ckpt_every, log_every = r.train.val_every, r.train.checkpoint_every, max(1, r.train.log_every)
        reason = "finished"
        self.ddp_model.train()
        rate_t, rate_step = time.monotonic(), self.step
        while self.step < self.total_steps and reason == "finished":
            epoch, in_epoch = divmod(self.step, self.steps_per_epoch)
            losses: list[float] = []
            for clean, noisy, level in self._loader(epoch, in_epoch):
                clean = clean.to(self.device, non_blocking=True)
                noisy = noisy.to(self.device, non_blocking=True)
                sigma = level.to(self.device) if self.spec.takes_sigma else None
                with torch.autocast(self.device.type, enabled=self.amp):
                    out = _pad_run(self.ddp_model, self.spec, noisy, sigma)
                loss = self.loss_fn(out.float(), clean)  # in fp32: BCE is not autocast-safe
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"loss is {loss.item()} at step {self.step}; lower optim.lr or set train.grad_clip")
                self.optim.zero_grad(set_to_none=True)
                self.scaler.scale(loss).backward()
                if r.train.grad_clip > 0:
                    self.scaler.unscale_(self.optim)
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), r.train.grad_clip)
                self.scaler.step(self.optim)
                self.scaler.update()
                self.sched.step()
                self.step += 1
                losses.append(float(loss.detach()))
                if self.step % log_every == 0 or self.step == self.total_steps:
                    now = time.monotonic()
                    ips = (self.step - rate_step) * r.data.batch_size * self.dist.world_size / max(now - rate_t, 1e-9)
                    rate_t, rate_step = now, self.step
                    eta = (self.total_steps - self.step) * r.data.batch_size * self.dist.world_size / max(ips, 1e-9)
                    self.events.emit("step", step=self.step, epoch=epoch, loss=float(np.mean(losses[-log_every:])),
                                     lr=self.optim.param_groups[0]["lr"], images_per_s=round(ips, 2),
                                     eta_s=round(eta, 1), total_steps=self.total_steps)
                end_of_epoch = self.step % self.steps_per_epoch == 0
                if (val_every and self.step % val_every == 0) or (not val_every and end_of_epoch):
                    if self._after_validation(epoch if not end_of_epoch else epoch + 1,
                                              float(np.mean(losses)) if losses else None):
                        reason = "early_stop"
                    rate_t, rate_step = time.monotonic(), self.step  # img/s counts training only
                if (ckpt_every and self.step % ckpt_every == 0) or end_of_epoch:
                    self.save_checkpoint()
                if reason == "finished":
                    reason = self._stop_reason() or "finished"
                if reason != "finished" or self.step >= self.total_steps:
                    break
        if self._saved_step != self.step:
            self.save_checkpoint()
        # Stopped before the first validation: validate (event) + export. Rank 0 decides (only it
        # exports), every rank takes the same branch because _after_validation is collective.
        if any_flag(self.dist.is_main and self.export_path is None, self.dist):
            self._after_validation(self.step // self.steps_per_epoch, None)
        if self.dist.is_main and r.export.to_user_models and self.export_path is not None:
            self._copy_to_user_models()
        result = TrainResult(reason=reason, step=self.step, best_psnr=self.best_psnr,
                             export_path=str(self.export_path) if self.export_path else None,
                             run_dir=str(self.run_dir), seconds=round(self.elapsed(), 1))
        self.events.emit("done", stopped=reason == "stopped", **result)
        return result

    def _copy_to_user_models(self) -> None:
        """``export.to_user_models``: copy the export among the user's models. A different model
        of that name there is never replaced: this one takes the next free ``<name>-N`` and the
        ``export`` event says so; the same bytes already there (a resumed run) are not copied again."""
        from denoise_desktop import paths
        from denoise_desktop.imageio import atomic_write
        from denoise_desktop.weights import card_path, file_sha256, read_card

        src = self.export_path
        assert src is not None
        digest = file_sha256(src)
        dst = _free_user_model_path(paths.user_models_dir(), src.stem, digest)
        if dst is None:
            return
        card = read_card(src)
        # the app's Training tab finds the copy of a run's export by these bytes' digest
        card.update(id=dst.stem, imported_from=src.name, imported_sha256=digest)
        if card.get("name") == src.stem:
            card["name"] = dst.stem
        with atomic_write(dst) as tmp:
            shutil.copyfile(src, tmp)
        with atomic_write(card_path(dst)) as tmp:
            Path(tmp).write_text(json.dumps(card, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
        note = (f"copied to your models as {dst.name}" if dst.stem == src.stem else
                f"a different model named {src.stem!r} is already among your models and was kept; "
                f"this one is saved as {dst.name}")
        self.events.emit("export", path=str(dst), step=self.step, val_psnr=self.best_psnr, note=note)


def _free_user_model_path(folder: Path, stem: str, digest: str) -> Path | None:
    """``folder/<stem>.safetensors``, else ``<stem>-2``, ``-3``…: the first name no weights file or
    card takes; None when a file there already holds exactly these bytes."""
    from denoise_desktop.weights import card_path, file_sha256

    dst, n = folder / f"{stem}.safetensors", 2
    while dst.exists() or card_path(dst).exists():
        if dst.is_file() and file_sha256(dst) == digest:
            return None
        dst, n = folder / f"{stem}-{n}.safetensors", n + 1
    return dst
