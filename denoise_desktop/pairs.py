"""Real noisy/reference image pairs in a folder, as real-noise data sets ship them.

Two layouts are recognised:

* one folder, pairs told apart by a name suffix: ``<name>_real.*`` with ``<name>_mean.*`` (PolyU),
  ``<name>_noisy.*`` with ``<name>_clean.*`` / ``<name>_gt.*`` / ``<name>_mean.*``
  (case-insensitive; the extensions may differ);
* sub-folders ``noisy/`` (or ``real/``) and ``clean/`` (or ``gt/``, ``mean/``, ``reference/``)
  holding files of the same stem (SIDD/DND-style exports).

Real noise has no σ to add, so these are scored blind: each model is given the noisy file as it
is, with its own (Auto) noise level.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["find_pairs", "read_pair", "score_pairs", "PairsError"]

_NOISY = ("real", "noisy")
_CLEAN = ("mean", "clean", "gt", "reference")


class PairsError(ValueError):
    pass


def _images(folder: Path) -> list[Path]:
    from .imageio.formats import is_supported

    return sorted(p for p in folder.iterdir() if p.is_file() and is_supported(p))


def find_pairs(folder: str | Path) -> list[tuple[Path, Path]]:
    """``[(noisy, reference), ...]`` sorted by the noisy file's name; :class:`PairsError` (with the
    layouts it looked for) when the folder holds none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PairsError(f"{folder}: not a folder")
    subs = {p.name.lower(): p for p in folder.iterdir() if p.is_dir()}
    noisy_dir = next((subs[n] for n in _NOISY if n in subs), None)
    clean_dir = next((subs[n] for n in _CLEAN if n in subs), None)
    out: list[tuple[Path, Path]] = []
    if noisy_dir is not None and clean_dir is not None:
        refs = {p.stem: p for p in _images(clean_dir)}
        out = [(p, refs[p.stem]) for p in _images(noisy_dir) if p.stem in refs]
    else:
        files = _images(folder)
        by_key: dict[tuple[str, str], Path] = {}
        for p in files:
            base, _, tag = p.stem.rpartition("_")
            if base:
                by_key[(base, tag.lower())] = p
        for (base, tag), p in sorted(by_key.items(), key=lambda kv: kv[1].name):
            if tag in _NOISY:
                ref = next((by_key[(base, t)] for t in _CLEAN if (base, t) in by_key), None)
                if ref is not None:
                    out.append((p, ref))
    if not out:
        raise PairsError(f"{folder}: no noisy/reference pairs (looked for <name>_real + <name>_mean, "
                         "<name>_noisy + <name>_clean/_gt, or noisy/ and clean/ sub-folders with the same names)")
    return sorted(out, key=lambda pr: pr[0].name)


def read_pair(noisy: Path, reference: Path):
    """Both images as float32 H×W×C in [0, 1] (alpha dropped). :class:`PairsError` when their
    sizes differ."""
    from .imageio import read_image

    x, c = read_image(noisy).to_float(), read_image(reference).to_float()
    x, c = (a[..., None] if a.ndim == 2 else a[..., : 3 if a.shape[2] >= 3 else 1] for a in (x, c))
    if x.shape != c.shape:
        raise PairsError(f"{noisy.name} is {x.shape[1]}×{x.shape[0]}×{x.shape[2]} but its reference "
                         f"{reference.name} is {c.shape[1]}×{c.shape[0]}×{c.shape[2]}")
    return x, c


def score_pairs(denoiser, pairs: list[tuple[Path, Path]], progress=None, keep: list | None = None) -> dict:
    """Mean PSNR/SSIM/MSE/MAE of ``denoiser`` (blind: its Auto level) on ``pairs``, and of the
    noisy inputs, by the evaluation protocol (``protocol``: pairs in channels the model takes,
    outputs scored as saved, rounded to 8 bits); ``n``, ``channels`` (as scored) and ``seconds``
    (denoising only). ``progress``: a ``Progress`` (cancel); ``keep``: a list that receives the
    first pair's (noisy, reference, output)."""
    import time

    import numpy as np

    from . import protocol
    from .progress import NOOP

    progress = progress or NOOP
    supported = tuple(getattr(denoiser, "channels", (1, 3)))
    vals: dict[str, list[float]] = {k: [] for k in ("psnr", "ssim", "mse", "mae", "psnr_noisy", "ssim_noisy")}
    seconds, channels = 0.0, set()
    for noisy, ref in pairs:
        x, c = (protocol.as_channels(a, supported) for a in read_pair(noisy, ref))
        t0 = time.perf_counter()
        out = np.asarray(denoiser.denoise(x, sigma=None, progress=progress), np.float32).reshape(c.shape)
        seconds += time.perf_counter() - t0
        channels.add(int(c.shape[2]))
        if keep is not None and not keep:
            keep.append((x, c, out))
        for k, v in protocol.score(c, out).items():
            vals[k].append(v)
        for k, v in protocol.score(c, x).items():
            if f"{k}_noisy" in vals:
                vals[f"{k}_noisy"].append(v)
    return {"n": len(pairs), "channels": sorted(channels), "seconds": seconds,
            **{k: float(np.mean(v)) for k, v in vals.items()}}
