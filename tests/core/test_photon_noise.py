"""Signal-dependent noise: the Poisson–Gaussian fit, the GAT and its unbiased inverse, the
photon route of the defaults (mean kept), and the CLI's --noise."""

from __future__ import annotations

import numpy as np
import pytest

from denoise_desktop.noise import fit_channels, fit_poisson_gaussian, gat_forward, gat_inverse
from denoise_desktop.routing import choose_route, with_noise_mode


def _scene(n: int = 192, seed: int = 0) -> np.ndarray:
    """Smooth gradients and a few flat discs: a microscopy-like field in [0, 1]."""
    yy, xx = np.mgrid[0:n, 0:n] / n
    img = 0.05 + 0.5 * xx * yy
    rng = np.random.default_rng(seed)
    for _ in range(6):
        cy, cx, r = rng.uniform(0.2, 0.8, 2).tolist() + [rng.uniform(0.05, 0.12)]
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] += rng.uniform(0.1, 0.35)
    return np.clip(img, 0, 1)


def _poisson_gaussian(clean: np.ndarray, a: float, b: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.poisson(clean / a) * a + rng.normal(0.0, np.sqrt(b), clean.shape)).astype(np.float32)


@pytest.mark.parametrize("a,b", [(0.01, 1e-4), (0.002, 4e-5), (0.02, 1e-5)])
def test_fit_recovers_known_parameters(a, b):
    z = _poisson_gaussian(np.tile(np.linspace(0.05, 0.95, 256), (256, 1)), a, b)
    fit = fit_poisson_gaussian(np.clip(z, 0, 1))
    assert fit is not None and fit.signal_dependent
    assert fit.a == pytest.approx(a, rel=0.1)
    # b: the variance at the darkest level the fit saw is right within 15 % of it
    assert fit.variance(0.05) == pytest.approx(a * 0.05 + b, rel=0.2)


def test_white_noise_fits_as_flat_and_is_not_signal_dependent():
    rng = np.random.default_rng(3)
    z = np.clip(_scene() + rng.normal(0, 15 / 255, (192, 192)), 0, 1)
    fit = fit_poisson_gaussian(z)
    assert fit is not None and not fit.signal_dependent
    assert fit.variance(0.3) == pytest.approx((15 / 255) ** 2, rel=0.2)


def test_fit_per_channel_and_tiny_images():
    z = np.stack([_poisson_gaussian(_scene(), a, 1e-5) for a in (0.004, 0.008, 0.016)], axis=2)
    fits = fit_channels(np.clip(z, 0, 1))
    assert [round(f.a / 0.004) for f in fits] == [1, 2, 4]
    assert fit_poisson_gaussian(np.zeros((8, 8), np.float32)) is None


def test_gat_gives_unit_noise_and_the_inverse_keeps_the_mean():
    rng = np.random.default_rng(5)
    a, b = 0.01, 2e-5
    for level in (0.02, 0.1, 0.5):  # 2, 10 and 50 photons
        z = rng.poisson(level / a, 200_000) * a + rng.normal(0, np.sqrt(b), 200_000)
        d = gat_forward(z, a, b)
        if level >= 0.1:
            assert d.std() == pytest.approx(1.0, abs=0.05)
        # an ideal denoiser returns E[f(z)]: the exact unbiased inverse maps it back to the mean
        back = gat_inverse(np.array([d.mean()]), a, b)[0]
        assert back == pytest.approx(level, rel=0.03)
        # the algebraic inverse is what darkens dim regions
        algebraic = ((d.mean() / 2) ** 2 - 3 / 8 - b / a**2) * a
        if level <= 0.02:
            assert algebraic < 0.9 * level


def test_routes_white_noise_photon_noise_and_forced_modes():
    rng = np.random.default_rng(7)
    white = np.clip(_scene() + rng.normal(0, 10 / 255, (192, 192)), 0, 1).astype(np.float32)
    photon = np.clip(np.round(_poisson_gaussian(_scene(), 0.008, 2e-5) * 255) / 255, 0, 1).astype(np.float32)
    assert choose_route(white).name == "white"
    route = choose_route(photon)
    assert route.name == "photon" and route.fits[0].a == pytest.approx(0.008, rel=0.2)
    assert choose_route(photon, "gaussian").name == "white"
    assert choose_route(photon, "camera").name == "camera"
    assert choose_route(white, "poisson").name == "photon"
    with pytest.raises(ValueError, match="noise must be one of"):
        choose_route(white, "speckle")


class _Net:
    id, takes_sigma, ensemble = "net", True, 1

    def __init__(self):
        self.levels = []
        self.last_info = {}

    def denoise(self, img, sigma=None, strength=1.0, progress=None):
        self.levels.append(sigma)
        return np.asarray(img, np.float32)  # identity: the route must give back the input


