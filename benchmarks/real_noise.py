"""Real camera noise and noisy JPEGs: every method blind, side by side in one run.

Two sets:
- **real pairs** (``--pairs``, default ``../shared/data/polyu_canon_dev``): ``<name>_real.*`` is a
  noisy capture, ``<name>_mean.*`` its reference; mean PSNR/SSIM of each method's output of
  ``_real`` against ``_mean``.
- **Gaussian + JPEG** (``--jpeg-sigmas``, on the held-out BSDS500 color images of
  ``benchmarks.quality``): Gaussian σ added to the 8-bit image, saved as a JPEG of quality 90 with 4:2:0
  chroma (what cameras and phones write), scored against the clean image; the σ-aware models
  also run with the true σ, and CBM3D gets the true σ, as it is usually reported.

Methods: the noisy input; the default color model (``--model``, a registry id or a
``.safetensors`` file) at each self-ensemble size of ``--ensembles``, on the app's Auto level
(learned estimator); ``--previous`` (a file, or ``git:REV`` = the default color model of that
commit: its networks, routed as then, and its estimator — PCA before it had one) as it ran in the
app then and with today's estimate; NLM and (with
``--bm3d``) CBM3D on the estimated level.

    python -m benchmarks.real_noise                                  # both sets
    python -m benchmarks.real_noise --bm3d --skip-jpeg --record      # the real pairs, with CBM3D (its record)
    python -m benchmarks.real_noise --crops docs/real_noise --previous git:85e4e87   # before/after crops
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from denoise_desktop import imageio, registry
from denoise_desktop.noise_estimate import estimate_sigma, estimate_sigma_awgn

from . import data, records
from .runner import Method, score_cases

ROOT = data.ROOT


def pairs(folder: Path) -> list[tuple[Path, Path]]:
    from denoise_desktop.pairs import PairsError, find_pairs

    try:
        return find_pairs(folder)
    except PairsError as exc:
        raise SystemExit(str(exc)) from None


def _git_blob(rev: str, path: str) -> bytes | None:
    out = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], capture_output=True)
    return out.stdout if out.returncode == 0 else None


def network_from(spec: str, tmp: Path):
    """A denoiser from a registry id, a weights file, or ``git:REV``: that commit's default color
    model — its Gaussian network, and where the commit had them, its real-noise network (routed
    as the app routes) and its noise-level estimator (see :func:`estimator_of`)."""
    from denoise_desktop.engine import NetworkDenoiser
    from denoise_desktop.routing import NoiseRoutedDenoiser
    from denoise_desktop.weights import load_weights, spec_of

    def plain(path: Path):
        model, _ = load_weights(path, device="cpu")
        return NetworkDenoiser(model, spec_of(model), device="cpu", id=path.stem)

    if spec.startswith("git:"):
        rev, nets = spec[4:], {}
        for stem in ("unet_res_color", "unet_res_color_real"):
            blobs = {ext: _git_blob(rev, f"resources/weights/{stem}.{ext}") for ext in ("safetensors", "json")}
            if all(blobs.values()):
                folder = tmp / rev / stem
                folder.mkdir(parents=True, exist_ok=True)
                for ext, blob in blobs.items():
                    (folder / f"{stem}.{ext}").write_bytes(blob)
                nets[stem] = plain(folder / f"{stem}.safetensors")
        if "unet_res_color_real" in nets:
            return NoiseRoutedDenoiser(nets["unet_res_color"], nets["unet_res_color_real"], id=f"default@{rev}")
        return nets["unet_res_color"]
    if Path(spec).suffix == ".safetensors":
        return plain(Path(spec))
    return registry.load(spec, device="cpu", channels=3)


def estimator_of(spec: str, tmp: Path):
    """The noise-level estimator network of ``git:REV`` (None: that commit had none, so Auto was
    the PCA estimate), or of a ``.safetensors`` file."""
    if not spec:
        return None
    if spec.startswith("git:"):
        blob = _git_blob(spec[4:], "resources/estimators/noise_level.safetensors")
        if blob is None:
            return None
        path = tmp / f"estimator_{spec[4:]}.safetensors"
        path.write_bytes(blob)
    else:
        path = Path(spec)
    from safetensors.torch import load_file

    from denoise_desktop.models.noise_level import NoiseLevelNet

    net = NoiseLevelNet()
    net.load_state_dict(load_file(str(path)), strict=True)
    return net.eval()


@contextlib.contextmanager
def estimator(net):
    """Auto's level (and the routing) from ``net`` while inside; None = the PCA estimate."""
    from denoise_desktop import noise_level_estimator as nle

    saved = nle._cache.get("net", "unset")
    nle._cache["net"] = net
    try:
        yield
    finally:
        if saved == "unset":
            nle._cache.pop("net", None)
        else:
            nle._cache["net"] = saved


