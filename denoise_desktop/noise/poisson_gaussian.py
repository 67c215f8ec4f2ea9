"""Fit signal-dependent noise, variance = a·signal + b, from one image.

The idea is Foi et al. 2008 ("Practical Poissonian-Gaussian noise modeling and fitting for
single-image raw-data"): in smooth parts of an image the finest-scale wavelet detail is noise
alone, and its variance against the local mean traces the noise model. Here:

1. non-overlapping 2×2 blocks give a Haar diagonal detail (x₀₀ − x₀₁ − x₁₀ + x₁₁)/2, whose
   variance is exactly the pixels' noise variance, and a block mean;
2. blocks are sorted by their level — the mean of the 8 neighbouring blocks, so the abscissa is
   nearly noise-free and independent of the block's own noise — into equal-count level sets;
3. in each set the variance (trimmed at 3σ; not the MAD, which reads 0 on 8-bit frames whose
   dark details are mostly exactly 0) is measured on the 30 % flattest blocks: those whose mean
   differs least from their neighbours'. For Gaussian noise the block mean and the diagonal
   detail are independent, so choosing by flatness does not bias the variance, while texture
   that raises both is left out. Fine texture that leaves block means alone still reads as
   noise: on a half-size Bayer plane of a textured photo with little noise the fit over-reads
   10–20× (``benchmarks/raw_mosaic.py``); on noise-dominated frames it is within 10 %;
4. sets where more than 20 % of the blocks touch black or the ceiling (clipping shrinks the
   variance there: a clipped Gaussian would look signal-dependent) are left out, and a line
   var = a·μ + b goes through the rest by least squares, reweighted with the fitted variance
   (a variance estimate's spread grows with it).

All values on the [0, 1] scale of the image (8- or 16-bit divided by its maximum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PoissonGaussianFit", "fit_poisson_gaussian", "fit_channels", "fit_mosaic", "SIGNAL_DEPENDENT_RATIO",
           "SMOOTH_SHARE"]

_MIN_BLOCKS = 64  # per level set
_MAX_SETS = 24
_CROP, _CROPS = 512, 16  # big images are fitted on this many crops of this size
_PILE = 1.0  # percent of pixels at or above the ceiling value read as saturated
_CLIPPED_SHARE = 0.2  # a level set with more blocks touching the floor or ceiling is left out
_ROUNDING = 1.0 / (12 * 255**2)
_FLATTEST = 0.3  # share of each level set's blocks (the flattest) its variance is measured on
_TRIM = 3.0  # trim at 3 deviations; a Gaussian keeps 0.9733 of its variance inside ±3σ
_TRIM_GAIN = 0.9733
# Variance at the bright end (90th percentile of the smooth blocks' levels) over the variance at
# the dark end (10th): white noise stays near 1, photon noise on microscopy frames reads 3–60.
SIGNAL_DEPENDENT_RATIO = 2.0
SMOOTH_SHARE = 0.85


@dataclass(frozen=True)
class PoissonGaussianFit:
    a: float  # variance per unit of signal ([0, 1] scale): the photon-noise gain
    b: float  # variance at zero signal: read noise (negative with a dark offset)
    lo: float  # the levels the fit saw (10th and 90th percentile of smooth blocks)
    hi: float
    sets: int  # level sets used in the fit
    blocks: int  # smooth 2×2 blocks behind it
    smooth: float = 1.0  # their share of all blocks: noise-dominated images ≥ 0.9

    def variance(self, level: float | np.ndarray) -> float | np.ndarray:
        return self.a * np.asarray(level) + self.b

    @property
    def ratio(self) -> float:
        """Noise variance at the bright end over the dark end of the image's own levels."""
        v_lo, v_hi = self.variance(self.lo), self.variance(self.hi)
        return float(v_hi / v_lo) if v_lo > 0 else float("inf")

    @property
    def signal_dependent(self) -> bool:
        """The variance clearly grows with the signal, in an image the fit explains: where most
        blocks look like the fitted noise. On textured photos with weak white noise the line
        also rises (texture leaks into bright level sets), but only 40–83 % of the blocks are
        smooth there; photon-limited frames are noise-dominated (FMDD 90–98 %, synthetic 90–99 %)."""
        return (self.a > 0 and self.sets >= 3 and self.ratio >= SIGNAL_DEPENDENT_RATIO
                and self.smooth >= SMOOTH_SHARE)

    def describe(self, top: float = 255.0) -> str:
        """"a 0.81, b 1.9" on the 0–``top`` scale (variance = a·level + b in those units)."""
        return f"a {self.a * top:.3g}, b {self.b * top * top:.3g}"

    def to_dict(self, top: float = 255.0) -> dict[str, float]:
        return {"a": self.a * top, "b": self.b * top * top, "scale": top}


