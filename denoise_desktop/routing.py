"""A default model as one ``Denoiser`` with several routes behind it, picked per image.

- **white**: white Gaussian noise (a PNG with synthetic noise, a scan) → the network trained on
  Gaussian noise, at the PCA level;
- **camera**: camera noise and noisy JPEGs — correlated between neighbours, which the PCA
  estimate hardly sees — → the network trained on realistic camera noise (``training/camera.py``)
  where there is one (colour), else the Gaussian network at the learned level. Fine-tuned on the
  camera mix alone, that network lost 0.7 dB on plain Gaussian noise at σ = 15
  (``benchmarks/quality.py``), so neither network is best at both;
- **jpeg_white**: white noise saved as a JPEG with 4:2:0 chroma (a scan, a synthetic test, a
  sensor without demosaicing). Its chroma looks correlated like a camera's, but its luma noise
  stays white, while a camera's luma noise is demosaiced: :func:`white_luma` tells them apart,
  and the Gaussian network runs at the learned level;
- **photon**: white noise whose variance grows with the signal (Poisson–Gaussian: fluorescence
  microscopy, astronomy, low light) → the Gaussian network between a variance-stabilising
  transform and its unbiased inverse (``noise.stabilised``), which keeps the mean.

The one estimate Auto makes anyway (``noise_estimate.estimate_noise``) plus a Poisson–Gaussian
fit of white-looking noise decide the route. ``set_noise`` forces one ("gaussian", "camera",
"poisson"). A σ set by hand keeps the route Auto chose: it says how strong the noise is, not what
kind (on the photon route it scales the fitted level by σ / the estimate).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .progress import NOOP, Progress

__all__ = ["NoiseRoutedDenoiser", "NOISE_MODES", "Route", "choose_route", "with_noise_mode"]

NOISE_MODES = ("auto", "gaussian", "camera", "poisson")
MIN_PHOTON_LEVEL = 1.0  # below this (PCA, 0–255) there is too little noise to call it photon noise


# White noise in a JPEG: the luma's PCA level (which sees white noise, not demosaiced noise) at
# least JPEG_WHITE_RATIO × the learned level and at least JPEG_WHITE_MIN_LUMA (0–255), and the
# luma read on 2×2 means (×2) at most JPEG_WHITE_COARSE × that (white noise reads the same at both
# scales; demosaiced noise reads higher there). Set on the dev sets
# (``python -m benchmarks.experiments.jpeg_white_route``): PolyU camera JPEGs read luma 0.4–2.3,
# Gaussian σ 10–50 saved as q90 4:2:0 JPEGs a ratio ≥ 0.57 with luma ≥ 7.6; the synthetic camera
# photos that pass the first two tests read ≥ 2.3× at half scale. Above a level of
# JPEG_WHITE_MAX_LEVEL the JPEG's own blocking dominates and the real-noise network, trained on
# JPEGs, is the better one (σ 35: Gaussian net +0.15 dB, levels ≤ 40; σ 50: −0.96, levels ≥ 44).
JPEG_WHITE_RATIO, JPEG_WHITE_MIN_LUMA, JPEG_WHITE_COARSE, JPEG_WHITE_MAX_LEVEL = 0.55, 4.0, 2.2, 42.0
_WHITE_LUMA_CROP = 1024


class Route:
    """What the analysis of one image found: the route's name, the noise estimate and the fits."""

    def __init__(self, name: str, est: Any, fits: list | None = None) -> None:
        self.name, self.est, self.fits = name, est, fits

    def __repr__(self) -> str:
        return f"Route({self.name!r})"

    @property
    def kind(self) -> str:
        """The noise found, in the words of the status line, Batch Details and the CLI."""
        if self.name == "photon":
            return "photon noise"
        if self.name == "jpeg_white":
            return "white noise in a JPEG"
        return self.est.kind


