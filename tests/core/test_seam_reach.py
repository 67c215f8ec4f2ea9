"""The default overlap comes from the bundled weights' measured reach (``ArchSpec.seam_reach``),
not the 99-px wiring: tiles must still give the whole-image output."""

from __future__ import annotations

import numpy as np
import pytest

from denoise_desktop import models, registry
from denoise_desktop.engine import NetworkDenoiser
from tests.conftest import synthetic_image


@pytest.mark.parametrize("model_id,channels", [("unet_res_color", 3), ("unet_res_color_real", 3), ("unet_res_gray", 1)])
def test_tiles_with_the_default_overlap_match_the_whole_image(model_id, channels):
    loaded = registry.load(model_id, device="cpu", channels=channels)
    net = getattr(loaded, "white", loaded)  # the defaults are routed: their Gaussian network
    clean = synthetic_image(288, 416, c=channels, seed=3)
    noisy = np.clip(clean + np.random.default_rng(1).normal(0, 25 / 255, clean.shape), 0, 1).astype(np.float32)
    whole = NetworkDenoiser(net.model, net.spec, device="cpu", tile=1024).denoise(noisy, sigma=25)
    tiled_dn = NetworkDenoiser(net.model, net.spec, device="cpu", tile=160)
    assert tiled_dn.overlap < 2 * net.spec.receptive_field  # the measured reach is in use
    tiled = tiled_dn.denoise(noisy, sigma=25)
    assert tiled_dn.last_info["tiles"] >= 6
    assert np.abs(tiled - whole).max() * 255 < 0.1  # the reach's own bound; an overlap of 64 px moves 0.14 levels


def test_seam_reach_is_within_the_wiring():
    for spec in models.ARCHITECTURES.values():
        if spec.seam_reach is not None:
            assert 0 < spec.seam_reach <= spec.receptive_field