def methods(args, tmp: Path, synthetic: bool) -> list[Method]:
    out: list[Method] = []
    new = network_from(args.model, tmp)

    def net(d, ensemble: int, level: str):
        def run(x, true_sigma):
            d.set_ensemble(ensemble)
            s = true_sigma if level == "true" else (estimate_sigma_awgn(x) if level == "PCA" else None)
            return d.denoise(x, sigma=s)
        return run

    for n in args.ensembles:
        out.append(Method(f"default{f' ×{n}' if n > 1 else ''}", net(new, n, "estimated"), "estimated"))
    if synthetic:
        out.append(Method("default, σ given", net(new, 1, "true"), "true"))
    if args.previous:
        old = network_from(args.previous, tmp)
        old_est = estimator_of(args.previous, tmp)
        rev = args.previous.removeprefix("git:")

        def as_then(run):
            def wrapped(x, true_sigma):
                with estimator(old_est):  # that commit's Auto: its estimator, or PCA before it had one
                    return run(x, true_sigma)
            return wrapped

        out.append(Method(f"previous ×2 ({rev}, as the app ran it)", as_then(net(old, 2, "estimated")),
                          "its estimate" if old_est is not None else "PCA estimate"))
        out.append(Method(f"previous ×2 ({rev}), today's estimate", net(old, 2, "estimated"), "estimated"))
        if synthetic:
            out.append(Method(f"previous ({rev}), σ given", as_then(net(old, 1, "true")), "true"))
    nlm = registry.load("nlm", device="cpu", channels=3)
    out.append(Method("NLM", lambda x, s: nlm.denoise(x, sigma=None), "estimated"))
    if args.bm3d:
        bm3d = registry.load("bm3d", device="cpu", channels=3)
        level = "true" if synthetic else "estimated"
        out.append(Method("CBM3D", lambda x, s: bm3d.denoise(x, sigma=s if synthetic else None), level))
    return out


def _only(args, ms: list[Method]) -> list[Method]:
    keep = {x.strip() for x in args.only.split(",") if x.strip()}
    return [m for m in ms if m.label in keep] if keep else ms


def levels_line(cases) -> str:
    learned = [estimate_sigma(n) for n, _, _ in cases]
    pca = [estimate_sigma_awgn(n) for n, _, _ in cases]
    return f"Auto level: mean {np.mean(learned):.1f} (range {min(learned):.1f}–{max(learned):.1f}); PCA estimate mean {np.mean(pca):.1f}"


def table(set_name: str, note: str, rows: list[dict]) -> records.Table:
    t = records.Table("real", f"{set_name}: {note}", ["method", "level", "PSNR (dB) / SSIM", "seconds"])
    for r in rows:
        t.add(r["method"], r["level"], f"{r['psnr']:.2f} / {r['ssim']:.4f}", f"{r['seconds']:.0f}")
    return t


