"""Command line: no arguments opens the app; ``run``, ``models``, ``estimate``, ``eval``, ``train``.

Exit status: 0 success, 1 some file failed (the rest were still processed), 2 usage or a job that
could not start (nothing was done), 130 cancelled with Ctrl-C. Heavy imports (torch, Qt, training)
happen inside the commands, so ``--help`` and ``--version`` are instant.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Sequence, TextIO

from . import __version__
from .engine import DEFAULT_ENSEMBLE, ENSEMBLES, QUALITIES, level_text
from .runtime import PRECISIONS, RUNTIMES
from .progress import CancelToken, Progress

__all__ = ["main", "build_parser", "ProgressBar"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


class ProgressBar:
    """Plain-text progress on stderr: a redrawn bar on a terminal, one line per file otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 28) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = width
        self.index = 0
        self.name = ""
        self._last = 0.0

    def start_item(self, index: int, name: str) -> None:
        self.index, self.name = index, name

    def update(self, fraction: float, message: str = "") -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and fraction < 1.0:
            return  # ≤ 10 redraws a second
        self._last = now
        filled = int(round(self.width * fraction))
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"\r[{bar}] {fraction * 100:5.1f}%  {self.index + 1}/{self.total} {self.name[:40]}"
        self.stream.write(text.ljust(100))
        self.stream.flush()

    def line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 100 + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()


class _SigintCancels:
    """First Ctrl-C cancels the token (clean stop between tiles); a second one interrupts."""

    def __init__(self, token: CancelToken, stream: TextIO) -> None:
        self.token, self.stream, self._old = token, stream, None

    def _handler(self, signum, frame):
        if self.token.cancelled:
            raise KeyboardInterrupt
        self.token.cancel()
        self.stream.write("\ncancelling after the current tile… (Ctrl-C again to abort)\n")

    def __enter__(self):
        try:
            self._old = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread (e.g. called from a test runner thread)
            self._old = None
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


def _sigma_arg(text: str) -> float | None:
    if text.strip().lower() == "auto":
        return None
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"σ must be a number in 0–255 or 'auto', got {text!r}") from None
    if not 0.0 <= v <= 255.0:
        raise argparse.ArgumentTypeError(f"σ must be within 0–255, got {v}")
    return v


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"must be within [0, 1], got {v}")
    return v


def _strength(args):
    """``--strength`` sets luminance and colour; ``--luma-strength``/``--chroma-strength`` override."""
    from .blend import Strength

    luma = args.strength if args.luma_strength is None else args.luma_strength
    chroma = args.strength if args.chroma_strength is None else args.chroma_strength
    return Strength(luma, chroma, args.grain)


def _sigma_list(text: str) -> list[float]:
    try:
        values = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected σ values like 15,25,50, got {text!r}") from None
    if not values or any(not 0 < v <= 255 for v in values):
        raise argparse.ArgumentTypeError(f"σ values must be within (0, 255], got {text!r}")
    return values


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def _quality_or_jpeg(text: str) -> str | int:
    """A Quality name, or (as --quality meant before there were Qualities) a JPEG quality."""
    if text in QUALITIES:
        return text
    if text.strip().isdigit():
        return _quality(text)
    raise argparse.ArgumentTypeError(f"quality must be one of {', '.join(QUALITIES)} (or a JPEG quality 1–100), "
                                     f"got {text!r}")