def test_stabilised_route_is_lossless_around_an_identity_network():
    photon = np.clip(_poisson_gaussian(_scene(), 0.008, 2e-5), 0, 1).astype(np.float32)
    net = _Net()
    dn = with_noise_mode(net, "poisson")
    out = dn.denoise(photon)
    # The unbiased inverse is meant for denoised values, E[f(z)]; on a noisy f(z) it adds the
    # convexity term var·I''/2 ≈ a/4 (more in the darkest pixels): forward and inverse agree.
    dev = out - photon
    assert abs(float(np.median(dev)) - 0.008 / 4) < 0.2 / 255
    assert np.percentile(np.abs(dev), 99) < 1.0 / 255
    assert 0 < net.levels[0] < 100
    assert dn.last_info["noise_fit"][0]["a"] == pytest.approx(0.008 * 255, rel=0.2)
    with pytest.raises(ValueError, match="does not take a noise level"):
        with_noise_mode(type("Blind", (), {"id": "b", "takes_sigma": False})(), "poisson")


def test_default_gray_model_keeps_the_mean_of_dark_poisson_images():
    from denoise_desktop import registry

    dn = registry.load(registry.default_model_id(1), device="cpu", ensemble=1)
    rng = np.random.default_rng(11)
    for peak in (8, 32):
        clean = _scene(160, seed=peak)
        z = rng.poisson(clean / clean.max() * peak) * (60.0 / peak) + 3.0 + rng.normal(0, 1.0, clean.shape)
        z8 = (np.clip(np.round(z), 0, 255) / 255).astype(np.float32)
        out = np.round(np.clip(dn.denoise(z8[:, :, None]), 0, 1) * 255)
        assert dn.last_info["route"] == "photon"
        assert abs(out.mean() - z8.mean() * 255) < 0.3


def test_cli_noise_flag_16bit_tiff_and_blind_model_refused(tmp_path):
    import tifffile

    from denoise_desktop import cli

    clean = _scene(128)
    z = np.clip(_poisson_gaussian(clean, 0.004, 1e-6) * 65535, 0, 65535).astype(np.uint16)
    src = tmp_path / "in"
    src.mkdir()
    tifffile.imwrite(src / "frame.tif", z)
    assert cli.main(["run", str(src), "--out", str(tmp_path / "out"), "--noise", "poisson", "--ensemble", "1"]) == 0
    out = tifffile.imread(tmp_path / "out" / "frame.tif")
    assert out.dtype == np.uint16 and out.shape == z.shape
    assert abs(float(out.mean()) - float(z.mean())) < 0.3 * 257  # 16-bit values, not rescaled
    assert np.abs(out.astype(float) - clean * 65535).mean() < np.abs(z.astype(float) - clean * 65535).mean()
    code = cli.main(["run", str(src), "--out", str(tmp_path / "o2"), "--model", "dncnn_gray_s25", "--noise", "poisson"])
    assert code == 2 and not (tmp_path / "o2" / "frame.tif").exists()


def test_bayer_planes_are_denoised_apart_and_written_back_into_the_libraw_buffer(tmp_path):
    import sys
    from pathlib import Path

    rawpy = pytest.importorskip("rawpy")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from dng_helpers import BLACK, WHITE, write_dng

    from denoise_desktop.raw_mosaic import OFFSETS, denoise_bayer, denoise_raw_buffer

    class Flat(_Net):  # replaces every plane by its mean: shows which pixels were one plane
        def denoise(self, img, sigma=None, strength=1.0, progress=None):
            self.levels.append(sigma)
            x = np.asarray(img, np.float32)
            return np.full_like(x, x.mean())

    mosaic = np.clip(_poisson_gaussian(np.full((64, 64), 0.3), 0.004, 1e-5), 0, 1)
    mosaic[0::2, 0::2] += 0.2  # the R plane is brighter
    out, info = denoise_bayer(mosaic, Flat())
    assert len(info["mosaic_fits"]) == 4
    for i, j in OFFSETS:  # each plane flat on its own: planes were never mixed
        assert np.ptp(out[i::2, j::2]) < 1e-4
    assert out[0::2, 0::2].mean() - out[1::2, 1::2].mean() == pytest.approx(0.2, abs=0.02)

    src = write_dng(tmp_path / "noisy.dng", h=64, w=64, noise=0.05)
    with rawpy.imread(str(src)) as raw:
        before = raw.raw_image_visible.copy()
        info = denoise_raw_buffer(raw, Flat())
        after = raw.raw_image_visible.copy()
        rgb = raw.postprocess(output_bps=16, no_auto_bright=True)
    assert after.dtype == before.dtype and after.min() >= 0 and after.max() <= WHITE
    left = after[:, :24]
    assert np.ptp(left[0::2, 0::2]) <= np.ptp(before[:, :24][0::2, 0::2])  # the buffer itself changed
    assert not np.array_equal(after, before) and rgb.shape[:2] == (64, 64)
    assert BLACK > 0 and "iso" in info
