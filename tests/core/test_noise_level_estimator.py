"""The learned noise-level estimator: crop layout, safe loading with a PCA fallback, and (with
the bundled weights) levels that mean σ on white noise and on the same noise saved as JPEG."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from denoise_desktop import noise_estimate, noise_level_estimator as nle


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(nle, "_cache", {})
    return monkeypatch


def _photo(h: int = 256, w: int = 256, seed: int = 0) -> np.ndarray:
    """Smooth shapes and gradients: a clean 'photo' whose own texture does not look like noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([0.5 + 0.3 * np.sin(3 * x + 1), 0.4 + 0.3 * np.cos(2 * y), 0.3 + 0.4 * x * y], -1)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, 1, 3)
        img[(y - cy) ** 2 + (x - cx) ** 2 < (0.1 + 0.2 * r) ** 2] *= 0.7
    return img.astype(np.float32)


def _noisy8(clean: np.ndarray, sigma: float, seed: int = 1) -> np.ndarray:
    n = clean + np.random.default_rng(seed).normal(0, sigma / 255, clean.shape)
    return (np.clip(np.rint(n * 255), 0, 255) / 255).astype(np.float32)


def _jpeg420(img: np.ndarray, q: int = 90) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(np.uint8(np.rint(img * 255))).save(buf, "JPEG", quality=q, subsampling=2)
    buf.seek(0)
    return np.asarray(Image.open(buf), np.float32) / 255


def test_crops_cover_the_image_within_bounds_and_even_sizes():
    for h, w in [(8, 8), (9, 300), (127, 129), (1000, 700), (4000, 6000)]:
        cs = nle.crops(h, w)
        assert 1 <= len(cs) <= 16
        for y, x, ch, cw in cs:
            assert ch % 2 == 0 and cw % 2 == 0 and 0 <= y <= h - ch and 0 <= x <= w - cw
    ys = {y for y, *_ in nle.crops(4000, 6000)}
    assert min(ys) == 0 and max(ys) == 4000 - 128  # spread over the whole image


def test_missing_weights_fall_back_to_the_pca_estimate(fresh, tmp_path):
    fresh.setattr(nle, "weights_path", lambda: tmp_path / "none.safetensors")
    img = _noisy8(_photo(), 20)
    assert nle.estimate(img) is None and not nle.available()
    assert noise_estimate.estimate_sigma(img) == noise_estimate.estimate_sigma_awgn(img)


@pytest.mark.parametrize("payload", [b"", b"\x00" * 64, b"garbage that is not safetensors"])
def test_a_corrupt_weights_file_falls_back_with_a_warning(fresh, tmp_path, caplog, payload):
    bad = tmp_path / "noise_level.safetensors"
    bad.write_bytes(payload)
    fresh.setattr(nle, "weights_path", lambda: bad)
    with caplog.at_level("WARNING"):
        assert nle.estimate(_photo(64, 64)) is None
    assert "PCA" in caplog.text


def test_weights_of_another_shape_are_refused(fresh, tmp_path):
    import json

    import torch
    from safetensors.torch import save_file

    from denoise_desktop.models.noise_level import NoiseLevelNet

    net = NoiseLevelNet(features=8, layers=2)
    path = tmp_path / "noise_level.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path),
              metadata={"hparams": json.dumps({"features": 16, "layers": 2})})  # header lies
    fresh.setattr(nle, "weights_path", lambda: path)
    assert nle.estimate(_photo(64, 64)) is None
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path),
              metadata={"hparams": json.dumps({"features": 8, "layers": 2})})
    nle._cache.clear()
    assert isinstance(nle.estimate(_photo(64, 64)), float)
    assert torch.is_grad_enabled()


def test_small_and_odd_images(fresh, tmp_path):
    fresh.setattr(nle, "weights_path", lambda: tmp_path / "none.safetensors")
    with pytest.raises(ValueError, match="too small"):
        nle.estimate(np.zeros((4, 30, 3), np.float32))
    with pytest.raises(ValueError, match="1 or 3 channels"):
        nle.estimate(np.zeros((30, 30, 2), np.float32))


bundled = pytest.mark.skipif(not nle.weights_path().is_file(), reason="no bundled estimator weights")