def _quality(text: str) -> int:
    v = _positive_int(text)
    if v > 100:
        raise argparse.ArgumentTypeError(f"JPEG quality must be within 1–100, got {v}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="denoise-desktop", description="Remove noise from images with CNNs. "
                                "Without a command, opens the desktop app.")
    p.add_argument("--version", action="version", version=f"denoise-desktop {__version__}")
    p.add_argument("--smoke-test", action="store_true",
                   help="load the default model, denoise a generated 32×32 image and exit (packaging check)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("run", help="denoise files or folders into an output folder")
    r.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    r.add_argument("--out", "-o", required=True, metavar="DIR", help="output folder (created if needed)")
    r.add_argument("--model", "-m", metavar="ID", help="model id (see `models`); default: best for each image")
    r.add_argument("--sigma", type=_sigma_arg, default=None, metavar="S|auto",
                   help="noise level on the 0–255 scale, or auto (default: estimate per image)")
    r.add_argument("--noise", default="auto", choices=["auto", "gaussian", "camera", "poisson"],
                   help="kind of noise: auto (default: found per image), gaussian (white), camera (camera "
                        "photos and JPEGs), poisson (photon noise: microscopy, astronomy, low light; variance "
                        "fitted per image, mean kept)")
    r.add_argument("--strength", type=_fraction, default=1.0, metavar="F",
                   help="how much of the removed noise to take away, 0–1: luminance and colour alike (default 1)")
    r.add_argument("--luma-strength", type=_fraction, default=None, metavar="F",
                   help="how much of the removed luminance noise to take away, 0–1 (default: --strength)")
    r.add_argument("--chroma-strength", type=_fraction, default=None, metavar="F",
                   help="how much of the removed colour noise to take away, 0–1 (default: --strength)")
    r.add_argument("--grain", type=_fraction, default=0.0, metavar="F",
                   help="give back this fraction of the removed fine luminance grain, 0–1 (default 0)")
    r.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    r.add_argument("--tile", type=_positive_int, default=None, metavar="N", help="tile size in px (default: auto)")
    r.add_argument("--quality", type=_quality_or_jpeg, default="default", metavar="|".join(QUALITIES),
                   help="how many flipped/rotated passes of a network are averaged: "
                        + ", ".join(f"{k} {v}" for k, v in QUALITIES.items())
                        + " (default: default). Slower, a little cleaner: see docs/results.md. "
                        "A number here is read as --jpeg-quality, as before")
    r.add_argument("--ensemble", type=int, choices=ENSEMBLES, default=None, metavar="N",
                   help="the passes of --quality, by number: 1, 2, 4 or 8 (overrides --quality)")
    r.add_argument("--precision", default="auto", choices=PRECISIONS,
                   help="network arithmetic: auto (bf16 on CPUs with native bf16, fp16 on CUDA, else fp32), "
                        "fp32, bf16 or fp16 (GPU only)")
    r.add_argument("--runtime", default="eager", choices=RUNTIMES,
                   help="eager (default) or compiled: torch.compile, faster per tile after a first "
                        "compile of some seconds per tile shape (worth it for large batches)")
    r.add_argument("--format", dest="fmt", default="keep", choices=["keep", "png", "jpg", "tif"],
                   help="output format (default keep: each file's own; camera RAW → 16-bit TIFF)")
    r.add_argument("--raw", dest="raw_mode", default="mosaic", choices=["mosaic", "developed"],
                   help="how camera RAW files are denoised with the default model: mosaic (default: on the "
                        "sensor's Bayer mosaic before development, where its noise is white and fitted exactly; "
                        "needs a bundled mosaic network and a Bayer sensor) or developed (develop, then denoise "
                        "as a photo). A chosen --model, --sigma or --noise other than auto develops first")
    r.add_argument("--raw-colour", dest="raw_colour", default="srgb", choices=["srgb", "adobe", "prophoto"],
                   help="colour space camera RAW files are developed into (default srgb; its ICC profile "
                        "is attached)")
    r.add_argument("--jpeg-quality", type=_quality, default=95, metavar="Q", help="JPEG quality 1–100 (default 95)")
    r.add_argument("--naming", default="{stem}", help="output name pattern, e.g. '{stem}_dn' (default {stem})")
    r.add_argument("--recursive", "-r", action="store_true", help="include sub-folders (mirrored in the output)")
    r.add_argument("--skip-existing", action="store_true", help="skip files whose output exists (resume)")
    r.add_argument("--no-metadata", action="store_true", help="do not copy EXIF/ICC to the outputs")

    m = sub.add_parser("models", help="list available models")
    m.add_argument("--json", action="store_true", help="machine-readable output")

    e = sub.add_parser("estimate", help="print the estimated noise level σ (0–255) of images")
    e.add_argument("inputs", nargs="+", metavar="INPUT")
    e.add_argument("--json", action="store_true")

    v = sub.add_parser("eval", help="PSNR/SSIM of a model on clean images with synthetic Gaussian noise, "
                                    "or blind on real noisy/reference pairs")
    v.add_argument("--model", "-m", required=True, metavar="ID")
    src = v.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="PATH", help="clean images (Gaussian noise of each --sigma added): a folder, "
                                                    "an MNIST/Fashion-MNIST IDX images file (.gz or raw), or a "
                                                    "CIFAR-10 python batch file or folder (its test_batch)")
    src.add_argument("--pairs", metavar="DIR", help="folder of real noisy/reference pairs (<name>_real + <name>_mean, "
                                                   "<name>_noisy + <name>_clean/_gt, or noisy/ + clean/): scored "
                                                   "blind, the model's Auto level")
    v.add_argument("--sigma", type=_sigma_list, default=[15.0, 25.0, 50.0], metavar="S,S,...")
    v.add_argument("--limit", type=_positive_int, default=None, metavar="N", help="use the first N images")
    v.add_argument("--device", default="auto")
    v.add_argument("--ensemble", type=int, choices=ENSEMBLES, default=DEFAULT_ENSEMBLE, metavar="N",
                   help=f"self-ensemble size as in `run` (default {DEFAULT_ENSEMBLE})")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--level", choices=["app", "true"], default="app",
                   help="app (default): as the app runs the model with σ on Auto — a blind model estimates "
                        "the level, a non-blind one is given the σ added; true: every σ-aware model is given it "
                        "(denoise_desktop/protocol.py)")
    v.add_argument("--json", action="store_true")

    sub.add_parser("train", help="train a model (see `train --help`)", add_help=False)
    return p


