"""Real camera noise and noisy JPEGs: every method blind, side by side in one run.

Two sets:
- **real pairs** (``--pairs``, default ``../shared/data/polyu_canon_dev``): ``<name>_real.*`` is a
  noisy capture, ``<name>_mean.*`` its reference; mean PSNR/SSIM of each method's output of
  ``_real`` against ``_mean``.
- **Gaussian + JPEG** (``--jpeg-sigmas``, on the held-out BSDS500 color images of
  ``quality.py``): Gaussian σ added to the 8-bit image, saved as a JPEG of quality 90 with 4:2:0
  chroma (what cameras and phones write), scored against the clean image; the σ-aware models
  also run with the true σ, and CBM3D gets the true σ, as it is usually reported.

Methods: the noisy input; the default color model (``--model``, a registry id or a
``.safetensors`` file) at each self-ensemble size of ``--ensembles``, on the app's Auto level
(learned estimator); ``--previous`` (a file, or ``git:REV`` = the default color model of that
commit: its networks, routed as then, and its estimator — PCA before it had one) as it ran in the
app then and with today's estimate; NLM and (with
``--bm3d``) CBM3D on the estimated level.

    python benchmarks/real_noise.py                                  # both sets
    python benchmarks/real_noise.py --previous git:85e4e87 --bm3d --write-docs
    python benchmarks/real_noise.py --crops docs/real_noise --previous git:85e4e87   # before/after crops
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402  (paths, held-out images)

from denoise_desktop import imageio, metrics, registry  # noqa: E402
from denoise_desktop.noise_estimate import estimate_sigma, estimate_sigma_awgn  # noqa: E402

ROOT = quality.ROOT
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- real_noise:begin -->", "<!-- real_noise:end -->"


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


def jpeg420(img: np.ndarray, quality_: int = 90) -> np.ndarray:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.uint8(np.rint(np.clip(img, 0, 1) * 255))).save(buf, "JPEG", quality=quality_, subsampling=2)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im, np.float32) / 255.0


class Method:
    def __init__(self, label: str, run, level: str) -> None:
        self.label, self.run, self.level = label, run, level  # run(noisy, true_sigma) -> out


def methods(args, tmp: Path, synthetic: bool) -> list[Method]:
    out: list[Method] = []
    new = network_from(args.model, tmp)

    def net(d, ensemble: int, level: str):
        def run(x, true_sigma):
            d.set_ensemble(ensemble)
            s = true_sigma if level == "true" else (estimate_sigma_awgn(x) if level == "PCA" else estimate_sigma(x))
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
    out.append(Method("NLM", lambda x, s: nlm.denoise(x, sigma=estimate_sigma(x)), "estimated"))
    if args.bm3d:
        bm3d = registry.load("bm3d", device="cpu", channels=3)
        level = "true" if synthetic else "estimated"
        out.append(Method("CBM3D", lambda x, s: bm3d.denoise(x, sigma=s if synthetic else estimate_sigma(x)), level))
    return out


def _only(args, ms: list[Method]) -> list[Method]:
    keep = {x.strip() for x in args.only.split(",") if x.strip()}
    return [m for m in ms if m.label in keep] if keep else ms


def score(rows: list[dict], set_name: str, cases, ms: list[Method]) -> None:
    """cases: list of (noisy, reference, true σ or None)."""
    rows.append({"set": set_name, "method": "noisy input", "level": "-", "seconds": 0.0,
                 "psnr": float(np.mean([metrics.psnr(r, n) for n, r, _ in cases])),
                 "ssim": float(np.mean([metrics.ssim(r, n) for n, r, _ in cases]))})
    for m in ms:
        ps, ss, secs = [], [], 0.0
        for noisy, ref, s in cases:
            t0 = time.perf_counter()
            y = m.run(noisy, s)
            secs += time.perf_counter() - t0
            y = quality.as_saved(y)
            ps.append(metrics.psnr(ref, y))
            ss.append(metrics.ssim(ref, y))
        rows.append({"set": set_name, "method": m.label, "level": m.level, "seconds": round(secs, 1),
                     "psnr": float(np.mean(ps)), "ssim": float(np.mean(ss))})
        print(f"{set_name:<34} {m.label:<34} {np.mean(ps):6.2f} dB  {np.mean(ss):.4f}  ({secs:.0f} s)", flush=True)


def levels_line(cases) -> str:
    learned = [estimate_sigma(n) for n, _, _ in cases]
    pca = [estimate_sigma_awgn(n) for n, _, _ in cases]
    return f"Auto level: mean {np.mean(learned):.1f} (range {min(learned):.1f}–{max(learned):.1f}); PCA estimate mean {np.mean(pca):.1f}"


def markdown(rows: list[dict], notes: dict[str, str], argv: list[str]) -> str:
    lines = [BEGIN, "", f"Measured by `python benchmarks/real_noise.py {' '.join(argv)}` on {time.strftime('%Y-%m-%d')} "
             "(CPU, one run). Mean PSNR dB / SSIM; every method blind unless the level column says *true*.", ""]
    for set_name in dict.fromkeys(r["set"] for r in rows):
        lines += [f"**{set_name}** — {notes.get(set_name, '')}", "", "| method | level | PSNR / SSIM | seconds |", "|---|---|---|---|"]
        for r in rows:
            if r["set"] == set_name:
                lines.append(f"| {r['method']} | {r['level']} | {r['psnr']:.2f} / {r['ssim']:.4f} | {r['seconds']:.0f} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


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
    ap.add_argument("--pairs", type=Path, default=quality.DATA / "polyu_canon_dev")
    ap.add_argument("--real-noisy", type=Path, default=quality.DATA / "real_noisy")
    ap.add_argument("--color-dir", type=Path, default=quality.DATA / "bsds500_color_train")
    ap.add_argument("--model", default="unet_res_color")
    ap.add_argument("--previous", default="", help="older color weights: a .safetensors file or git:REV")
    ap.add_argument("--ensembles", default="1,2")
    ap.add_argument("--jpeg-sigmas", default="15,25", help="'' skips the Gaussian + JPEG set")
    ap.add_argument("--bm3d", action="store_true", help="also CBM3D (slow: ~10 s per image)")
    ap.add_argument("--only", default="", help="keep only these method labels (comma list, e.g. CBM3D)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--skip-pairs", action="store_true")
    ap.add_argument("--crops", default="", help="write before/after crops to this folder and exit")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args(argv)
    args.ensembles = [int(n) for n in args.ensembles.split(",") if n]
    args_list = list(argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        if args.crops:
            write_crops(args, tmp)
            return 0
        rows: list[dict] = []
        notes: dict[str, str] = {}
        if not args.skip_pairs:
            ps = pairs(args.pairs)[: args.limit or None]
            cases = [(imageio.read_image(r).to_float(), imageio.read_image(m).to_float(), None) for r, m in ps]
            name = f"{args.pairs.name} ({len(cases)} real pairs)"
            notes[name] = levels_line(cases)
            print(notes[name], flush=True)
            score(rows, name, cases, _only(args, methods(args, tmp, synthetic=False)))
        for sigma in [float(s) for s in args.jpeg_sigmas.split(",") if s]:
            files = quality.color_holdout(args.color_dir)[: args.limit or None]
            cleans = quality.load_cleans(files, 3)
            cases = [(jpeg420(quality.add_noise_8bit(c, sigma, 1000 * int(sigma) + i)), c, sigma)
                     for i, c in enumerate(cleans)]
            name = f"Gaussian σ {sigma:g} + JPEG q90 4:2:0 ({len(cases)} BSDS val)"
            notes[name] = levels_line(cases)
            print(notes[name], flush=True)
            score(rows, name, cases, _only(args, methods(args, tmp, synthetic=True)))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    md = markdown(rows, notes, args_list)
    print(md)
    if args.write_docs:
        text = DOCS.read_text()
        if BEGIN in text and END in text:
            text = text[: text.index(BEGIN)] + md + text[text.index(END) + len(END):]
        else:
            text += "\n## Real noise and noisy JPEGs\n\n" + md + "\n"
        DOCS.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
