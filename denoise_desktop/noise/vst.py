"""Generalised Anscombe transform (GAT) and its exact unbiased inverse.

For z with variance a·E[z] + b (Poisson counts scaled by a, plus Gaussian noise of variance b),
``gat_forward`` gives values whose noise is close to Gaussian with standard deviation 1
(Murtagh, Starck & Bijaoui 1995). The algebraic inverse of the transform is biased — the
transform is concave, so E[f(z)] < f(E[z]) and a plain inverse darkens dim regions — so
``gat_inverse`` uses the closed-form approximation of the *exact unbiased* inverse of Mäkitalo &
Foi (IEEE TIP 2011 for Poisson, 2013 for Poisson–Gaussian): the denoised transform value D is
taken as an estimate of E[f(z) | signal] and mapped back to the signal whose expected transform
it is, which keeps the mean.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gat_forward", "gat_inverse", "gat_expected"]

_S32 = np.sqrt(1.5)


def gat_forward(z: np.ndarray, a: float, b: float) -> np.ndarray:
    """f(z) = 2·sqrt(z/a + 3/8 + b/a²), the argument floored at 0 (z on the scale a and b are on)."""
    if a <= 0:
        raise ValueError(f"GAT needs a > 0 (signal-dependent noise), got a = {a}")
    # float32 throughout: a 24 MP colour frame would need 0.6 GB more in float64, for digits
    # far below the noise
    y = np.asarray(z, dtype=np.float32) / np.float32(a)
    y += np.float32(0.375 + b / (a * a))
    np.maximum(y, 0.0, out=y)
    np.sqrt(y, out=y)
    y *= 2.0
    return y


def gat_inverse(d: np.ndarray, a: float, b: float) -> np.ndarray:
    """Exact unbiased inverse (closed form, Mäkitalo & Foi 2013, eq. 21), back on z's scale.

    I(D) = D²/4 + √(3/2)/4·D⁻¹ − 11/8·D⁻² + 5/8·√(3/2)·D⁻³ − 1/8 estimates E[y] + b/a² for the
    Poisson part y; below D = 1 the series is not valid and the result is the floor (zero counts).
    """
    if a <= 0:
        raise ValueError(f"GAT needs a > 0 (signal-dependent noise), got a = {a}")
    D = np.asarray(d, dtype=np.float32)
    r = 1.0 / np.maximum(D, np.float32(1.0))  # D⁻¹
    inv = ((np.float32(0.625 * _S32) * r - np.float32(1.375)) * r + np.float32(0.25 * _S32)) * r
    inv += np.float32(0.25) * D * D - np.float32(0.125)
    inv[~(D >= 1.0)] = 0.0
    np.maximum(inv, 0.0, out=inv)
    inv -= np.float32(b / (a * a))
    inv *= np.float32(a)
    return inv


def gat_expected(y: np.ndarray, a: float, b: float) -> np.ndarray:
    """E[f(z) | signal y]: the transformed value whose exact unbiased inverse is ``y`` (the
    inverse of :func:`gat_inverse`, tabulated). What a denoiser working on the transform should
    output, so that ``gat_inverse`` brings back the signal: the training target of networks that
    learn in the stabilised domain."""
    y = np.asarray(y, dtype=np.float32)
    top = float(gat_forward(np.array([max(float(y.max()), 0.0)]), a, b)[0]) + 8.0
    grid = np.linspace(0.0, top, 4096, dtype=np.float32)
    inv = np.maximum.accumulate(gat_inverse(grid, a, b).astype(np.float64))
    first = int(np.searchsorted(inv, inv[0], side="right")) - 1  # last D still at the floor
    return np.interp(y, inv[first:], grid[first:]).astype(np.float32)