# -- commands ------------------------------------------------------------------------------------

def _load_denoiser(model_id: str, device: str, tile: int | None, channels: int | None = None,
                   ensemble: int = DEFAULT_ENSEMBLE, precision: str = "auto", runtime: str = "eager",
                   noise: str = "auto"):
    from . import registry
    from .routing import with_noise_mode

    if registry.get(model_id).input_kind == "stabilised":  # trained on stabilised photon noise: only there
        if noise not in ("auto", "poisson"):
            raise ValueError(f"{model_id} denoises photon noise after variance stabilisation; "
                             f"--noise {noise} does not apply (use auto or poisson)")
        noise = "poisson"
    dn = registry.load(model_id, device=device, channels=channels, ensemble=ensemble, precision=precision,
                       runtime=runtime)
    if tile is not None and hasattr(dn, "set_tile"):
        dn.set_tile(tile)
    return with_noise_mode(dn, noise)


class _NotRaw(ValueError):
    """A mosaic network asked for files that are not camera RAW."""


def _raw_mosaic_network(args, items):
    """The network that denoises RAW files on their mosaic in this run, or None (develop first).

    ``--model`` naming a mosaic network uses it (and every input must be a RAW file); otherwise the
    bundled one, for RAW files left to the defaults (no --model, --sigma or --noise) with
    ``--raw mosaic``."""
    from . import registry
    from .imageio.raw import is_raw

    if args.model:
        try:
            entry = registry.get(args.model)
        except KeyError:
            return None  # (the model loader says it is unknown)
        if entry.input_kind != "raw_mosaic":
            return None
        not_raw = [str(it.source) for it in items if not is_raw(it.source)]
        if not_raw:
            raise _NotRaw(f"{args.model} denoises camera RAW files on their mosaic; not RAW: {', '.join(not_raw[:3])}"
                          + (f" and {len(not_raw) - 3} more" if len(not_raw) > 3 else ""))
        model_id = args.model
    elif args.raw_mode == "mosaic" and args.sigma is None and args.noise == "auto" \
            and any(is_raw(it.source) for it in items):
        model_id = registry.mosaic_model_id()
        if model_id is None:
            return None
    else:
        return None
    return registry.load(model_id, device=args.device)


