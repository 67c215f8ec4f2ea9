"""Split an image into overlapping tiles and blend the results back without seams (pure numpy).

Backend-agnostic on purpose (chaiNNer): the engine decides what runs on a tile; this module only
knows rectangles and weights.

The tiles form a Cartesian grid (every tile in a row shares the same rows, every tile in a column
the same columns), so the blend weight of a tile is separable, ``wy(y) * wx(x)``, and the sum of
all weights is ``Sy(y) * Sx(x)``: normalising needs two 1-D arrays, not a full-size weight image
(that matters for a 50-MP photo).

Along an edge shared with a neighbour, a tile's weight is 0 for the first ``margin`` pixels (where
its output is spoiled by the tile border: set margin ≥ the model's receptive field and the blended
result equals the whole-image result), then ramps up (cosine or linear) across the rest of the
overlap, and is 1 inside. Edges on the image border keep weight 1 (the whole-image run sees the
same border there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np

__all__ = ["Tile", "TileGrid", "axis_spans", "plan_tiles", "best_tile_shape", "TileBlender", "iter_tiles"]


@dataclass(frozen=True)
class Tile:
    """One rectangle of the image: rows ``y0:y1``, columns ``x0:x1``; ``row``/``col`` in the grid."""

    y0: int
    y1: int
    x0: int
    x1: int
    row: int
    col: int

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)


def _align_down(v: int, m: int) -> int:
    return (v // m) * m


def axis_spans(length: int, tile: int, overlap: int, multiple_of: int = 1) -> list[tuple[int, int]]:
    """Start/end pairs covering ``0..length`` with tiles of ``tile`` px overlapping by ≥ ``overlap``.

    Starts are multiples of ``multiple_of`` (so a model that downsamples sees the same pixel grid in
    every tile as in the whole image); the last tile is stretched to the end instead (by less than
    ``multiple_of`` px). Tiles are spread evenly rather than leaving a sliver at the end.
    """
    if length <= 0:
        raise ValueError(f"length must be positive, got {length}")
    m = max(1, int(multiple_of))
    if length <= tile:
        return [(0, length)]
    stride = _align_down(tile - overlap, m)
    if stride < m or stride <= 0:
        raise ValueError(f"tile {tile} too small for overlap {overlap} (aligned to {m})")
    last = _align_down(length - tile, m)
    n = math.ceil(last / stride) + 1
    # Even spacing, rounded up to the alignment: never more than ``stride`` apart.
    step = math.ceil(last / (n - 1) / m) * m if n > 1 else 0
    starts = sorted({min(i * step, last) for i in range(n)})
    spans = [(s, s + tile) for s in starts]
    spans[-1] = (spans[-1][0], length)
    return spans


@dataclass(frozen=True)
class TileGrid:
    height: int
    width: int
    rows: tuple[tuple[int, int], ...]
    cols: tuple[tuple[int, int], ...]

    @property
    def tiles(self) -> list[Tile]:
        return [
            Tile(y0, y1, x0, x1, r, c)
            for r, (y0, y1) in enumerate(self.rows)
            for c, (x0, x1) in enumerate(self.cols)
        ]

    def __len__(self) -> int:
        return len(self.rows) * len(self.cols)


def plan_tiles(height: int, width: int, tile: int | tuple[int, int], overlap: int,
               multiple_of: int = 1) -> TileGrid:
    """The grid of tiles for an image of ``height × width``; one tile if it fits.

    ``tile`` is a side (square tiles) or ``(tile_height, tile_width)``.
    """
    th, tw = (tile, tile) if isinstance(tile, int) else tile
    return TileGrid(
        height,
        width,
        tuple(axis_spans(height, th, overlap, multiple_of)),
        tuple(axis_spans(width, tw, overlap, multiple_of)),
    )


def _cover(length: int, n: int, overlap: int, m: int) -> int:
    """Tile length so that ``n`` tiles overlapping by ``overlap`` cover ``length`` (aligned, with slack)."""
    if n == 1:
        return length
    return -(-(length + (n - 1) * overlap) // n // m) * m + m


def best_tile_shape(height: int, width: int, max_area: int, overlap: int, multiple_of: int = 1,
                    max_count: int = 64) -> tuple[int, int]:
    """The tile ``(h, w)`` within ``max_area`` px that processes the fewest pixels in total.

    Overlap is recomputed work, so for a given memory budget few, large, possibly non-square
    tiles win: a 2-MP photo that fits the budget is one tile, a wide panorama gets tall strips.
    """
    if height * width <= max_area:
        return height, width
    m = max(1, int(multiple_of))
    best: tuple[int, int, int] | None = None
    for nr in range(1, max_count + 1):
        th = _cover(height, nr, overlap, m)
        if nr > 1 and th - overlap < m:
            break
        tw_max = max_area // max(th, 1)
        tw = None
        for nc in range(1, max_count + 1):
            cand = _cover(width, nc, overlap, m)
            if nc > 1 and cand - overlap < m:
                break
            if cand <= tw_max:
                tw = cand
                break
        if tw is None:
            continue
        rows = axis_spans(height, th, overlap, m)
        cols = axis_spans(width, tw, overlap, m)
        cost = sum(e - s for s, e in rows) * sum(e - s for s, e in cols)
        if best is None or cost < best[0]:
            best = (cost, th, tw)
    if best is None:  # budget smaller than any valid tile: square tiles of the budget's side
        side = max(int(max_area**0.5), overlap + m)
        return side, side
    return best[1], best[2]


def _ramp(n: int, kind: str) -> np.ndarray:
    """Weights rising from ~0 to ~1 over ``n`` px (exclusive of both ends, so sums stay positive)."""
    t = (np.arange(n, dtype=np.float64) + 0.5) / n
    if kind == "linear":
        return t
    if kind == "cosine":
        return 0.5 - 0.5 * np.cos(np.pi * t)
    raise ValueError(f"unknown ramp {kind!r}; use 'linear' or 'cosine'")


def _axis_weights(spans: tuple[tuple[int, int], ...], margin: int, kind: str) -> list[np.ndarray]:
    """1-D weights of each span: zero margin + ramp over the rest of the overlap with each neighbour."""
    out = []
    for i, (s, e) in enumerate(spans):
        w = np.ones(e - s, dtype=np.float64)
        if i > 0:
            ov = spans[i - 1][1] - s
            mg = min(margin, max(0, (ov - 1) // 2))
            n = ov - 2 * mg
            w[:mg] = 0.0
            w[mg : mg + n] *= _ramp(n, kind)
        if i < len(spans) - 1:
            ov = e - spans[i + 1][0]
            mg = min(margin, max(0, (ov - 1) // 2))
            n = ov - 2 * mg
            end = len(w)
            if mg:
                w[end - mg :] = 0.0
            w[end - mg - n : end - mg] *= _ramp(n, kind)[::-1]
        out.append(w)
    return out


class TileBlender:
    """Accumulates tile outputs with separable weights into one float32 H×W×C image.

    ``add(tile, out)`` in any order, then ``result()`` (normalises in place, row band by row band,
    so no full-size temporary is made).
    """

    def __init__(self, grid: TileGrid, channels: int, *, margin: int = 0, ramp: str = "cosine",
                 out: np.ndarray | None = None) -> None:
        self.grid = grid
        self._wy = _axis_weights(grid.rows, margin, ramp)
        self._wx = _axis_weights(grid.cols, margin, ramp)
        sy = np.zeros(grid.height, dtype=np.float64)
        sx = np.zeros(grid.width, dtype=np.float64)
        for (s, e), w in zip(grid.rows, self._wy):
            sy[s:e] += w
        for (s, e), w in zip(grid.cols, self._wx):
            sx[s:e] += w
        if (sy <= 0).any() or (sx <= 0).any():  # cannot happen with overlap ≥ 1; guard anyway
            raise ValueError("tile weights leave pixels uncovered; increase the overlap")
        self._sy, self._sx = sy, sx
        shape = (grid.height, grid.width, channels)
        if out is None:
            out = np.zeros(shape, dtype=np.float32)
        elif out.shape != shape or out.dtype != np.float32:
            raise ValueError(f"out must be float32 {shape}, got {out.dtype} {out.shape}")
        else:
            out.fill(0.0)
        self._acc = out

    def add(self, tile: Tile, data: np.ndarray) -> None:
        if data.ndim == 2:
            data = data[:, :, None]
        if data.shape[:2] != (tile.height, tile.width):
            raise ValueError(f"tile output {data.shape[:2]} != tile size {(tile.height, tile.width)}")
        if len(self.grid.rows) == 1 and len(self.grid.cols) == 1:
            self._acc[...] = data
            return
        w = np.outer(self._wy[tile.row], self._wx[tile.col]).astype(np.float32)
        self._acc[tile.slices] += data * w[:, :, None]

    def result(self) -> np.ndarray:
        if len(self.grid) > 1:
            sx = self._sx.astype(np.float32)
            band = 256
            for y in range(0, self.grid.height, band):
                norm = np.outer(self._sy[y : y + band].astype(np.float32), sx)
                self._acc[y : y + band] /= norm[:, :, None]
        return self._acc


def iter_tiles(img: np.ndarray, grid: TileGrid) -> Iterator[tuple[Tile, np.ndarray]]:
    """Yield each tile with a view of its pixels."""
    for t in grid.tiles:
        yield t, img[t.slices]
