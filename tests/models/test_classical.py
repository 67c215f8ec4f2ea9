"""Classical baselines: the Denoiser protocol, σ handling, strength, 16-bit precision, strips."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from denoise_desktop.models import classical
from denoise_desktop.progress import CancelToken, Cancelled, Progress

ALWAYS = ["nlm", "bilateral", "median", "gaussian"]


def smooth_image(h: int, w: int, c: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.5 + 0.3 * np.sin(xx / 9.0) * np.cos(yy / 7.0)
    return np.stack([base * (0.8 + 0.1 * k) for k in range(c)], axis=2).astype(np.float32)


def noisy(clean: np.ndarray, sigma255: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(clean + rng.normal(0, sigma255 / 255, clean.shape), 0, 1).astype(np.float32)


def mse(a, b) -> float:
    return float(np.mean((a.astype(np.float64) - b) ** 2))


@pytest.mark.parametrize("c", [1, 3])
@pytest.mark.parametrize("did", ALWAYS)
def test_protocol_and_denoising(did, c):
    dn = classical.get_classical(did)
    assert dn.id == did and dn.takes_sigma and dn.channels == (1, 3) and dn.available()
    clean = smooth_image(37, 53, c)
    x = noisy(clean, 25)
    out = dn.denoise(x, sigma=25)
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert mse(out, clean) < 0.5 * mse(x, clean)  # removes at least half the noise power


def test_two_dimensional_and_integer_input():
    dn = classical.get_classical("gaussian")
    clean = smooth_image(20, 24, 1)
    x = noisy(clean, 10)
    out2d = dn.denoise(x[:, :, 0], sigma=10)
    assert out2d.shape == (20, 24)
    out_u8 = dn.denoise(np.rint(x * 255).astype(np.uint8), sigma=10)
    assert out_u8.dtype == np.float32 and np.abs(out_u8[:, :, 0] - out2d).max() < 3 / 255


def test_sigma_none_uses_the_estimator(monkeypatch):
    from denoise_desktop import noise_estimate

    calls = []
    monkeypatch.setattr(noise_estimate, "estimate_sigma", lambda img: calls.append(img.shape) or 20.0)
    x = noisy(smooth_image(30, 30, 3), 20)
    dn = classical.get_classical("bilateral")
    out = dn.denoise(x)
    assert calls == [(30, 30, 3)]
    np.testing.assert_array_equal(out, dn.denoise(x, sigma=20.0))


def test_strength_and_zero_sigma():
    dn = classical.get_classical("median")
    x = noisy(smooth_image(25, 31, 1), 30)
    np.testing.assert_array_equal(dn.denoise(x, sigma=30, strength=0.0), x)
    np.testing.assert_array_equal(dn.denoise(x, sigma=0), x)
    full = dn.denoise(x, sigma=30)
    half = dn.denoise(x, sigma=30, strength=0.5)
    np.testing.assert_allclose(half, 0.5 * (full + x), atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"sigma": -1}, {"sigma": float("nan")}, {"strength": 1.5}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        classical.get_classical("gaussian").denoise(np.zeros((8, 8, 1), np.float32), **{"sigma": 10, **kwargs})


def test_bad_shape():
    with pytest.raises(ValueError, match="1 or 3 channels"):
        classical.get_classical("nlm").denoise(np.zeros((8, 8, 4), np.float32), sigma=10)


@pytest.mark.parametrize("c", [1, 3])
def test_nlm_strips_match_one_call(monkeypatch, c):
    x = noisy(smooth_image(90, 40, c), 25)
    whole = classical.get_classical("nlm").denoise(x, sigma=25)
    monkeypatch.setattr(classical, "STRIP_ROWS", 16)  # 90 rows → 6 strips with context
    seen = []
    striped = classical.get_classical("nlm").denoise(x, sigma=25, progress=Progress(lambda f, m: seen.append(f)))
    np.testing.assert_array_equal(striped, whole)
    assert len(seen) >= 6 and seen == sorted(seen)


def test_nlm_cancel_between_strips(monkeypatch):
    monkeypatch.setattr(classical, "STRIP_ROWS", 16)
    token = CancelToken()
    progress = Progress(lambda f, m: token.cancel() if f > 0.3 else None, token)
    with pytest.raises(Cancelled):
        classical.get_classical("nlm").denoise(noisy(smooth_image(90, 40, 1), 25), sigma=25, progress=progress)


def test_nlm_keeps_high_bit_depth_precision():
    """A dim 16-bit ramp spans 2 of 255 8-bit levels: plain 8-bit NLM would flatten it."""
    h, w = 48, 64
    clean = (0.1 + 0.002 * np.tile(np.linspace(0, 1, w, dtype=np.float32), (h, 1)))[:, :, None]
    rng = np.random.default_rng(1)
    x = (clean + rng.normal(0, 0.0002, clean.shape)).astype(np.float32)  # σ ≈ 0.05 on 0–255
    out = classical.get_classical("nlm").denoise(x, sigma=0.05)
    err_in, err_out = np.abs(x - clean).mean(), np.abs(out - clean).mean()
    assert err_out < 0.6 * err_in
    assert len(np.unique(out)) > 256  # not collapsed to 8-bit levels


def test_bm3d_unavailable_without_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "bm3d", None)
    assert not classical.get_classical("bm3d").available()
    from denoise_desktop import registry

    assert "bm3d" not in [e.id for e in registry.list_models()]


@pytest.mark.parametrize("c", [1, 3])
def test_bm3d_when_installed(c):
    pytest.importorskip("bm3d", reason="optional 'bm3d' package not installed")
    clean = smooth_image(32, 32, c)
    x = noisy(clean, 25)
    out = classical.get_classical("bm3d").denoise(x, sigma=25)
    assert out.shape == x.shape and mse(out, clean) < 0.5 * mse(x, clean)


def test_unknown_id():
    with pytest.raises(KeyError, match="unknown classical denoiser"):
        classical.get_classical("wiener9")