def _crops(z: np.ndarray) -> list[np.ndarray]:
    """The whole image, or for big ones ``_CROPS`` evenly spread crops of ``_CROP``² (even
    offsets, so the 2×2 blocks stay aligned): 4 MP say as much about the noise as 24 MP, in a
    sixth of the time (a 24 MP colour photo took 4 s to fit whole)."""
    h, w = z.shape
    if h * w <= _CROPS * _CROP * _CROP * 1.5:
        return [z]
    n = int(np.sqrt(_CROPS))
    ys = np.linspace(0, h - _CROP, n).astype(int) // 2 * 2
    xs = np.linspace(0, w - _CROP, n).astype(int) // 2 * 2
    return [z[y : y + _CROP, x : x + _CROP] for y in ys for x in xs]


def _block_stats(z: np.ndarray, ceil: float) -> tuple[np.ndarray, ...]:
    """Per 2×2 block, flattened: detail, level (from the 8 neighbouring blocks, not the block
    itself: at low photon counts a level read from its own pixels selects blocks whose noise
    happened to be low for the dark sets), flatness (the block mean's deviation from its
    neighbours', a Laplacian) and whether it touches black or the ceiling."""
    d, m, clipped = _blocks(z, ceil)
    mu = (9.0 * _box3(m) - m) / 8.0
    lap = np.abs(m - mu)
    return d.ravel(), mu.ravel(), lap.ravel(), clipped.ravel()


