"""Runs methods on cases side by side and scores them by the protocol: the loop every quality
benchmark shares (real pairs, Gaussian noise, noisy JPEGs)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from denoise_desktop import protocol

from .data import Case
from .timing import timed


@dataclass
class Method:
    label: str
    run: Callable[[np.ndarray, "float | None"], np.ndarray]  # (noisy, σ added or None) -> output
    level: str = "estimated"  # what the table's level column says: estimated, true, none, …


def model_method(label: str, denoiser: Any, level: str = "estimated") -> Method:
    """A ``Denoiser`` as a method: blind (σ None) unless ``level == "true"``."""
    return Method(label, lambda x, s: denoiser.denoise(x, sigma=s if level == "true" else None), level)


def score_cases(cases: list[Case], methods: list[Method], *, noisy_row: bool = True,
                name: str = "") -> list[dict[str, Any]]:
    """One row per method (first the noisy input itself): mean PSNR / SSIM of the outputs as saved,
    wall and CPU seconds, megapixels."""
    rows = []
    mp = sum(x.shape[0] * x.shape[1] for x, _, _ in cases) / 1e6
    if noisy_row:
        rows.append(_row("noisy input", "-", [protocol.score(c, x) for x, c, _ in cases], 0.0, 0.0, mp))
    for m in methods:
        scores, wall, cpu = [], 0.0, 0.0
        for x, c, sigma in cases:
            out, w, u = timed(lambda: m.run(x, sigma))
            wall, cpu = wall + w, cpu + u
            scores.append(protocol.score(c, out))
        rows.append(_row(m.label, m.level, scores, wall, cpu, mp))
        r = rows[-1]
        print(f"{name} {m.label}: {r['psnr']:.2f} dB / {r['ssim']:.4f} ({wall:.0f} s)", file=sys.stderr, flush=True)
    return rows


def _row(label: str, level: str, scores: list[dict], wall: float, cpu: float, mp: float) -> dict[str, Any]:
    return {"method": label, "level": level, "psnr": float(np.mean([s["psnr"] for s in scores])),
            "ssim": float(np.mean([s["ssim"] for s in scores])), "seconds": wall, "cpu_seconds": cpu,
            "megapixels": mp, "n": len(scores)}


def saved_psnr(denoiser: Any, noisy: np.ndarray, clean: np.ndarray, sigma: "float | None") -> float:
    """PSNR of ``denoiser``'s output at ``sigma`` as it would be saved (8 bits)."""
    return protocol.score(clean, denoiser.denoise(noisy, sigma=sigma))["psnr"]
