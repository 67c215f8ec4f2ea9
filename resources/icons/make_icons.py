"""Write the app icon: ``app.svg`` (the source) and its PNG/ICO renderings beside it.

Run from anywhere: ``python resources/icons/make_icons.py``. Needs PySide6 (QtSvg) and Pillow.
The design: a photo tile split by a vertical divider, grainy on the left and clean on the
right — the app's before/after view in one picture.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def make_svg() -> str:
    rng = random.Random(7)  # fixed seed: the icon is reproducible
    grain = []
    cell = 16
    for y in range(72, 440, cell):
        for x in range(72, 256, cell):
            v = rng.randint(-70, 70)
            alpha = abs(v) / 100
            color = "#ffffff" if v > 0 else "#0b1f3a"
            grain.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{color}" fill-opacity="{alpha:.2f}"/>'
            )
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#3b82c4"/>
      <stop offset="1" stop-color="#1f4e8c"/>
    </linearGradient>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#ffd27a"/>
      <stop offset="1" stop-color="#f08a4b"/>
    </linearGradient>
    <clipPath id="photo"><rect x="72" y="72" width="368" height="368" rx="28"/></clipPath>
  </defs>
  <rect x="16" y="16" width="480" height="480" rx="96" fill="url(#bg)"/>
  <g clip-path="url(#photo)">
    <rect x="72" y="72" width="368" height="368" fill="url(#sky)"/>
    <circle cx="330" cy="190" r="52" fill="#fff4d6"/>
    <path d="M72 380 L190 250 L270 330 L340 270 L440 370 L440 440 L72 440 Z" fill="#2d5a3d"/>
    <g>{''.join(grain)}</g>
  </g>
  <rect x="72" y="72" width="368" height="368" rx="28" fill="none" stroke="#ffffff" stroke-width="10"/>
  <line x1="256" y1="56" x2="256" y2="456" stroke="#ffffff" stroke-width="12" stroke-linecap="round"/>
  <circle cx="256" cy="256" r="30" fill="#ffffff"/>
  <path d="M244 244 L232 256 L244 268 M268 244 L280 256 L268 268" fill="none" stroke="#1f4e8c"
        stroke-width="7" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
"""


def render_pngs(svg_path: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - needed for fonts/painting
    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise SystemExit(f"{svg_path} is not a valid SVG")
    out = []
    for size in PNG_SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = svg_path.with_name(f"app_{size}.png")
        if not img.save(str(path)):
            raise SystemExit(f"could not write {path}")
        out.append(path)
    return out


def make_ico(folder: Path) -> Path:
    from PIL import Image

    big = Image.open(folder / "app_256.png").convert("RGBA")
    path = folder / "app.ico"
    big.save(path, sizes=[(s, s) for s in ICO_SIZES])
    return path


def main() -> int:
    svg = HERE / "app.svg"
    svg.write_text(make_svg(), encoding="utf-8")
    pngs = render_pngs(svg)
    ico = make_ico(HERE)
    for p in [svg, *pngs, ico]:
        print(p.relative_to(HERE.parents[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
