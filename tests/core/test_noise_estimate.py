"""noise_estimate.estimate_sigma_awgn (the PCA estimate): σ (0–255 scale) of known added Gaussian noise on smooth and textured images."""

from __future__ import annotations

import numpy as np
import pytest

from denoise_desktop.noise_estimate import estimate_sigma_awgn as estimate_sigma


@pytest.mark.parametrize("sigma", [5, 15, 25, 50])
@pytest.mark.parametrize("channels", [1, 3])
def test_recovers_known_sigma(make_image, make_noisy, sigma, channels):
    clean = make_image(96, 96, channels, seed=channels)
    noisy, _ = make_noisy(clean, sigma, seed=sigma)
    est = estimate_sigma(noisy)
    assert est == pytest.approx(sigma, rel=0.15, abs=2.0)


def test_textured_image_does_not_fool_it(make_noisy):
    """Fine high-contrast texture is where Laplacian/wavelet estimators overshoot."""
    yy, xx = np.mgrid[0:96, 0:96]
    texture = 0.5 + 0.25 * np.sin(0.9 * xx) * np.sin(0.7 * yy) + 0.1 * np.sin(2.1 * xx + 1.3 * yy)
    clean = np.clip(texture, 0.1, 0.9)[:, :, None]
    noisy, _ = make_noisy(clean, 15, seed=3)
    assert estimate_sigma(noisy) == pytest.approx(15, rel=0.15)


def test_clean_image_gives_small_value(make_image):
    assert estimate_sigma(make_image(96, 96, 3)) < 2.0
    assert estimate_sigma(np.full((32, 32), 0.5)) == pytest.approx(0.0, abs=1e-6)


def test_accepts_2d_and_rejects_tiny_images(make_image, make_noisy):
    noisy, _ = make_noisy(make_image(64, 64, 1), 25)
    assert estimate_sigma(noisy[:, :, 0]) == pytest.approx(estimate_sigma(noisy))
    with pytest.raises(ValueError, match="too small"):
        estimate_sigma(np.zeros((4, 4, 3)))


def test_dark_photo_at_high_sigma(make_noisy):
    """Mostly near-black (noise clipped away there) with a small mid-tone area, like a night
    shot: the estimate must come from the few unclipped patches, not read σ low."""
    rng = np.random.default_rng(7)
    clean = np.full((256, 256, 3), 0.03)
    yy, xx = np.mgrid[0:64, 0:64]  # 6 % of the frame
    clean[20:84, 30:94] = (0.45 + 0.1 * np.sin(xx / 9.0) * np.cos(yy / 7.0))[:, :, None] + rng.uniform(-0.05, 0.05, 3)
    noisy, _ = make_noisy(clean, 50, seed=1)
    # all patches together read ~33; the few unclipped ones, biased low themselves, ~42
    assert estimate_sigma(noisy) == pytest.approx(50, rel=0.2)


@pytest.mark.parametrize("backend", ["numpy", "torch"])  # torch when the app has loaded it
@pytest.mark.parametrize("bright", [0.45, 0.85])  # most patches kept / most dropped near white
def test_gram_shortcut_matches_the_plain_covariance(make_noisy, monkeypatch, bright, backend):
    """The estimate re-uses one float32 Gram matrix (less the dropped patches' one): it must
    equal the eigen-analysis of the float64 covariance of exactly the patches kept."""
    import sys

    from denoise_desktop import noise_estimate as ne

    if backend == "torch":
        pytest.importorskip("torch")
    else:
        monkeypatch.setitem(sys.modules, "torch", None)

    yy, xx = np.mgrid[0:80, 0:80]
    clean = np.clip(bright + 0.12 * np.sin(xx / 6.0) * np.cos(yy / 9.0), 0, 1)[:, :, None]
    clean = np.concatenate([clean, np.clip(clean * 0.2 + 0.9, 0, 1)[:, ::-1]], axis=1)  # a white band
    noisy, _ = make_noisy(clean, 30, seed=2)
    win = np.lib.stride_tricks.sliding_window_view(noisy.astype(np.float32), (8, 8), axis=(0, 1))
    p = win.reshape(-1, 64).astype(np.float64)

    def plain(patches):  # numpy's eigvalsh on the float64 covariance, whatever the backend
        c = patches - patches.mean(axis=0)
        return ne._tail_sigma(np.linalg.eigvalsh(c.T @ c / len(c)))

    first = plain(p)
    means = p.mean(axis=1)
    inside = (means > 2 * first) & (means < 1 - 2 * first)
    assert 0 < inside.sum() < len(p)  # the test image does exercise the second pass
    assert estimate_sigma(noisy) == pytest.approx(plain(p[inside]) * 255, rel=1e-4)