def _blocks(z: np.ndarray, ceil: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Haar diagonal detail, block mean, and whether a block touches black or the ceiling.

    Only black (0) counts as a clipping floor: microscopy frames pile up at a dark offset instead
    (FMDD: 12–43 % of the pixels at exactly 3 of 255), and there the pile is zero photon counts —
    data the fit needs, not clipped noise. The ceiling is read from the data (the value 1 % of
    the pixels are at or above, or 1), since saturation is often below the format's maximum."""
    floor = 0.0
    h, w = (z.shape[0] // 2) * 2, (z.shape[1] // 2) * 2
    q = z[:h, :w]
    x00, x01, x10, x11 = q[0::2, 0::2], q[0::2, 1::2], q[1::2, 0::2], q[1::2, 1::2]
    lo = np.minimum(np.minimum(x00, x01), np.minimum(x10, x11))
    hi = np.maximum(np.maximum(x00, x01), np.maximum(x10, x11))
    return (x00 - x01 - x10 + x11) * 0.5, (x00 + x01 + x10 + x11) * 0.25, (lo <= floor) | (hi >= ceil)


def _box3(m: np.ndarray) -> np.ndarray:
    p = np.pad(m, 1, mode="edge")
    s = sum(p[i : i + m.shape[0], j : j + m.shape[1]] for i in range(3) for j in range(3))
    return s / 9.0


def _level_sets(mu: np.ndarray, d: np.ndarray, clipped: np.ndarray, lap: np.ndarray) -> tuple[np.ndarray, ...]:
    """(mean level, robust variance, count, share of clipped blocks) per equal-count level set,
    the variance measured on the set's flattest blocks (lowest ``lap``; see the module notes)."""
    n = mu.size
    k = int(min(_MAX_SETS, n // _MIN_BLOCKS))
    if k < 1:
        return np.empty(0), np.empty(0), np.empty(0), np.empty(0)
    order = np.argsort(mu, kind="stable")
    means, vars_, counts, clip = [], [], [], []
    for part in np.array_split(order, k):
        flat = part[lap[part] <= np.quantile(lap[part], _FLATTEST)]
        means.append(float(mu[flat].mean()))
        vars_.append(_robust_var(d[flat]))
        counts.append(flat.size)
        clip.append(float(clipped[part].mean()))
    return np.asarray(means), np.asarray(vars_), np.asarray(counts, dtype=np.float64), np.asarray(clip)


def _robust_var(d: np.ndarray) -> float:
    """Variance of zero-mean noise samples, trimmed at 3 deviations (edges left in a level set
    would dominate a plain mean of squares). Not the MAD: 8-bit microscopy frames have so little
    noise in the dark that most details are exactly 0 and the median absolute value is 0 too."""
    sq = d.astype(np.float64) ** 2
    v = float(sq.mean())
    for _ in range(6):
        inside = sq <= _TRIM**2 * v
        if not inside.any():
            break
        v_new = float(sq[inside].mean()) / _TRIM_GAIN
        if abs(v_new - v) <= 1e-4 * v:
            v = v_new
            break
        v = v_new
    return v


def _line(mu: np.ndarray, var: np.ndarray, n: np.ndarray, nonneg_b: bool = False) -> tuple[float, float]:
    """Weighted least squares var = a·μ + b, reweighted by the fitted variance (a variance
    estimate's spread is ∝ var/√n). Weights from the *measured* variances would let the darkest
    sets — near a dark offset their variance reads almost 0 — pull the line flat."""
    pred = var + np.median(var)  # tempered first weights
    a = b = 0.0
    for _ in range(4):
        wts = n / np.maximum(pred, _ROUNDING) ** 2
        A = np.stack([mu, np.ones_like(mu)], axis=1) * np.sqrt(wts)[:, None]
        (a, b), *_ = np.linalg.lstsq(A, var * np.sqrt(wts), rcond=None)
        if a < 0:  # no growth with the signal: white noise, b the (weighted) mean variance
            return 0.0, float(np.sum(wts * var) / np.sum(wts))
        if nonneg_b and b < 0:  # through the origin: read noise cannot be negative
            a, b = float(np.sum(wts * var * mu) / np.sum(wts * mu * mu)), 0.0
        pred = np.maximum(a * mu + b, 0.05 * np.median(var))
    return float(a), float(b)


def fit_poisson_gaussian(img: np.ndarray) -> PoissonGaussianFit | None:
    """Fit ``var = a·level + b`` to a gray image (float in [0, 1], H×W); None when the image is
    too small or too busy to have enough smooth blocks."""
    z = np.asarray(img, dtype=np.float32)
    if z.ndim == 3:
        if z.shape[2] != 1:
            raise ValueError("fit_poisson_gaussian takes one channel; use fit_channels for colour")
        z = z[:, :, 0]
    if min(z.shape) < 16:
        return None
    ceil = _ceiling(z)
    return _fit([_block_stats(c, ceil) for c in _crops(z)])


def fit_mosaic(mosaic: np.ndarray, greens: tuple[tuple[int, int], tuple[int, int]] = ((0, 1), (1, 0))
               ) -> PoissonGaussianFit | None:
    """Fit ``var = a·level + b`` to a raw Bayer mosaic (float H×W, black subtracted, [0, 1]).

    On the mosaic every photosite has the same noise law in raw units, whatever its colour, and
    each 2×2 cell holds two greens one pixel apart diagonally (``greens``: their offsets; the
    default is RGGB's and BGGR's, GRBG/GBRG have theirs at (0, 0) and (1, 1)). Their difference
    (g₁ − g₂)/√2 has exactly the noise variance at the cell's green level, and texture leaks into
    it far less than into the Haar detail of a half-size colour plane, where neighbours lie two
    pixels apart (a per-plane fit over-read a textured RAW's noise 10–20×)."""
    z = np.asarray(mosaic, dtype=np.float32)
    if z.ndim != 2 or min(z.shape) < 32:
        return None
    ceil = _ceiling(z)
    floor = _floor_pile(z)
    (i1, j1), (i2, j2) = greens
    others = [(i, j) for i in range(2) for j in range(2) if (i, j) not in greens]
    parts = []
    for c in _crops(z):
        h, w = c.shape[0] // 2 * 2, c.shape[1] // 2 * 2
        g1, g2 = c[i1:h:2, j1:w:2], c[i2:h:2, j2:w:2]
        m = (g1 + g2) * 0.5
        mu = (9.0 * _box3(m) - m) / 8.0
        # Flatness: the green mean against its neighbours, and the local gradients of the red and
        # blue planes and of the green mean (texture shows in every colour; their noise is
        # independent of the green difference measured, so choosing by it does not bias it).
        flat = np.abs(m - mu) + sum(_gradient(p) for p in (m, *(c[i:h:2, j:w:2] for i, j in others)))
        clipped = (np.minimum(g1, g2) <= floor) | (np.maximum(g1, g2) >= ceil)
        parts.append(((g1 - g2).ravel() * np.float32(np.sqrt(0.5)), mu.ravel(), flat.ravel(), clipped.ravel()))
    # b ≥ 0: on a raw mosaic nothing is offset below black, and a negative b (texture raising
    # the bright sets' variance) would fold the transform's dark end to zero.
    return _fit(parts, flat_noise=0.5, nonneg_b=True)


def _gradient(p: np.ndarray) -> np.ndarray:
    """Local absolute gradient (right and down differences, averaged over 3×3)."""
    gx = np.abs(np.diff(p, axis=1, append=p[:, -1:]))
    gy = np.abs(np.diff(p, axis=0, append=p[-1:, :]))
    return _box3(gx + gy)


def _floor_pile(z: np.ndarray) -> float:
    """Where a raw mosaic is clipped at the bottom: its minimum, if ≥ 1 % of the photosites sit
    there (the ADC's zero below black); else nowhere. Values below black are read noise, not
    clipping: a black-subtracted mosaic is signed."""
    sample = z[:: max(1, z.shape[0] // 512), :: max(1, z.shape[1] // 512)]
    lo = float(sample.min())
    return lo if np.mean(sample <= lo) >= _PILE / 100 else -np.inf


def _ceiling(z: np.ndarray) -> float:
    return min(float(np.percentile(z[:: max(1, z.shape[0] // 512), :: max(1, z.shape[1] // 512)],
                                   100 - _PILE)), 1.0)


def _fit(parts: list[tuple[np.ndarray, ...]], flat_noise: float = 0.25, nonneg_b: bool = False
         ) -> PoissonGaussianFit | None:
    """The line through the level sets of (detail, level, flatness, clipped) block statistics.
    ``flat_noise``: the variance of a block mean's noise over the pixels' (¼ for a 2×2 mean)."""
    d, mu, lap, clipped = (np.concatenate([p[k] for p in parts]) for k in range(4))
    means, vars_, counts, clip = _level_sets(mu, d, clipped, lap)
    # Sets where clipping at black or the ceiling shrinks the variance are left out: there a
    # clipped Gaussian would look signal-dependent.
    inside = clip <= _CLIPPED_SHARE
    if np.count_nonzero(inside) < 2:
        return None
    a, b = _line(means[inside], vars_[inside], counts[inside], nonneg_b)
    # How much of the image the fitted noise explains: |m − neighbours| of flat noise stays
    # below ~3 deviations of the block mean's noise nearly always; larger is structure.
    # Floored at the smallest variance measured (a dark offset makes b negative) and at 8-bit
    # rounding's 1/12 level².
    floor = max(float(vars_[inside].min()), _ROUNDING)
    keep = lap <= 3.0 * np.sqrt(flat_noise * np.maximum(a * mu + b, floor))
    usable = keep & ~clipped
    pick = usable if usable.any() else keep if keep.any() else ~clipped if (~clipped).any() else slice(None)
    lo, hi = (float(v) for v in np.percentile(mu[pick], [10, 90]))
    return PoissonGaussianFit(a=a, b=b, lo=lo, hi=hi, sets=int(np.count_nonzero(inside)),
                              blocks=int(np.count_nonzero(keep)), smooth=float(keep.mean()))


def fit_channels(img: np.ndarray) -> list[PoissonGaussianFit | None]:
    """One fit per channel (colour images, or the four planes of a Bayer mosaic)."""
    z = np.asarray(img)
    if z.ndim == 2:
        return [fit_poisson_gaussian(z)]
    return [fit_poisson_gaussian(z[:, :, c]) for c in range(z.shape[2])]
