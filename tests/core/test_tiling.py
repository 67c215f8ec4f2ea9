"""Tiling: grid geometry, seamless blending, exactness with a zero margin band."""

import numpy as np
import pytest

from denoise_desktop.tiling import TileBlender, axis_spans, plan_tiles


@pytest.mark.parametrize("length,tile,overlap,m", [(70, 32, 10, 1), (53, 32, 10, 1), (1000, 256, 40, 8),
                                                   (257, 64, 16, 4), (31, 32, 10, 1), (1, 32, 10, 1)])
def test_spans_cover_with_overlap_and_alignment(length, tile, overlap, m):
    spans = axis_spans(length, tile, overlap, m)
    assert spans[0][0] == 0 and spans[-1][1] == length
    for (s0, e0), (s1, e1) in zip(spans, spans[1:]):
        assert s1 > s0 and e0 - s1 >= overlap  # neighbours overlap at least as asked
    for s, e in spans:
        assert s % m == 0
        assert e - s <= tile + m - 1


def test_tile_too_small_for_overlap_is_an_error():
    with pytest.raises(ValueError, match="too small"):
        axis_spans(100, 16, 16)


@pytest.mark.parametrize("ramp", ["cosine", "linear"])
def test_identity_blend_reproduces_the_image(ramp):
    rng = np.random.default_rng(0)
    img = rng.random((70, 53, 3), dtype=np.float32)
    grid = plan_tiles(70, 53, 32, 12)
    assert len(grid) > 4
    blender = TileBlender(grid, 3, margin=3, ramp=ramp)
    for t in grid.tiles:
        blender.add(t, img[t.slices])
    np.testing.assert_allclose(blender.result(), img, atol=1e-6)


def test_flat_gradient_has_no_seam_with_biased_tiles():
    # Each tile adds its own constant offset (like a model whose tiles disagree slightly):
    # blending must spread the step over the overlap instead of leaving a hard edge.
    h, w = 40, 200
    img = np.tile(np.linspace(0, 1, w, dtype=np.float32), (h, 1))[:, :, None]
    grid = plan_tiles(h, w, 64, 24)
    blender = TileBlender(grid, 1, margin=0)
    for t in grid.tiles:
        blender.add(t, img[t.slices] + 0.01 * t.col)
    out = blender.result()[0, :, 0]
    steps = np.diff(out)
    base = 1 / (w - 1)
    # the biggest jump between neighbouring pixels is far below the 0.01 offset between tiles
    assert np.abs(steps - base).max() < 0.003


def test_margin_band_gets_no_weight():
    # Garbage in the margin band of a tile edge must not reach the result.
    img = np.random.default_rng(1).random((20, 90, 1), dtype=np.float32)
    grid = plan_tiles(20, 90, 40, 20)
    blender = TileBlender(grid, 1, margin=5)
    for t in grid.tiles:
        tile = img[t.slices].copy()
        if t.col > 0:
            tile[:, :5] = 99.0
        if t.col < len(grid.cols) - 1:
            tile[:, -5:] = 99.0
        blender.add(t, tile)
    np.testing.assert_allclose(blender.result(), img, atol=1e-6)


def test_wrong_tile_shape_is_rejected():
    grid = plan_tiles(10, 10, 32, 4)
    blender = TileBlender(grid, 1)
    with pytest.raises(ValueError):
        blender.add(grid.tiles[0], np.zeros((5, 5, 1), np.float32))


@pytest.mark.parametrize("h,w,area,ov,m", [(1224, 1632, 1024**2, 222, 8), (5774, 8660, 2048**2, 222, 8),
                                           (1000, 20000, 1500**2, 48, 1), (300, 200, 10**6, 20, 1)])
def test_best_tile_shape_fits_budget_and_beats_squares(h, w, area, ov, m):
    from denoise_desktop.tiling import best_tile_shape

    th, tw = best_tile_shape(h, w, area, ov, m)
    grid = plan_tiles(h, w, (th, tw), ov, m)
    assert all(t.height * t.width <= area + m * (th + tw + m) for t in grid.tiles)  # last tile stretch < m
    work = sum(t.height * t.width for t in grid.tiles)
    side = int(area**0.5) // m * m
    square = sum(t.height * t.width for t in plan_tiles(h, w, side, ov, m).tiles)
    assert work <= square
    if h * w <= area:
        assert len(grid) == 1
