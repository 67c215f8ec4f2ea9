"""metrics: PSNR/MSE/MAE by definition, SSIM against scikit-image's reference implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from denoise_desktop import metrics
from denoise_desktop.metrics import all_metrics, mae, mse, psnr, ssim


def test_mse_mae_psnr_follow_their_definitions():
    a = np.zeros((4, 5, 3), np.float32)
    b = a + 0.1
    assert mse(a, b) == pytest.approx(0.01)
    assert mae(a, b) == pytest.approx(0.1)
    assert psnr(a, b) == pytest.approx(20.0)  # 10·log10(1 / 0.01)
    assert psnr(a, a) == math.inf


def test_integer_inputs_use_their_dtype_range():
    rng = np.random.default_rng(0)
    clean = rng.random((32, 32, 3))
    noisy = np.clip(clean + rng.normal(0, 0.05, clean.shape), 0, 1)
    ref = psnr(clean, noisy)
    for dtype, top in ((np.uint8, 255), (np.uint16, 65535)):
        c8 = np.rint(clean * top).astype(dtype)
        n8 = np.rint(noisy * top).astype(dtype)
        assert psnr(c8, n8) == pytest.approx(ref, abs=0.2 if top == 255 else 0.01)
        assert psnr(c8, n8, data_range=top) == pytest.approx(psnr(c8, n8))
        assert ssim(c8, n8) == pytest.approx(ssim(clean, noisy), abs=5e-3)
    # no silent wrap-around for unsigned integers
    assert mse(np.array([0], np.uint8), np.array([255], np.uint8)) == 255**2


@pytest.mark.parametrize("shape", [(40, 37), (40, 37, 1), (33, 45, 3)])
def test_ssim_matches_scikit_image(shape, make_image):
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(1)
    h, w = shape[:2]
    c = shape[2] if len(shape) == 3 else 1
    clean = make_image(h, w, c, np.float64).reshape(shape)
    noisy = np.clip(clean + rng.normal(0, 0.08, clean.shape), 0, 1)
    for data_range in (1.0, 2.0):
        ours = ssim(clean, noisy, data_range=data_range)
        kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=data_range)
        if len(shape) == 3:
            kw["channel_axis"] = -1
        ref = skm.structural_similarity(clean, noisy, **kw)
        assert ours == pytest.approx(ref, abs=1e-4)


def test_ssim_orders_quality_and_rejects_bad_shapes(make_image):
    clean = make_image(32, 32, 3)
    rng = np.random.default_rng(2)
    light = np.clip(clean + rng.normal(0, 0.02, clean.shape), 0, 1)
    heavy = np.clip(clean + rng.normal(0, 0.2, clean.shape), 0, 1)
    assert ssim(clean, clean) == pytest.approx(1.0)
    assert 1.0 > ssim(clean, light) > ssim(clean, heavy)
    with pytest.raises(ValueError, match="shape"):
        ssim(clean, clean[:, :, :1])
    with pytest.raises(ValueError, match="at least"):
        ssim(clean[:5, :5], clean[:5, :5])


def test_all_metrics_keys_and_consistency(make_image):
    clean = make_image(24, 24, 1)
    test = np.clip(clean + 0.05, 0, 1)
    m = all_metrics(clean, test)
    assert set(m) == {"psnr", "ssim", "mse", "mae"}
    assert m["psnr"] == pytest.approx(psnr(clean, test))
    assert m["mse"] == pytest.approx(mse(clean, test)) and m["mae"] == pytest.approx(mae(clean, test))
    tiny = all_metrics(clean[:4, :4], test[:4, :4])
    assert math.isnan(tiny["ssim"]) and tiny["psnr"] == pytest.approx(psnr(clean[:4, :4], test[:4, :4]))


def test_same_scene_tells_a_noisy_version_from_another_picture():
    import cv2

    rng = np.random.default_rng(3)
    clean = cv2.GaussianBlur(rng.random((120, 160, 3)).astype(np.float32), (0, 0), 12)
    clean = (clean - clean.min()) / (clean.max() - clean.min())
    noisy = np.clip(clean + rng.normal(0, 100 / 255, clean.shape), 0, 1).astype(np.float32)
    assert metrics.scene_correlation(clean, noisy) > 0.9
    assert metrics.same_scene(clean, noisy)
    # bit depth and scale do not matter, the picture does
    assert metrics.same_scene((clean * 65535).astype(np.uint16), (noisy * 255).astype(np.uint8))
    other = np.ascontiguousarray(clean[::-1, ::-1])
    assert metrics.scene_correlation(clean, other) < 0.5
    assert not metrics.same_scene(clean, other)
    assert not metrics.same_scene(clean, clean[:, :100])  # another size
    flat = np.full((40, 40), 0.5, np.float32)
    assert metrics.same_scene(flat, flat.copy()) and not metrics.same_scene(flat, flat + 0.3)