def _cmd_run(args, out: TextIO, err: TextIO) -> int:
    from . import batch, devices, runtime

    if isinstance(args.quality, int):  # the old spelling of --jpeg-quality
        err.write(f"note: --quality {args.quality} is read as --jpeg-quality {args.quality}; --quality now takes "
                  f"{', '.join(QUALITIES)}\n")
        args.jpeg_quality, args.quality = args.quality, "default"
    if args.ensemble is None:
        args.ensemble = QUALITIES[args.quality]

    try:  # fp16 on a CPU: say so before any file is planned, not once per file
        runtime.resolve_precision(args.precision, devices.resolve(args.device))
    except (ValueError, RuntimeError) as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE

    try:
        items = batch.plan(args.inputs, args.out, recursive=args.recursive, fmt=args.fmt,
                           skip_existing=args.skip_existing, naming=args.naming)
    except batch.BatchError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    try:
        raw_net = _raw_mosaic_network(args, items)
        if args.model and raw_net is not None and getattr(raw_net, "id", None) == args.model:
            denoiser = None  # a mosaic network: RAW files only (checked), nothing else to load
        elif args.model:
            denoiser = _load_denoiser(args.model, args.device, args.tile, ensemble=args.ensemble,
                                      precision=args.precision, runtime=args.runtime, noise=args.noise)
        else:
            from . import registry

            cache: dict[int, object] = {}

            def denoiser(channels: int):  # the best default model for each image's channel count
                if channels not in cache:
                    cache[channels] = _load_denoiser(registry.default_model_id((channels,)), args.device,
                                                     args.tile, channels, args.ensemble, args.precision, args.runtime,
                                                     args.noise)
                return cache[channels]
    except KeyError as exc:  # unknown model id
        err.write(f"error: {exc.args[0] if exc.args else exc}\n")
        return EXIT_USAGE
    except _NotRaw as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    except ValueError as exc:  # --noise poisson with a blind model
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - a broken weights file, a missing device...
        err.write(f"error: cannot load model {args.model}: {exc}\n")
        return EXIT_USAGE

    token = CancelToken()
    bar = ProgressBar(len(items), err)
    progress = Progress(bar.update, token)
    counts = {"done": 0, "failed": 0, "skipped": 0, "cancelled": 0}
    failed: list[str] = []
    unsupported = list(getattr(items, "unsupported", []))
    for line in (items.notes(max_names=0) if hasattr(items, "notes") else []):
        if not line.startswith("  "):  # counts now; the unsupported files are named at the end
            bar.line(f"note: {line}")
    t0 = time.perf_counter()
    with _SigintCancels(token, err):
        results = batch.run(items, denoiser, sigma=args.sigma, strength=_strength(args), jpeg_quality=args.jpeg_quality,
                            keep_metadata=not args.no_metadata, progress=progress,
                            on_start=lambda i, it: bar.start_item(i, it.source.name),
                            raw_color_space=args.raw_colour, raw_mosaic=raw_net)
        try:
            for i, res in enumerate(results):
                counts[res.status] += 1
                src = res.item.source
                if res.status == "done":
                    level = level_text(dict(res.info, sigma_used=res.sigma_used))
                    sig = f", {level}" if level else ""
                    notes = "".join(f"\n    note: {n}" for n in res.notes)
                    bar.line(f"[{i + 1}/{len(items)}] done     {src} → {res.item.output} ({res.seconds:.1f} s{sig})"
                             + notes)
                elif res.status == "skipped":
                    bar.line(f"[{i + 1}/{len(items)}] skipped  {src} (output exists)")
                elif res.status == "failed":
                    error = res.error or "failed"
                    failed.append(error if str(src) in error else f"{src}: {error}")  # each path once
                    bar.line(f"[{i + 1}/{len(items)}] FAILED   {failed[-1]}")
                else:
                    bar.line(f"[{i + 1}/{len(items)}] cancelled {src} (nothing written)")
        except batch.BatchError as exc:  # another batch holds the output folder: nothing written
            err.write(f"error: {exc}\n")
            return EXIT_USAGE
    not_run = len(items) - sum(counts.values())
    summary = (f"{counts['done']} done, {counts['failed']} failed, {counts['skipped']} skipped"
               + (f" ({len(unsupported)} unsupported file(s) not read)" if unsupported else "")
               + (f", cancelled ({not_run} not started; rerun with --skip-existing to resume)"
                  if counts["cancelled"] else "")
               + f" in {time.perf_counter() - t0:.1f} s")
    out.write(summary + "\n")
    if unsupported:
        err.write(f"skipped: {len(unsupported)} unsupported file(s) (not an image type this app reads):\n"
                  + "".join(f"  {f}\n" for f in unsupported))
    if failed:
        err.write("failed files:\n" + "".join(f"  {f}\n" for f in failed))
    if counts["cancelled"]:
        return EXIT_CANCELLED
    return EXIT_FAILED if failed else EXIT_OK


def _cmd_models(args, out: TextIO, err: TextIO) -> int:
    from . import registry

    entries = registry.list_models()
    if args.json:
        rows = [{"id": e.id, "name": e.name, "kind": e.kind, "takes_sigma": e.takes_sigma,
                 "channels": list(e.channels), "classic": e.classic, "trained_on": e.trained_on,
                 "path": str(e.path) if e.path else None, "card": e.card or {}}
                for e in entries]
        out.write(json.dumps(rows, indent=2, default=str) + "\n")
        return EXIT_OK
    out.write(f"{'ID':<28} {'KIND':<10} {'CHANNELS':<9} {'σ':<3} NAME\n")
    for e in entries:
        ch = "/".join("gray" if c == 1 else "rgb" for c in e.channels)
        out.write(f"{e.id:<28} {e.kind:<10} {ch:<9} {'yes' if e.takes_sigma else 'no':<3} {e.name}\n")
        if e.trained_on:  # a second line: what the model is good on (a digit model is not for photos)
            out.write(f"{'':<28} {'classic experiment, ' if e.classic else ''}trained on {e.trained_on}\n")
    for b in registry.broken_models():  # listed with the reason; every other model still works
        out.write(f"{b.id:<28} {'broken':<10} {'-':<9} {'-':<3} {b.reason}\n")
    return EXIT_OK