def write_crops(args, tmp: Path) -> None:
    """Before/after crops: noisy, previous default (as the app ran it: its estimator, or PCA before
    there was one), new default (Auto level), both ×2. Gray photos use the bundled gray default with each estimate."""
    from PIL import Image

    new, old = network_from(args.model, tmp), network_from(args.previous, tmp)
    old_est = estimator_of(args.previous, tmp)
    gray = registry.load(registry.default_model_id(1), device="cpu", channels=1)
    for d in (new, old, gray):
        d.set_ensemble(2)
    dest = Path(args.crops)
    dest.mkdir(parents=True, exist_ok=True)
    picks = [p for p, _ in pairs(args.pairs)][:: max(1, len(pairs(args.pairs)) // 2)][:2]
    picks += sorted(p for p in args.real_noisy.glob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))[:2]
    for p in picks:
        img = imageio.read_image(p).to_float()
        h, w = img.shape[:2]
        c = min(256, h, w)
        crop = img[(h - c) // 2:(h - c) // 2 + c, (w - c) // 2:(w - c) // 2 + c]
        before, after = (old, new) if crop.shape[2] == 3 else (gray, gray)
        with estimator(old_est):  # the previous default as the app ran it
            s_old = estimate_sigma(crop)
            out_old = before.denoise(crop, sigma=s_old)
        s_new = estimate_sigma(crop)
        panels = [crop, out_old, after.denoise(crop, sigma=s_new)]
        strip = np.concatenate([np.clip(x, 0, 1) for x in panels], axis=1)
        strip = np.uint8(np.rint(strip * 255))
        Image.fromarray(strip[..., 0] if strip.shape[2] == 1 else strip).save(dest / f"{p.stem}.png")
        print(f"{p.name}: previous σ {s_old:.1f}, new σ {s_new:.1f} → {dest / (p.stem + '.png')}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=data.DATA / "polyu_canon_dev")
    ap.add_argument("--real-noisy", type=Path, default=data.DATA / "real_noisy")
    ap.add_argument("--color-dir", type=Path, default=None)
    ap.add_argument("--model", default="unet_res_color")
    ap.add_argument("--previous", default="", help="older color weights: a .safetensors file or git:REV")
    ap.add_argument("--ensembles", default="1,2")
    ap.add_argument("--jpeg-sigmas", default="15,25", help="'' skips the Gaussian + JPEG set")
    ap.add_argument("--bm3d", action="store_true", help="also CBM3D (slow: ~10 s per image)")
    ap.add_argument("--only", default="", help="keep only these method labels (comma list, e.g. CBM3D)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--skip-pairs", action="store_true")
    ap.add_argument("--skip-jpeg", action="store_true", help="the real pairs only (as --jpeg-sigmas '')")
    ap.add_argument("--crops", default="", help="write before/after crops to this folder and exit")
    ap.add_argument("--record", action="store_true",
                    help="write docs/results/real_noise[-pairs|-jpeg].json (-pairs: --skip-jpeg; -jpeg: --skip-pairs)")
    args = ap.parse_args(argv)
    args.ensembles = [int(n) for n in args.ensembles.split(",") if n]
    t0 = time.time()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        if args.crops:
            write_crops(args, tmp)
            return 0
        sets: list[tuple[str, list, bool]] = []
        if not args.skip_pairs:
            cases = data.real_pairs(args.pairs, args.limit)
            sets.append((f"{args.pairs.name} ({len(cases)} real pairs)", cases, False))
        sigmas = [] if args.skip_jpeg else [float(s) for s in args.jpeg_sigmas.split(",") if s]
        if sigmas:
            cleans = data.load_cleans(data.color_holdout(args.color_dir)[: args.limit or None], 3)
            for sigma in sigmas:
                cases = data.noisy_cases(cleans, sigma, jpeg=True)
                sets.append((f"Gaussian σ {sigma:g} + JPEG q90 4:2:0 ({len(cases)} BSDS500 held-out)", cases, True))
        tables, raw = [], {}
        for name, cases, synthetic in sets:
            note = levels_line(cases)
            print(f"{name}: {note}", file=sys.stderr, flush=True)
            rows = score_cases(cases, _only(args, methods(args, tmp, synthetic)), name=name)
            tables.append(table(name, note, rows))
            raw[name] = rows
    for tb in tables:
        print(f"\n**{tb.caption}**\n\n" + "\n".join(tb.markdown()))
    if args.record:
        name = "real_noise" + ("-pairs" if not sigmas else "-jpeg" if args.skip_pairs else "")
        title = ("Real camera noise" if not sigmas else "Gaussian noise saved as JPEG" if args.skip_pairs
                 else "Real camera noise and noisy JPEGs")
        records.write(name, title, tables,
                      command=records.command("benchmarks.real_noise", argv), seconds=time.time() - t0, data=raw,
                      notes=["Level: *estimated* is the method's own Auto level; *true* is the σ that was added"
                             + (" (CBM3D is given it, as it is usually reported)." if sigmas else ".")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
