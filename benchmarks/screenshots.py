"""Screenshots of the real app for the docs: ``python -m benchmarks.screenshots``.

Starts the desktop app under a virtual X server (re-running itself through ``xvfb-run`` when
there is no display; ``apt-get install -y xvfb libxcb-cursor0`` provides it on Debian/Ubuntu),
opens a noisy image made here (a photo bundled with scikit-image plus Gaussian noise σ=25, or a
synthetic scene without scikit-image), denoises it with the default model, and saves one PNG per
tab/view into ``docs/screenshots/``:

    denoise_split.png  side_by_side.png  difference.png  compare.png  batch.png  training.png
    about.png

Settings and user data go to a temporary folder, so the real profile is never touched.
``--offscreen`` skips X entirely (Qt's offscreen platform: no window manager, same pixels).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_CHILD_FLAG = "DENOISE_DESKTOP_SCREENSHOTS_CHILD"


def wait_until(app, failures: list[str], cond, timeout: float = 120.0, what: str = "") -> None:
    """Run the event loop until ``cond()``; an error dialog recorded in ``failures`` or the
    timeout ends the script with the reason. Then a few more rounds so repaints land."""
    t0 = time.monotonic()
    while not cond():
        app.processEvents()
        if failures:
            raise SystemExit(f"failed while waiting for {what}: {failures[-1]}")
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


def _maybe_reexec_under_xvfb(args: argparse.Namespace) -> None:
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    if os.environ.get("DISPLAY") or os.environ.get(_CHILD_FLAG) or sys.platform != "linux":
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        print("xvfb-run not found (apt-get install -y xvfb libxcb-cursor0); using Qt's offscreen platform")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    env = dict(os.environ, **{_CHILD_FLAG: "1"})
    cmd = [xvfb, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "benchmarks.screenshots", *sys.argv[1:]]
    raise SystemExit(subprocess.call(cmd, env=env, cwd=ROOT))


def _test_images(folder: Path, sigma: float = 25.0, seed: int = 0) -> tuple[Path, Path]:
    """(clean.png, noisy.png): a real photo when scikit-image has one, else a synthetic scene."""
    import numpy as np
    from PIL import Image

    clean = None
    try:
        from skimage import data

        clean = data.chelsea()  # 300×451 RGB, ships inside scikit-image
    except Exception:  # noqa: BLE001 - any failure: fall back to the synthetic scene
        clean = None
    if clean is None:
        h, w = 320, 480
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        clean = np.stack([40 + 170 * xx / w, 60 + 140 * yy / h, 150 + 60 * np.sin(xx / 17) * np.cos(yy / 23)], 2)
        clean[(xx - 300) ** 2 + (yy - 150) ** 2 < 70**2] = (235, 210, 80)
        clean[200:260, 60:200] = (30, 90, 40)
        clean = clean.clip(0, 255).astype(np.uint8)
    rng = np.random.default_rng(seed)
    noisy = (clean.astype(np.float32) + rng.normal(0, sigma, clean.shape)).round().clip(0, 255).astype(np.uint8)
    clean_path, noisy_path = folder / "clean.png", folder / "noisy_cat.png"
    Image.fromarray(clean).save(clean_path)
    Image.fromarray(noisy).save(noisy_path)
    return clean_path, noisy_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--offscreen", action="store_true", help="no X server: Qt's offscreen platform")
    parser.add_argument("--model", default=None, help="model id to denoise with (default: the registry's)")
    args = parser.parse_args(argv)
    _maybe_reexec_under_xvfb(args)

    work = Path(tempfile.mkdtemp(prefix="dd-screens-"))
    os.environ["DENOISE_DESKTOP_SETTINGS_DIR"] = str(work / "settings")
    os.environ.setdefault("DENOISE_DESKTOP_HOME", str(work / "home"))
    args.out.mkdir(parents=True, exist_ok=True)
    clean_path, noisy_path = _test_images(work)

    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from denoise_desktop.gui.app import create_app
    from denoise_desktop.gui.dialogs import error as error_dialog
    from denoise_desktop.gui.dialogs.about import AboutDialog
    from denoise_desktop.gui.main_window import MainWindow
    from denoise_desktop.gui.workers import TaskRunner
    from denoise_desktop.settings import AppSettings

    app = create_app([sys.argv[0]])
    failures: list[str] = []
    error_dialog.show_error = lambda _parent, title, err: failures.append(f"{title}: {err}")  # never block

    def wait(cond, timeout: float = 120.0, what: str = "") -> None:
        wait_until(app, failures, cond, timeout, what)

    def shot(widget, name: str) -> Path:
        wait(lambda: True)
        path = args.out / f"{name}.png"
        if not widget.grab().save(str(path), "PNG", 0):  # 0 = smallest file
            raise SystemExit(f"could not write {path}")
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return path

    runner = TaskRunner(app)
    app.aboutToQuit.connect(lambda: runner.shutdown(10_000))
    window = MainWindow(runner, AppSettings())
    window.resize(1280, 800)
    window.show()
    panel = window.denoise_panel
    wait(lambda: panel.model_combo.count() > 0, what="the model list")
    wait(lambda: bool(window.devices), what="the device list")
    model = args.model or panel.current_model_id()
    if not panel.set_model(model):
        raise SystemExit(f"unknown model {model!r}")
    window.open_image(noisy_path)
    wait(window.document.has_image, what="the image")
    wait(lambda: window.document.estimated_sigma is not None, what="the noise estimate")
    t0 = time.perf_counter()
    window.act_denoise.trigger()
    wait(window.document.has_result, timeout=600, what="denoising")
    print(f"denoised {noisy_path.name} with {model} in {time.perf_counter() - t0:.2f} s "
          f"(engine {window.document.result_info.get('seconds', 0):.2f} s)")

    view = window.viewer.before_after
    view.set_zoom(1.75)
    view.centerOn(QPointF(225, 130))
    view.set_divider(0.5)
    pos = view.mapFromScene(QPointF(240, 130))
    view._report_pixel(pos)  # fill the status-bar readout as if the mouse were there
    print("screenshots:")
    shot(window, "denoise_split")
    compare = window.compare_panel
    compare.load_reference(clean_path)  # a reference makes the side-by-side view 4-up
    wait(lambda: window.document.reference is not None, what="the reference")
    window.act_side.trigger()
    shot(window, "side_by_side")
    window.act_diff.trigger()
    wait(lambda: window.viewer.diff.canvas.image() is not None, what="the difference image")
    shot(window, "difference")
    window.act_split.trigger()

    window.tabs.setCurrentIndex(1)
    from denoise_desktop import registry

    entries = registry.list_models()
    picks = [model]
    for e in [e for e in entries if e.kind == "network"] + [e for e in entries if e.kind == "classical"]:
        if e.id not in picks and "bm3d" not in e.id and len(picks) < 3:
            picks.append(e.id)  # three models + the input: a 2×2 grid
    compare.set_checked(picks)
    compare.run()
    wait(lambda: not compare.is_busy() and compare.items, timeout=600, what="the comparison")
    shot(window, "compare")

    window.tabs.setCurrentIndex(2)
    add = getattr(window.batch_panel, "add_inputs", None)
    if callable(add):
        add([str(noisy_path), str(clean_path)])
    shot(window, "batch")
    window.tabs.setCurrentIndex(3)
    shot(window, "training")
    window.tabs.setCurrentIndex(0)

    about = AboutDialog(window.devices, "", window)
    about.show()
    shot(about, "about")
    about.close()
    window.close()
    QApplication.processEvents()
    runner.shutdown(10_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