def _cmd_estimate(args, out: TextIO, err: TextIO) -> int:
    from .batch import BatchError, collect_inputs
    from .imageio import read_image
    from .noise_estimate import estimate_sigma

    status, rows, files = EXIT_OK, [], []
    for raw in args.inputs:  # a missing input is reported; the others are still estimated
        try:
            files += [f for f, _ in collect_inputs([raw])]
        except BatchError as exc:
            err.write(f"error: {exc}\n")
            status = EXIT_FAILED
    for f in files:
        try:
            sigma = float(estimate_sigma(read_image(f).to_float()))
        except Exception as exc:  # noqa: BLE001 - report and continue
            err.write(f"error: {exc}\n")
            status = EXIT_FAILED
            continue
        rows.append({"file": str(f), "sigma": sigma})
        if not args.json:
            out.write(f"{sigma:7.2f}  {f}\n")
    if args.json:
        out.write(json.dumps(rows, indent=2) + "\n")
    return status


def _cmd_eval_pairs(args, out: TextIO, err: TextIO) -> int:
    from .pairs import PairsError, find_pairs, score_pairs

    try:
        pairs = find_pairs(args.pairs)[: args.limit or None]
        denoiser = _load_denoiser(args.model, args.device, None, ensemble=args.ensemble)
    except KeyError as exc:
        err.write(f"error: {exc.args[0] if exc.args else exc}\n")
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - no pairs, broken weights, missing device
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    token = CancelToken()
    with _SigintCancels(token, err):
        try:
            r = score_pairs(denoiser, pairs, Progress(None, token))
        except PairsError as exc:
            err.write(f"error: {exc}\n")
            return EXIT_FAILED
        except Exception as exc:  # noqa: BLE001 - an unreadable image, a failing model
            if token.cancelled:
                err.write("cancelled\n")
                return EXIT_CANCELLED
            err.write(f"error: {exc}\n")
            return EXIT_FAILED
    if args.json:
        out.write(json.dumps({"model": args.model, "pairs": str(args.pairs), "level": "auto", **r}, indent=2) + "\n")
    else:
        how = "gray: BT.601 luma" if r["channels"] == [1] else "colour" if r["channels"] == [3] else "gray and colour"
        out.write(f"model {args.model} on {r['n']} real pair(s) from {args.pairs} (blind: Auto level; {how})\n")
        out.write(f"{'':6} {'PSNR noisy':>11} {'PSNR':>8} {'SSIM':>7}\n")
        out.write(f"{'real':>6} {r['psnr_noisy']:11.2f} {r['psnr']:8.2f} {r['ssim']:7.4f}\n")
    return EXIT_OK


