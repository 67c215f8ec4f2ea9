"""One small line plot (OpenCV, no plotting library needed) for the benchmarks' pictures: axes
with ticks, one coloured line per series (solid or dashed), optional tags beside points, a legend
on the right. ``classic.py`` and ``quality.py`` (PSNR vs σ) and ``quality_time.py`` (PSNR vs seconds
per MP) draw with it. OpenCV's font has no Greek or ×: labels are spelled out ("sigma", "x")."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

__all__ = ["line_plot", "COLOURS"]

# BGR, distinct enough for eight series
COLOURS = [(180, 119, 31), (14, 127, 255), (44, 160, 44), (40, 39, 214), (189, 103, 148), (127, 127, 127),
           (34, 189, 188), (75, 86, 140)]
_FONT, _BLACK, _GRID = cv2.FONT_HERSHEY_SIMPLEX, (0, 0, 0), (225, 225, 225)


def _ascii(text: str) -> str:
    return text.replace("σ", "sigma").replace("×", "x").replace("−", "-").replace("²", "^2")


def line_plot(series: list[tuple[str, list[tuple], bool]], path: Path, *, x_range: tuple[float, float],
              y_range: tuple[float, float], x_ticks: list[tuple[float, str, str]],
              y_ticks: list[tuple[float, str]], x_title: str, y_title: str,
              size: tuple[int, int] = (820, 520), legend_width: int = 270) -> Path:
    """``series``: (label, points, dashed); a point is (x, y) or (x, y, tag). ``x_ticks``:
    (value, label, second line or ""); ``y_ticks``: (value, label)."""
    series = [(_ascii(label), [p[:2] + (_ascii(str(p[2])),) if len(p) > 2 else p for p in pts], dashed)
              for label, pts, dashed in series]
    x_title, y_title = _ascii(x_title), _ascii(y_title)
    W, H = size
    left, right, top, bottom = 70, legend_width, 40, 60
    img = np.full((H, W, 3), 255, np.uint8)
    (x0, x1), (y0, y1) = x_range, y_range

    def px(x: float, y: float) -> tuple[int, int]:
        return (int(round(left + (x - x0) / (x1 - x0) * (W - left - right))),
                int(round(H - bottom - (y - y0) / (y1 - y0) * (H - top - bottom))))

    for y, label in y_ticks:
        a, b = px(x0, y), px(x1, y)
        cv2.line(img, a, b, _GRID, 1)
        cv2.putText(img, label, (a[0] - 8 - 9 * len(label), a[1] + 5), _FONT, 0.45, _BLACK, 1, cv2.LINE_AA)
    for x, label, second in x_ticks:
        a = px(x, y0)
        cv2.line(img, a, px(x, y1), _GRID, 1)
        cv2.putText(img, label, (a[0] - 14, a[1] + 18), _FONT, 0.45, _BLACK, 1, cv2.LINE_AA)
        if second:
            cv2.putText(img, second, (a[0] - 14, a[1] + 34), _FONT, 0.4, (90, 90, 90), 1, cv2.LINE_AA)
    cv2.rectangle(img, px(x0, y1), px(x1, y0), _BLACK, 1)
    cv2.putText(img, x_title, (left + 120, H - 8), _FONT, 0.5, _BLACK, 1, cv2.LINE_AA)
    cv2.putText(img, y_title, (left, 24), _FONT, 0.55, _BLACK, 1, cv2.LINE_AA)
    for k, (label, pts, dashed) in enumerate(series):
        color = COLOURS[k % len(COLOURS)]
        pts = sorted(p for p in pts if np.isfinite(p[1]))
        for pa, pb in zip(pts, pts[1:]):
            a, b = np.array(px(pa[0], pa[1]), float), np.array(px(pb[0], pb[1]), float)
            if dashed:
                n = max(1, int(np.linalg.norm(b - a) // 8))
                for j in range(0, n, 2):
                    p, q = a + (b - a) * j / n, a + (b - a) * min(j + 1, n) / n
                    cv2.line(img, tuple(int(v) for v in p), tuple(int(v) for v in q), color, 2, cv2.LINE_AA)
            else:
                cv2.line(img, tuple(int(v) for v in a), tuple(int(v) for v in b), color, 2, cv2.LINE_AA)
        for p in pts:
            c = px(p[0], p[1])
            if dashed:
                cv2.rectangle(img, (c[0] - 4, c[1] - 4), (c[0] + 4, c[1] + 4), color, 2)
            else:
                cv2.circle(img, c, 4, color, -1, cv2.LINE_AA)
            if len(p) > 2 and p[2]:
                cv2.putText(img, str(p[2]), (c[0] + 5, c[1] - 6), _FONT, 0.35, color, 1, cv2.LINE_AA)
        ly, lx = top + 14 + 22 * k, W - right + 14
        cv2.line(img, (lx, ly), (lx + 28, ly), color, 2, cv2.LINE_AA)
        cv2.putText(img, label[: int((right - 40) / 6.4)], (lx + 36, ly + 5), _FONT, 0.42, _BLACK, 1, cv2.LINE_AA)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), img):
        raise OSError(f"cannot write {path}")
    return path
