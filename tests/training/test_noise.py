import numpy as np
import pytest

from training.config import NoiseConfig
from training.noise import NOISE, make_noise, quantize_8bit


def _flat(value: float = 0.5, size: int = 256, c: int = 1) -> np.ndarray:
    return np.full((size, size, c), value, np.float32)


def test_gaussian_residual_has_sigma_std() -> None:
    clean = _flat()
    noisy, level = NOISE["gaussian"](clean, np.random.default_rng(1), sigma=25.0)
    r = noisy - clean
    assert level == pytest.approx(25 / 255)
    assert abs(r.mean()) < 0.003
    assert r.std() == pytest.approx(25 / 255, rel=0.02)


def test_blind_sigma_is_drawn_from_the_range_and_reported() -> None:
    rng = np.random.default_rng(2)
    clean = _flat(size=128)
    levels = []
    for _ in range(20):
        noisy, level = NOISE["gaussian"](clean, rng, sigma=[5, 50])
        assert 5 / 255 <= level <= 50 / 255
        assert (noisy - clean).std() == pytest.approx(level, rel=0.05)
        levels.append(level)
    assert np.std(levels) > 0.01  # really varies per sample


def test_salt_and_pepper_fraction() -> None:
    clean = _flat()
    noisy, _ = NOISE["salt_and_pepper"](clean, np.random.default_rng(3), amount=0.1, salt_ratio=0.3)
    salt, pepper = (noisy == 1).mean(), (noisy == 0).mean()
    assert salt + pepper == pytest.approx(0.1, abs=0.005)
    assert salt / (salt + pepper) == pytest.approx(0.3, abs=0.03)


@pytest.mark.parametrize("mean", [0.2, 0.8])
def test_poisson_variance_is_mean_times_scale(mean: float) -> None:
    clean = _flat(mean)
    noisy, _ = NOISE["poisson"](clean, np.random.default_rng(4), scale=0.01)
    assert noisy.mean() == pytest.approx(mean, rel=0.01)
    assert noisy.var() == pytest.approx(mean * 0.01, rel=0.05)


def test_speckle_grows_with_intensity() -> None:
    rng = np.random.default_rng(5)
    dark, _ = NOISE["speckle"](_flat(0.1), rng, sigma=25.0)
    bright, _ = NOISE["speckle"](_flat(0.8), rng, sigma=25.0)
    assert (bright - 0.8).std() == pytest.approx(8 * (dark - 0.1).std(), rel=0.05)


def test_camera_noise_with_jpeg_stays_in_range_and_is_signal_dependent() -> None:
    rng = np.random.default_rng(6)
    clean = np.concatenate([_flat(0.1, 128, 3), _flat(0.9, 128, 3)], axis=1)
    noisy, level = NOISE["camera"](clean, rng, sigma=2.0, scale=0.004, jpeg_quality=[70, 90])
    assert noisy.shape == clean.shape and noisy.min() >= 0 and noisy.max() <= 1
    assert (noisy[:, 128:] - 0.9).std() > (noisy[:, :128] - 0.1).std()
    assert level > 0


def test_quantize_8bit_and_seeded_reproducibility() -> None:
    cfg = NoiseConfig(kind="gaussian", sigma=[0, 55], quantize_8bit=True)
    fn = make_noise(cfg)
    clean = _flat(size=32)
    a, la = fn(clean, np.random.default_rng(7))
    b, lb = fn(clean, np.random.default_rng(7))
    c, _ = fn(clean, np.random.default_rng(8))
    assert np.array_equal(a, b) and la == lb
    assert not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1
    assert np.allclose(a * 255, np.rint(a * 255), atol=1e-4)
    assert np.array_equal(quantize_8bit(a), a)