@bundled
@pytest.mark.parametrize("sigma", [10, 25])
def test_auto_reads_sigma_on_white_noise_and_on_its_jpeg(fresh, sigma):
    clean = _photo(384, 384)
    png = _noisy8(clean, sigma)
    jpg = _jpeg420(png)
    # white noise: PCA and the network agree, and Auto takes the (more precise) PCA figure
    assert noise_estimate.estimate_sigma(png) == pytest.approx(sigma, rel=0.1)
    assert nle.estimate(png) == pytest.approx(sigma, rel=0.35)
    # the same pixels as a 4:2:0 JPEG: PCA reads far too low, the network still reads σ
    assert noise_estimate.estimate_sigma_awgn(jpg) < 0.6 * sigma
    assert noise_estimate.estimate_sigma(jpg) == pytest.approx(sigma, rel=0.3)


@bundled
def test_auto_on_gray_images_and_a_clean_image(fresh):
    clean = _photo(256, 256)
    gray = (clean @ np.array([0.299, 0.587, 0.114], np.float32))
    assert noise_estimate.estimate_sigma(_noisy8(gray, 20)) == pytest.approx(20, rel=0.1)
    assert nle.estimate(_noisy8(gray, 20)) == pytest.approx(20, rel=0.5)
    assert noise_estimate.estimate_sigma(np.round(clean * 255) / 255) < 4


def test_with_coarse_counts_the_half_scale_reading_for_weak_noise_only():
    wc = noise_estimate.with_coarse
    assert wc(3.0, 6.0) == 6.0  # camera-level noise: the half-scale reading counts fully
    assert wc(20.0, 30.0) == 20.0  # strong noise: as before
    mid = (noise_estimate.COARSE_FULL + noise_estimate.COARSE_NONE) / 2
    assert wc(mid, mid + 4) == pytest.approx(mid + 2)  # fading in between
    assert wc(3.0, None) == 3.0 and wc(5.0, 4.0) == 5.0  # missing or lower: never lowers the level


@bundled
def test_the_half_scale_reading_keeps_white_noise_and_sees_spread_out_noise(fresh):
    import cv2

    clean = _photo(384, 384)
    white = _noisy8(clean, 6)
    assert nle.estimate(white, scale=2) == pytest.approx(nle.estimate(white), rel=0.35)
    # the same RMS, spread over 3×3 neighbours (as in-camera noise reduction leaves it)
    noise = cv2.blur(np.random.default_rng(2).normal(0, 1, clean.shape).astype(np.float32), (3, 3))
    spread = np.clip(clean + noise / noise.std() * 6 / 255, 0, 1).astype(np.float32)
    assert nle.estimate(spread, scale=2) > 1.3 * nle.estimate(spread)
    est = noise_estimate.estimate_noise(_jpeg420(spread))
    assert est.correlated and est.coarse is not None
    assert est.level == noise_estimate.with_coarse(est.learned, est.coarse) > est.learned
    with pytest.raises(ValueError, match="need 16×16"):
        nle.estimate(np.zeros((12, 40, 3), np.float32), scale=2)


@bundled
def test_gray_camera_noise_is_read_at_half_scale_and_white_gray_noise_is_not(fresh):
    import cv2

    gray = (_photo(384, 384) @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    for sigma in (2, 4, 6, 10):  # white noise on a gray photo: PCA's level, as before
        est = noise_estimate.estimate_noise(_noisy8(gray, sigma))
        assert not est.correlated and est.level == est.pca
    # noise spread over 3×3 neighbours, as a camera's noise reduction leaves its luma: PCA reads
    # enough of it that the colour test calls it white ...
    noise = cv2.blur(np.random.default_rng(2).normal(0, 1, gray.shape[:2]).astype(np.float32), (3, 3))[..., None]
    spread = (np.clip(np.rint((gray + noise / noise.std() * 5 / 255) * 255), 0, 255) / 255).astype(np.float32)
    est = noise_estimate.estimate_noise(spread)
    assert est.pca >= noise_estimate.WHITE_AGREEMENT * est.learned
    # ... and the gray test sees it at half scale: the level the network needs, not PCA's third
    assert est.correlated and est.coarse is not None
    assert est.level == noise_estimate.with_coarse(est.learned, est.coarse) > 2 * est.pca
    assert est.level == pytest.approx(5, rel=0.5)