def white_luma(x: np.ndarray, est: Any) -> bool:
    """Correlated noise whose luma is white: white noise saved with 4:2:0 chroma (colour only)."""
    from .noise_estimate import estimate_sigma_awgn

    if x.ndim != 3 or x.shape[2] != 3 or min(x.shape[:2]) < 32 or est.level > JPEG_WHITE_MAX_LEVEL:
        return False
    h, w = x.shape[:2]
    c = _WHITE_LUMA_CROP  # the centre is plenty for a PCA level: 0.1 s, not 3 s, on a 24 MP photo
    x = x[max(0, (h - c) // 2) : (h + c) // 2, max(0, (w - c) // 2) : (w + c) // 2]
    y = x @ np.array([0.299, 0.587, 0.114], np.float32)
    luma = estimate_sigma_awgn(y[:, :, None])
    if luma < JPEG_WHITE_MIN_LUMA or luma < JPEG_WHITE_RATIO * est.level:
        return False
    h, w = y.shape[0] // 2 * 2, y.shape[1] // 2 * 2
    half = y[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    return 2.0 * estimate_sigma_awgn(half[:, :, None]) <= JPEG_WHITE_COARSE * luma


def choose_route(img: np.ndarray, mode: str = "auto") -> Route:
    """The route for an image (float in [0, 1], uint8 or uint16) under a noise mode."""
    from .noise import fit_channels
    from .noise.stabilised import unit_float
    from .noise_estimate import estimate_noise

    if mode not in NOISE_MODES:
        raise ValueError(f"noise must be one of {', '.join(NOISE_MODES)}, got {mode!r}")
    x = unit_float(img)
    est = estimate_noise(x)
    if mode == "gaussian":
        return Route("white", est)
    if mode == "camera":
        return Route("camera", est)
    if mode == "auto" and est.correlated:
        return Route("jpeg_white" if white_luma(x, est) else "camera", est)
    if mode == "auto" and est.pca < MIN_PHOTON_LEVEL:
        return Route("white", est)
    fits = fit_channels(x)
    usable = all(f is not None and f.a > 0 for f in fits)
    if mode == "poisson":
        if not usable:
            raise ValueError("no signal-dependent noise could be fitted in this image (too small, or no "
                             "smooth areas): choose another noise type")
        return Route("photon", est, fits)
    # Photon noise is white: only images the white-noise test passed get here.
    if usable and all(f.signal_dependent for f in fits):
        return Route("photon", est, fits)
    return Route("white", est)


class NoiseRoutedDenoiser:
    takes_sigma = True

    def __init__(self, white: Any, real: Any = None, *, id: str, name: str = "",  # noqa: A002 - the registry id
                 photon: Any = None) -> None:
        """``photon``: a network trained in the stabilised domain (card ``"input": "stabilised"``)
        for the photon route; without one the white-noise network runs there."""
        from .noise.stabilised import StabilisedDenoiser

        self.white, self.real, self.photon_net = white, real, photon
        self.photon = StabilisedDenoiser(photon if photon is not None else white)
        self.id, self.name = id, name or id
        self.noise = "auto"
        self.last_info: dict[str, Any] = {}

    def __repr__(self) -> str:
        return (f"NoiseRoutedDenoiser({self.id!r}, white={self.white!r}, real={self.real!r}, "
                f"photon={self.photon_net!r})")

    def _networks(self) -> tuple[Any, ...]:
        return tuple(d for d in (self.white, self.real, self.photon_net) if d is not None)

    # Settings apply to every network, so a switch between images never changes them.
    def set_ensemble(self, n: int) -> None:
        for d in self._networks():
            d.set_ensemble(n)

    def set_tile(self, tile: int | None) -> None:
        for d in self._networks():
            d.set_tile(tile)

    def set_noise(self, mode: str) -> None:
        if mode not in NOISE_MODES:
            raise ValueError(f"noise must be one of {', '.join(NOISE_MODES)}, got {mode!r}")
        self.noise = mode

    @property
    def ensemble(self) -> int:
        return self.white.ensemble

    @property
    def device(self):
        return self.white.device

    def sigma_note(self, sigma: float | None) -> str | None:
        return self.white.sigma_note(sigma)

    def choose(self, img: np.ndarray):
        """``(network, NoiseEstimate)`` for an image (float, uint8 or uint16; H×W or H×W×C)."""
        route = choose_route(img, self.noise)
        return self._network(route), route.est

    def _network(self, route: Route):
        if route.name == "photon":
            return self.photon
        if route.name == "camera" and self.real is not None:
            return self.real
        return self.white

    def plan(self, img: np.ndarray) -> tuple[Route, Any, float]:
        """The route, the network it runs and the level Auto gives that network (0–255)."""
        route = choose_route(img, self.noise)
        est = route.est
        level = est.pca if route.name == "white" and self.noise == "gaussian" else est.level
        return route, self._network(route), level

    def denoise(self, img: np.ndarray, sigma: float | None = None, strength: float = 1.0,
                progress: Progress = NOOP) -> np.ndarray:
        route, net, level = self.plan(img)
        est = route.est
        if route.name == "photon":
            scale = 1.0 if sigma is None or level <= 0 else float(sigma) / level
            out = net.denoise(img, strength=strength, progress=progress, fits=route.fits, level_scale=scale)
            info = dict(net.last_info)
            info.update(sigma_estimated=est.level if sigma is None else None, model_used=net.inner.id,
                        route="photon")
        else:
            out = net.denoise(img, sigma=level if sigma is None else sigma, strength=strength, progress=progress)
            info = dict(getattr(net, "last_info", {}) or {})
            info.update(sigma_estimated=level if sigma is None else None, model_used=net.id,
                        noise_kind=route.kind, route=route.name)
        self.last_info = info
        return out


def with_noise_mode(denoiser: Any, mode: str) -> Any:
    """``denoiser`` under a noise mode: a routed default gives a copy set to it (the app caches
    one denoiser per model for every tab, so the original is never changed); a single σ-aware
    network is wrapped for "poisson"; otherwise nothing changes. Raises ``ValueError`` where the
    mode cannot apply (photon noise for a blind network)."""
    if mode not in NOISE_MODES:
        raise ValueError(f"noise must be one of {', '.join(NOISE_MODES)}, got {mode!r}")
    if isinstance(denoiser, NoiseRoutedDenoiser):
        if denoiser.noise == mode:
            return denoiser
        view = copy.copy(denoiser)  # shares the networks; its own mode and last_info
        view.set_noise(mode)
        view.last_info = {}
        return view
    if mode == "poisson":
        if not getattr(denoiser, "takes_sigma", False):
            raise ValueError(f"{getattr(denoiser, 'id', 'this model')} does not take a noise level, so it "
                             "cannot run on stabilised photon noise: pick a σ-aware network")
        from .noise.stabilised import StabilisedDenoiser

        return StabilisedDenoiser(denoiser)
    return denoiser
