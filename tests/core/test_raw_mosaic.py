"""Camera RAW on the mosaic: the fit on the greens, the mosaic network's path (pattern alignment,
odd sizes, one pass), synthetic RAW for training, and the registry's mosaic flag."""

from __future__ import annotations

import numpy as np
import pytest

from denoise_desktop.noise.poisson_gaussian import PoissonGaussianFit, fit_mosaic
from denoise_desktop.noise.vst import gat_expected, gat_forward, gat_inverse
from denoise_desktop.raw_mosaic import denoise_bayer, is_mosaic_network, pattern_name

CELL = {"RGGB": ("R", "G", "G", "B"), "BGGR": ("B", "G", "G", "R"), "GRBG": ("G", "R", "B", "G"),
        "GBRG": ("G", "B", "R", "G")}
LEVEL = {"R": 0.45, "G": 0.25, "B": 0.1}


def _mosaic(pattern: str, h: int, w: int, ramp: bool = True) -> np.ndarray:
    """A smooth scene sampled through ``pattern``: each colour at its own level (R > G > B)."""
    yy, xx = np.mgrid[0:h, 0:w]
    base = 0.6 + 0.8 * xx / w if ramp else np.ones((h, w))
    m = np.empty((h, w), np.float32)
    for k, (i, j) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        m[i::2, j::2] = (LEVEL[CELL[pattern][k]] * base)[i::2, j::2]
    return m


def _noisy(clean: np.ndarray, a: float, b: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.poisson(clean / a) * a + rng.normal(0.0, np.sqrt(b), clean.shape)).astype(np.float32)


class _MosaicNet:
    """Stands in for a mosaic network: records what it saw and returns it unchanged."""

    id, takes_sigma, input_kind = "mosaic", True, "raw_mosaic"

    def __init__(self, ensemble: int = 1) -> None:
        self.ensemble, self.seen, self.levels, self.passes = ensemble, [], [], []

    def set_ensemble(self, n: int) -> None:
        self.ensemble = n

    def denoise(self, img, sigma=None, strength=1.0, progress=None):
        self.seen.append(np.array(img))
        self.levels.append(sigma)
        self.passes.append(self.ensemble)
        return np.asarray(img, np.float32)


def test_gat_expected_is_the_inverse_of_the_unbiased_inverse():
    y = np.linspace(0.0, 1.0, 101, dtype=np.float32)
    for a, b in ((1e-4, 1e-7), (0.016, 6e-4), (0.004, 0.0)):
        d = gat_expected(y, a, b)
        assert np.all(np.diff(d) >= 0)
        np.testing.assert_allclose(gat_inverse(d, a, b), y, atol=2e-6)
        # at high counts E[f(z)] is the transform itself; in the dark it is below it (concave)
        assert d[-1] == pytest.approx(float(gat_forward(np.array([1.0]), a, b)[0]), rel=5e-3)


@pytest.mark.parametrize("a,b", [(0.004, 8e-5), (0.016, 6e-4), (0.001, 1e-5)])
def test_mosaic_fit_recovers_known_parameters_from_the_greens(a, b):
    noisy = _noisy(_mosaic("RGGB", 256, 256), a, b)
    fit = fit_mosaic(noisy)
    assert fit is not None
    # the greens span levels 0.15–0.35: the variance there is what the fit must get right
    for level in (0.15, 0.25, 0.35):
        assert fit.variance(level) == pytest.approx(a * level + b, rel=0.15)
    assert fit.b >= 0.0  # read noise is never negative on a raw mosaic
    # the other diagonal pair for GRBG: same law
    fit2 = fit_mosaic(_noisy(_mosaic("GRBG", 256, 256), a, b), greens=((0, 0), (1, 1)))
    assert fit2 is not None and fit2.variance(0.25) == pytest.approx(a * 0.25 + b, rel=0.1)
    assert fit_mosaic(np.zeros((8, 8), np.float32)) is None  # too small