def _cmd_eval(args, out: TextIO, err: TextIO) -> int:
    import numpy as np

    if args.pairs:
        return _cmd_eval_pairs(args, out, err)

    from . import protocol, registry
    from .batch import BatchError, collect_inputs
    from .datasets import read_image_set
    from .imageio import read_image

    try:
        image_set = read_image_set(args.data)  # the classic data sets' own files: IDX, CIFAR-10
        files = [] if image_set is not None else [f for f, _ in collect_inputs([args.data])]
        if image_set is None and not files:
            raise BatchError(f"{args.data}: no supported images")
        if image_set is not None and not len(image_set[0]):
            raise BatchError(f"{args.data}: holds no images")
        denoiser = _load_denoiser(args.model, args.device, None, ensemble=args.ensemble)
        card = registry.get(args.model).card
    except KeyError as exc:
        err.write(f"error: {exc.args[0] if exc.args else exc}\n")
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - bad data folder or file, broken weights, missing device
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    cleans = []
    if image_set is not None:  # uint8 N×H×W×C: the first --limit, as floats like a decoded 8-bit file
        cleans = [(f"{args.data}[{k}]", a.astype(np.float32) / np.float32(255.0))
                  for k, a in enumerate(image_set[0][: args.limit or None])]
    files = files[: args.limit] if args.limit else files
    for f in files:
        try:
            cleans.append((f, read_image(f).to_float()))
        except Exception as exc:  # noqa: BLE001
            err.write(f"skipping {exc}\n")
    if not cleans:
        err.write("error: no readable images\n")
        return EXIT_FAILED
    token = CancelToken()
    results = []
    with _SigintCancels(token, err):
        for sigma in args.sigma:
            vals = {"psnr": [], "ssim": [], "psnr_noisy": []}
            t0 = time.perf_counter()
            for k, (f, clean) in enumerate(cleans):
                clean = protocol.as_channels(clean, getattr(denoiser, "channels", (1, 3)))
                try:
                    noisy, _, s = protocol.denoise_scored(denoiser, clean, sigma, k, card=card, level=args.level,
                                                          seed=args.seed, progress=Progress(None, token))
                except Exception as exc:  # noqa: BLE001
                    if token.cancelled:
                        err.write("cancelled\n")
                        return EXIT_CANCELLED
                    err.write(f"error: {f}: {exc}\n")
                    return EXIT_FAILED
                vals["psnr"].append(s["psnr"])
                vals["ssim"].append(s["ssim"])
                vals["psnr_noisy"].append(protocol.score(clean, noisy)["psnr"])
            results.append({"sigma": sigma, "n": len(cleans), "seconds": time.perf_counter() - t0,
                            **{k: float(np.mean(v)) for k, v in vals.items()}})
    if args.json:
        out.write(json.dumps({"model": args.model, "data": str(args.data),
                              "data_kind": image_set[1] if image_set is not None else "images",
                              "seed": args.seed, "level": args.level, "results": results}, indent=2) + "\n")
    else:
        what = f" ({image_set[1]})" if image_set is not None else ""
        out.write(f"model {args.model} on {len(cleans)} image(s) from {args.data}{what}\n")
        out.write(f"{'σ':>6} {'PSNR noisy':>11} {'PSNR':>8} {'SSIM':>7}\n")
        for r in results:
            out.write(f"{r['sigma']:6.1f} {r['psnr_noisy']:11.2f} {r['psnr']:8.2f} {r['ssim']:7.4f}\n")
    return EXIT_OK


def _smoke_test(out: TextIO, err: TextIO) -> int:
    """What the packaged build runs: models import, weights load, one tiny denoise."""
    import numpy as np

    from . import registry

    t0 = time.perf_counter()
    try:
        model_id = registry.default_model_id((3,))
        dn = registry.load(model_id, device="cpu")
        rng = np.random.default_rng(0)
        clean = np.repeat(np.linspace(0, 1, 32, dtype=np.float32)[None, :, None], 32, axis=0).repeat(3, axis=2)
        noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1).astype(np.float32)
        den = dn.denoise(noisy, sigma=25.0)
        if den.shape != noisy.shape or not np.isfinite(den).all():
            raise RuntimeError(f"bad output {den.shape}")
    except Exception as exc:  # noqa: BLE001
        err.write(f"smoke test FAILED: {type(exc).__name__}: {exc}\n")
        return EXIT_FAILED
    out.write(f"smoke test ok: {model_id}, {time.perf_counter() - t0:.2f} s\n")
    return EXIT_OK


def _launch_gui(argv: list[str], err: TextIO) -> int:
    try:
        import PySide6  # noqa: F401
    except ImportError:
        err.write("The desktop app needs PySide6, which is not installed. Install it with\n"
                  "  pip install PySide6-Essentials pyqtgraph\n"
                  "or use the command line: denoise-desktop run --help\n")
        return EXIT_FAILED
    from .gui import main as gui_main

    return int(gui_main(argv) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    if argv and argv[0] == "train":  # training has its own parser; the frozen app has no `python -m`
        from training.cli import main as train_main

        return int(train_main(argv[1:]) or 0)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help/--version (0) or a usage error (2)
        return int(exc.code or 0)
    if args.smoke_test:
        return _smoke_test(out, err)
    if args.command is None:
        return _launch_gui([], err)
    commands = {"run": _cmd_run, "models": _cmd_models, "estimate": _cmd_estimate, "eval": _cmd_eval}
    try:
        return commands[args.command](args, out, err)
    except KeyboardInterrupt:
        err.write("\ninterrupted\n")
        return EXIT_CANCELLED


if __name__ == "__main__":
    raise SystemExit(main())
