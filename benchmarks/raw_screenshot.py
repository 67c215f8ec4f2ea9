"""Screenshot of the real app with a camera RAW open and denoised: ``docs/screenshots/raw_denoise.png``.

The RAW is made here (no camera file may be shipped): a photo bundled with scikit-image,
linearised, given high-ISO sensor noise (photon shot noise + read noise) and a daylight-like
sensor response, then written as a Bayer DNG (``raw_preview.write_dng``). The app opens it (its
LibRaw develop: camera white balance, AHD, 16-bit sRGB), denoises it with the default model and
the window is grabbed with the before/after divider in the middle.

    python -m benchmarks.raw_screenshot [--out docs/screenshots] [--model ID] [--raw FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def noisy_raw(path: Path, seed: int = 0) -> Path:
    from benchmarks.raw_preview import write_dng

    try:
        from skimage import data

        srgb = data.coffee().astype(np.float32) / 255  # 400×600 RGB, ships inside scikit-image
    except Exception:  # noqa: BLE001 - a synthetic scene without scikit-image
        yy, xx = np.mgrid[0:400, 0:600].astype(np.float32)
        srgb = np.stack([0.2 + 0.6 * xx / 600, 0.2 + 0.5 * yy / 400, 0.6 + 0.2 * np.sin(xx / 17)], 2)
    lin = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    rng = np.random.default_rng(seed)
    full_well = 80.0  # electrons at white: a small pixel at a very high ISO
    lin = rng.poisson(lin * full_well).astype(np.float32) / full_well + rng.normal(0, 0.004, lin.shape)
    write_dng(path, np.clip(lin, 0, 1).astype(np.float32), None, neutral=(0.47, 1.0, 0.68), model="ISO 6400")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--model", default=None, help="model id (default: the app's)")
    ap.add_argument("--raw", type=Path, default=None, help="open this RAW file instead of generating one")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="dd-raw-shot-"))
    os.environ["DENOISE_DESKTOP_SETTINGS_DIR"] = str(work / "settings")
    os.environ.setdefault("DENOISE_DESKTOP_HOME", str(work / "home"))
    src = args.raw or noisy_raw(work / "coffee_iso6400.dng")

    from PySide6.QtCore import QPointF

    from denoise_desktop.gui.app import create_app
    from denoise_desktop.gui.dialogs import error as error_dialog
    from denoise_desktop.gui.main_window import MainWindow
    from denoise_desktop.gui.workers import TaskRunner
    from denoise_desktop.settings import AppSettings

    app = create_app([sys.argv[0]])
    failures: list[str] = []
    error_dialog.show_error = lambda _parent, title, err: failures.append(f"{title}: {err}")

    from benchmarks.screenshots import wait_until

    def wait(cond, timeout: float = 300.0, what: str = "") -> None:
        wait_until(app, failures, cond, timeout, what)

    runner = TaskRunner(app)
    window = MainWindow(runner, AppSettings())
    window.resize(1280, 800)
    window.show()
    panel = window.denoise_panel
    wait(lambda: panel.model_combo.count() > 0, what="the model list")
    if args.model and not panel.set_model(args.model):
        raise SystemExit(f"unknown model {args.model!r}")
    window.open_image(src)
    wait(window.document.has_image, what="the RAW develop")
    wait(lambda: window.document.estimated_sigma is not None, what="the noise estimate")
    img = window.document.original
    print(f"opened {src.name}: {img.width}×{img.height}, {img.bit_depth}-bit, σ≈{window.document.estimated_sigma:.1f}")
    window.act_denoise.trigger()
    wait(window.document.has_result, timeout=600, what="denoising")
    print(f"denoised with {panel.current_model_id()}: {panel.progress_label.text()}")
    view = window.viewer.before_after
    view.set_zoom(1.5)
    view.centerOn(QPointF(window.document.original.width / 2, window.document.original.height / 2))
    view.set_divider(0.5)
    wait(lambda: True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "raw_denoise.png"
    if not window.grab().save(str(path), "PNG", 0):
        raise SystemExit(f"could not write {path}")
    print(f"  {path}")
    window.close()
    runner.shutdown(10_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