@pytest.mark.parametrize("pattern", ["RGGB", "BGGR", "GRBG", "GBRG"])
@pytest.mark.parametrize("shape", [(64, 96), (63, 95)])
def test_mosaic_network_sees_an_rggb_mosaic_whatever_the_pattern_and_size(pattern, shape):
    a, b = 0.004, 8e-5
    clean = _mosaic(pattern, *shape)
    noisy = _noisy(clean, a, b, seed=3)
    net = _MosaicNet(ensemble=2)
    out, info = denoise_bayer(noisy, net, pattern=pattern)
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert len(net.seen) == 1 and net.passes == [1] and net.ensemble == 2  # one pass, ensemble restored
    u = net.seen[0]
    assert u.shape[0] % 2 == 0 and u.shape[1] % 2 == 0
    r, g1, g2, bl = (float(u[i::2, j::2].mean()) for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    assert r > g1 > bl and r > g2 > bl and abs(g1 - g2) < 0.02  # red first: aligned to RGGB
    fit = info["mosaic_fit"]
    assert info["pattern"] == pattern and fit["a"] * 0.25 + fit["b"] == pytest.approx(a * 0.25 + b, rel=0.3)
    # identity network: the unbiased inverse gives back the noisy mosaic's means per site
    for i in range(2):
        for j in range(2):
            assert float(out[i::2, j::2].mean()) == pytest.approx(float(noisy[i::2, j::2].mean()), abs=4e-3)
    assert net.levels[0] == pytest.approx(255.0 / (gat_forward(np.array([noisy.max()]), a, b)[0]), rel=0.5)


def test_known_parameters_skip_the_fit_and_a_gray_network_goes_plane_by_plane():
    a, b = 0.004, 8e-5
    noisy = _noisy(_mosaic("RGGB", 64, 64), a, b)
    net = _MosaicNet()
    _, info = denoise_bayer(noisy, net, fit=PoissonGaussianFit(a=a, b=b, lo=0, hi=1, sets=0, blocks=0))
    assert info["stabilised_level"] == pytest.approx(info["fit_level"])

    class Gray(_MosaicNet):
        input_kind = "image"

    gray = Gray()
    _, info = denoise_bayer(noisy, gray)
    assert len(gray.seen) == 4 and all(s.shape[:2] == (32, 32) for s in gray.seen)  # four half-size planes
    assert "mosaic_fits" in info
    assert not is_mosaic_network(gray) and is_mosaic_network(net)
    with pytest.raises(ValueError, match="pattern"):
        denoise_bayer(noisy, net, pattern="RGBW")


def test_pattern_names_from_libraw_indices():
    assert pattern_name(np.array([[0, 1], [3, 2]]), b"RGBG") == "RGGB"
    assert pattern_name(np.array([[2, 3], [1, 0]]), b"RGBG") == "BGGR"
    assert pattern_name(np.array([[1, 0], [2, 3]]), "RGBG") == "GRBG"


def test_synthetic_raw_sample_is_stabilised_with_a_target_that_inverts_to_the_clean_mosaic():
    from training.bayer import bayer, sensor_noise, stabilised_pair
    from training.camera import mosaic

    rng = np.random.default_rng(0)
    clean = np.clip(rng.random((64, 64, 3)).astype(np.float32) * 0.8 + 0.1, 0, 1)
    u, level, t = bayer(clean, rng)
    assert u.shape == t.shape == (64, 64, 1) and 0.0 < level < 0.5
    assert 0.0 <= u.min() and u.max() <= 1.0
    assert float(np.std(u - t)) == pytest.approx(level, rel=0.25)  # unit noise in transform units
    # the target is the expected transform: the unbiased inverse maps it back to the clean mosaic
    m = mosaic(clean, "RGGB")
    a, b = 0.004, 1e-4
    noisy = sensor_noise(m, a, b, rng)
    u, t, level = stabilised_pair(noisy, m, a, b)
    f = gat_forward(noisy, a, b)
    lo, scale = float(f.min()) - 4.0, 1.0 / level
    np.testing.assert_allclose(gat_inverse(t * scale + lo, a, b), m, atol=1e-4)


def test_bayer_recipe_takes_a_one_channel_network_on_colour_data():
    from pathlib import Path

    from training.config import load_recipe
    from training.trainer import check_model, model_channels

    root = Path(__file__).resolve().parents[2]
    recipe = load_recipe(root / "training" / "recipes" / "raw_bayer.toml")
    assert recipe.data.channels == 3 and model_channels(recipe) == 1
    check_model(recipe)  # no channel-mismatch error


def test_registry_reads_the_mosaic_flag_and_allows_no_ensemble():
    from denoise_desktop.registry import ModelEntry, _max_ensemble

    e = ModelEntry(id="m", name="m", kind="network", takes_sigma=True, channels=(1,), card={"input": "raw_mosaic"})
    assert e.input_kind == "raw_mosaic"
    assert ModelEntry(id="n", name="n", kind="network", takes_sigma=True, channels=(1,)).input_kind == "image"
    assert _max_ensemble({"input": "raw_mosaic"}) == 1


def test_synthetic_photon_frames_are_8_bit_stabilised_with_unit_noise():
    from training.photon import photon

    rng = np.random.default_rng(1)
    clean = np.clip(rng.random((64, 64, 1)).astype(np.float32), 0, 1)
    for _ in range(3):
        u, level, t = photon(clean, rng, shot=(0.002, 0.05), sigma=(0, 3))
        assert u.shape == t.shape == (64, 64, 1) and 0 < level < 0.5
        assert float(np.std(u - t)) == pytest.approx(level, rel=0.35)
