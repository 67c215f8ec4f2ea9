"""The default color model routes white noise and camera/JPEG noise to different networks."""

from __future__ import annotations

import numpy as np
import pytest

from denoise_desktop import noise_estimate, registry
from denoise_desktop.engine import denoise_image, level_text
from denoise_desktop.imageio import ImageData
from denoise_desktop.noise_estimate import NoiseEstimate
from denoise_desktop.routing import NoiseRoutedDenoiser, choose_route


class Fake:
    def __init__(self, id_, value):
        self.id, self.value, self.ensemble, self.tile, self.seen = id_, value, 1, None, []
        self.last_info = {}

    def set_ensemble(self, n):
        self.ensemble = n

    def set_tile(self, t):
        self.tile = t

    def sigma_note(self, s):
        return None

    def denoise(self, img, sigma=None, strength=1.0, progress=None):
        self.seen.append(sigma)
        self.last_info = {"sigma_used": sigma, "tiles": 1}
        return np.full(np.asarray(img).shape, self.value, np.float32)


@pytest.mark.parametrize("correlated", [False, True])
def test_the_estimate_picks_the_network_and_a_set_sigma_keeps_the_choice(monkeypatch, correlated):
    est = NoiseEstimate(level=7.0, correlated=correlated, pca=1.0 if correlated else 7.0, learned=7.0)
    monkeypatch.setattr(noise_estimate, "estimate_noise", lambda img: est)
    white, real = Fake("w", 0.25), Fake("r", 0.75)
    router = NoiseRoutedDenoiser(white, real, id="default")
    router.set_ensemble(4)
    assert white.ensemble == real.ensemble == 4
    img = ImageData(np.zeros((16, 16, 3), np.uint8), bit_depth=8, format="PNG")
    out, info = denoise_image(img, router)
    chosen, other = (real, white) if correlated else (white, real)
    assert chosen.seen == [7.0] and other.seen == []
    assert info["sigma_estimated"] == 7.0 and info["model_used"] == chosen.id
    assert level_text(info).endswith("JPEG noise)" if correlated else "white noise)")
    out, info = denoise_image(img, router, sigma=20)  # by hand: same network, the σ given
    assert chosen.seen == [7.0, 20] and info["sigma_estimated"] is None
    assert "(set" in level_text(info)


def test_bundled_default_color_model_is_routed_and_real_noise_goes_to_its_sibling():
    entry = registry.get("unet_res_color")
    if not entry.card.get("real_noise_model"):
        pytest.skip("no real-noise sibling bundled")
    d = registry.load("unet_res_color", device="cpu")
    assert isinstance(d, NoiseRoutedDenoiser) and d.real.id == entry.card["real_noise_model"]
    assert registry.default_model_id(3) == "unet_res_color"
    if not noise_estimate.learned_estimator_available():
        pytest.skip("no estimator weights")
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:192, 0:192] / 192.0
    clean = np.stack([0.5 + 0.3 * np.sin(3 * x), 0.4 + 0.3 * np.cos(2 * y), 0.3 + 0.4 * x * y], -1)
    noisy = np.clip(np.rint((clean + rng.normal(0, 20 / 255, clean.shape)) * 255), 0, 255).astype(np.uint8)
    assert d.choose(noisy)[0] is d.white  # white Gaussian noise

    def jpeg420(a):
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, "JPEG", quality=90, subsampling=2)
        buf.seek(0)
        return np.asarray(Image.open(buf))

    # The same noise as a 4:2:0 JPEG: its chroma looks correlated, its luma is still white.
    route = choose_route(jpeg420(noisy))
    assert route.name == "jpeg_white" and route.est.correlated and route.est.level > 10
    assert d.choose(jpeg420(noisy))[0] is d.white and route.kind == "white noise in a JPEG"
    # Noise spread over neighbours in every channel, like a demosaiced camera's: the real-noise network.
    import cv2

    spread = cv2.GaussianBlur(rng.normal(0, 1, clean.shape).astype(np.float32), (0, 0), 1.0)
    spread = spread.mean(axis=2, keepdims=True) * 0.7 + spread * 0.3  # channels correlated, as after demosaicing
    camera = np.clip(np.rint((clean + spread * (12 / 255) / spread.std()) * 255), 0, 255).astype(np.uint8)
    route = choose_route(jpeg420(camera))
    assert route.name == "camera" and d.choose(jpeg420(camera))[0] is d.real


@pytest.mark.parametrize("correlated", [False, True])
def test_a_single_network_also_says_which_noise_auto_found(monkeypatch, correlated):
    """Gray photos go to one network (no routing); the level line still names the noise kind."""
    est = NoiseEstimate(level=4.5, correlated=correlated, pca=1.5 if correlated else 4.5, learned=2.0)
    monkeypatch.setattr(noise_estimate, "estimate_noise", lambda img: est)
    net = Fake("gray", 0.5)
    net.takes_sigma = True
    img = ImageData(np.zeros((16, 16, 1), np.uint8), bit_depth=8, format="PNG")
    _, info = denoise_image(img, net)
    assert net.seen == [4.5] and info["sigma_estimated"] == 4.5
    assert level_text(info) == f"σ 4.5 (estimated, {'camera/JPEG noise' if correlated else 'white noise'})"
    _, info = denoise_image(img, net, sigma=9)
    assert level_text(info) == "σ 9.0 (set)"
