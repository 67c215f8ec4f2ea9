"""The evaluation protocol's definitions: the seeded 8-bit noise draw, channels, the level rule,
scores of the output as saved."""

from __future__ import annotations

import numpy as np
import pytest

from denoise_desktop import protocol
from denoise_desktop.metrics import psnr


def _clean(c: int = 3) -> np.ndarray:
    yy, xx = np.mgrid[0:32, 0:40].astype(np.float32)
    img = np.stack([xx / 40, yy / 32, (xx + yy) / 72][:c], axis=2)
    return np.round(img * 255) / 255


def test_noise_is_seeded_per_image_and_sigma_and_8_bit():
    c = _clean()
    a = protocol.noisy(c, 25, 3)
    assert np.array_equal(a, protocol.noisy(c, 25, 3))  # the same draw every time
    assert not np.array_equal(a, protocol.noisy(c, 25, 4)) and not np.array_equal(a, protocol.noisy(c, 15, 3))
    assert not np.array_equal(a, protocol.noisy(c, 25, 3, seed=1))
    assert a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1
    assert np.allclose(a * 255, np.round(a * 255), atol=1e-4)  # on 8-bit levels
    mid = np.full((64, 64, 1), 0.5, np.float32)  # no clipping: the noise's own PSNR
    assert psnr(mid, protocol.noisy(mid, 25, 0)) == pytest.approx(20 * np.log10(255 / 25), abs=0.2)


def test_outputs_are_scored_as_saved():
    c = _clean()
    out = np.clip(c + 0.3 / 255, 0, 1)  # less than half a level off: saved, it is the clean image
    assert protocol.score(c, out)["psnr"] == np.inf
    s = protocol.score(c, c + 2 / 255)
    assert set(s) == {"psnr", "ssim", "mse", "mae"} and s["mae"] == pytest.approx(2 / 255 * (c < 1 - 2 / 255).mean(),
                                                                                   rel=1e-3)
    assert protocol.score(c, np.full_like(c, 2.0))["psnr"] == psnr(c, np.ones_like(c))  # clipped first


def test_channels_gray_is_the_8_bit_luma_and_gray_is_repeated_for_colour_models():
    c = _clean()
    g = protocol.as_channels(c, 1)
    assert g.shape == (32, 40, 1) and np.allclose(g * 255, np.round(g * 255), atol=1e-4)
    assert np.allclose(g[..., 0], c @ np.array([0.299, 0.587, 0.114]), atol=0.5 / 255 + 1e-6)
    assert protocol.as_channels(c, (1, 3)) is c or np.array_equal(protocol.as_channels(c, (1, 3)), c)
    assert protocol.as_channels(g, (3,)).shape == (32, 40, 3)
    rgba = np.concatenate([c, np.ones_like(c[..., :1])], axis=2)
    assert protocol.as_channels(rgba, (1, 3)).shape == (32, 40, 3)  # alpha dropped


def test_level_rule():
    assert protocol.sigma_given({"blind": True}, 25) is None  # the app's Auto: it estimates
    assert protocol.sigma_given({"blind": True}, 25, level="true") == 25.0
    assert protocol.sigma_given({}, 25) == 25.0 and protocol.sigma_given(None, 15) == 15.0  # non-blind: given σ
    with pytest.raises(ValueError):
        protocol.sigma_given({}, 25, level="guess")


def test_denoise_scored_runs_one_image_by_the_protocol():
    seen = []

    class Identity:
        def denoise(self, x, sigma=None, **kw):
            seen.append(sigma)
            return x

    c = _clean(1)
    x, out, s = protocol.denoise_scored(Identity(), c, 25, 2, card={"blind": True})
    assert seen == [None] and np.array_equal(x, protocol.noisy(c, 25, 2)) and s["psnr"] == psnr(c, x)
    protocol.denoise_scored(Identity(), c, 25, 2, card={"blind": True}, level="true")
    assert seen[-1] == 25.0
