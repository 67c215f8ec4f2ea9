"""Luminance / colour strength and "keep grain" (``denoise_desktop.blend``), through the engine too."""

from __future__ import annotations

import numpy as np
import pytest

from denoise_desktop import blend
from denoise_desktop.blend import PRESETS, Strength, apply, blend_arrays, chroma, luma


def _pair(h=96, w=80, seed=0, sd=0.05):
    """A smooth colour image (the 'network output') and it plus per-channel noise (the input),
    kept inside (0, 1) so nothing clips."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    clean = np.stack([0.3 + 0.3 * xx, 0.4 + 0.2 * yy, 0.55 - 0.2 * xx * yy], -1).astype(np.float32)
    noisy = np.clip(clean + rng.normal(0, sd, clean.shape), 0.0, 1.0).astype(np.float32)
    assert 0 < noisy.min() and noisy.max() < 1
    return noisy, clean


def _hp_energy(y):
    """Mean squared fine (σ ≈ 1 px high-pass) detail of a luma plane."""
    return float(np.mean(blend._highpass(np.asarray(y, np.float32)) ** 2))


def _lp_energy(y):
    import cv2

    y = np.asarray(y, np.float32)
    return float(np.mean((cv2.GaussianBlur(y, (0, 0), 3.0) - y.mean()) ** 2))


def test_chroma_strength_zero_keeps_the_input_chroma_exactly():
    noisy, clean = _pair()
    out = blend_arrays(noisy, clean, Strength(luma=1.0, chroma=0.0))
    np.testing.assert_allclose(chroma(out), chroma(noisy), atol=1e-6)
    np.testing.assert_allclose(luma(out), luma(clean), atol=1e-6)  # luma: all of the network's
    # Cb/Cr of BT.601 too: a pure luma change moves along R = G = B, whatever the luma weights
    w601 = np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(out[..., 2] - out @ w601, noisy[..., 2] - noisy @ w601, atol=1e-6)


def test_luma_strength_zero_keeps_the_input_luma_exactly():
    noisy, clean = _pair(seed=1)
    out = blend_arrays(noisy, clean, Strength(luma=0.0, chroma=1.0))
    np.testing.assert_allclose(luma(out), luma(noisy), atol=1e-6)
    np.testing.assert_allclose(chroma(out), chroma(clean), atol=1e-6)
    # and grain cannot add luma detail back when no luma was removed
    np.testing.assert_allclose(luma(blend_arrays(noisy, clean, Strength(0.0, 0.4, 1.0))), luma(noisy), atol=1e-6)


def test_partial_strengths_mix_each_component_linearly():
    noisy, clean = _pair(seed=2)
    out = blend_arrays(noisy, clean, Strength(0.25, 0.75))
    np.testing.assert_allclose(luma(out), luma(noisy) + 0.25 * (luma(clean) - luma(noisy)), atol=1e-6)
    np.testing.assert_allclose(chroma(out), chroma(noisy) + 0.75 * (chroma(clean) - chroma(noisy)), atol=1e-6)


def test_a_single_strength_is_the_old_plain_blend():
    noisy, clean = _pair(seed=3)
    for s in (0.0, 0.3, 0.5, 1.0):
        old = clean * np.float32(s) + (1.0 - s) * noisy  # engine.NetworkDenoiser.denoise's mix
        np.testing.assert_array_equal(blend_arrays(noisy, clean, s), old.astype(np.float32))
        assert Strength.of(s) == Strength(s, s, 0.0) and Strength.of(s).plain
    assert Strength.of(0.4).info()["strength"] == 0.4 and "strength" not in Strength(0.4, 1.0).info()


def test_grain_gives_back_fine_luma_detail_only():
    noisy, clean = _pair(h=128, w=128, seed=4, sd=0.04)
    full = blend_arrays(noisy, clean, Strength(1.0, 1.0, 0.0))
    half = blend_arrays(noisy, clean, Strength(1.0, 1.0, 0.5))
    kept = blend_arrays(noisy, clean, Strength(1.0, 1.0, 1.0))
    e_in, e_full, e_half, e_kept = (_hp_energy(luma(x)) for x in (noisy, full, half, kept))
    assert e_full < 0.01 * e_in  # the smooth output has no fine luma detail
    assert e_full < e_half < e_kept
    assert e_half == pytest.approx(0.25 * e_kept, rel=0.02)  # half the amplitude: a quarter of the energy
    assert e_kept < e_in  # grain 1: the input's fine luma texture, never more
    # what comes back is exactly the high-pass of the removed luma, scaled by grain
    removed = (luma(noisy) - luma(clean)).astype(np.float32)
    np.testing.assert_allclose(luma(half) - luma(full), 0.5 * blend._highpass(removed), atol=1e-6)
    # the blotchy (low-frequency) part of the removed noise stays removed
    assert _lp_energy(luma(kept) - luma(clean)) < 0.2 * _lp_energy(luma(noisy) - luma(clean))
    # colour untouched by grain
    np.testing.assert_allclose(chroma(half), chroma(full), atol=1e-6)
    # grain is a fraction of what the luma strength removed
    part = blend_arrays(noisy, clean, Strength(0.5, 1.0, 1.0))
    np.testing.assert_allclose(luma(part), luma(clean) + 0.5 * removed + 0.5 * blend._highpass(removed), atol=1e-6)


def test_bands_give_the_whole_image_result():
    noisy, clean = _pair(h=70, w=33, seed=5)
    st = Strength(0.6, 0.2, 0.7)
    whole = apply(noisy, clean.copy(), st, band=10_000)
    for band in (4, 5, 9, 16):
        np.testing.assert_array_equal(apply(noisy, clean.copy(), st, band=band), whole)


def test_gray_images_have_luma_only_and_integer_inputs_are_scaled():
    noisy, clean = _pair(seed=6)
    g_in, g_out = noisy[..., 1].copy(), clean[..., 1].copy()
    out = blend_arrays(g_in, g_out, Strength(0.5, 0.0, 0.0))  # chroma means nothing for gray
    np.testing.assert_allclose(out, 0.5 * (g_in + g_out), atol=1e-6)
    out3 = blend_arrays(g_in[..., None], g_out[..., None], Strength(0.5, 0.0, 0.5))
    assert out3.shape == g_in[..., None].shape
    u8 = np.rint(noisy * 255).astype(np.uint8)
    a = blend_arrays(u8, clean, Strength(0.3, 0.9, 0.2))
    b = blend_arrays(u8.astype(np.float32) / 255, clean, Strength(0.3, 0.9, 0.2))
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_strength_validation_and_presets():
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError):
            Strength(bad, 1.0)
        with pytest.raises(ValueError):
            Strength(1.0, 1.0, bad)
    assert set(PRESETS) >= {"Gentle", "Natural", "Default"}
    assert PRESETS["Default"].full  # the factory setting: all the network removes, as before
    assert PRESETS["Gentle"].luma < PRESETS["Natural"].luma < PRESETS["Default"].luma
    assert "colour 100 %" in PRESETS["Natural"].describe()


class _Smooth:
    """A 'denoiser' that returns a fixed smooth image, recording the strength it was asked for."""

    takes_sigma = False
    id = "smooth"

    def __init__(self, clean):
        self.clean, self.calls = clean, []

    def denoise(self, x, sigma=None, strength=1.0, progress=None):
        self.calls.append(strength)
        xf = x.astype(np.float32) / 255 if x.dtype == np.uint8 else x
        return strength * self.clean + (1 - strength) * xf


@pytest.mark.parametrize("which", ["chroma", "luma"])
def test_denoise_image_with_a_zero_strength_keeps_that_component_within_rounding(which):
    from denoise_desktop.engine import denoise_image
    from denoise_desktop.imageio import ImageData

    noisy, clean = _pair(seed=7, sd=0.06)
    px = np.rint(noisy * 255).astype(np.uint8)
    image = ImageData(px, bit_depth=8, format="PNG")
    dn = _Smooth(clean)
    st = Strength(1.0, 0.0) if which == "chroma" else Strength(0.0, 1.0)
    out, info = denoise_image(image, dn, strength=st)
    assert dn.calls == [1.0]  # the network ran at full strength; the mix came after
    assert info["luma_strength"] == st.luma and info["chroma_strength"] == st.chroma
    got, src = out.pixels.astype(np.float64) / 255, px.astype(np.float64) / 255
    kept, changed = (chroma, luma) if which == "chroma" else (luma, chroma)
    assert np.abs(kept(got) - kept(src)).max() <= 0.5 / 255 + 1e-9  # the 8-bit rounding only
    assert np.abs(changed(got) - changed(src)).max() > 10 / 255  # the other one did change
    # a plain number is the old path: the denoiser mixes
    dn.calls.clear()
    denoise_image(image, dn, strength=0.5)
    assert dn.calls == [0.5]
