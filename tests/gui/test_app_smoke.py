"""The real app starts in a fresh process, opens an image, and quits itself (single-shot timer)."""

from __future__ import annotations

import os
import subprocess
import sys

from gui_helpers import clean_and_noisy, write_png


def test_app_starts_opens_and_quits(tmp_path):
    image = write_png(tmp_path / "noisy.png", clean_and_noisy()[1])
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        DENOISE_DESKTOP_HOME=str(tmp_path / "home"),
        DENOISE_DESKTOP_SETTINGS_DIR=str(tmp_path / "settings"),
        OMP_NUM_THREADS="1",
    )
    code = "import sys; from denoise_desktop.gui import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(image), "--quit-after", "2500"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    # quitting saved the window state and the opened image as a recent file
    ini = list((tmp_path / "settings").rglob("*.ini"))
    assert ini, "no settings written on quit"
    text = ini[0].read_text()
    assert "geometry" in text and "noisy.png" in text


_WATCH_TORCH = """
import sys, threading
seen = []
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            seen.append(threading.current_thread() is threading.main_thread())
        return None
sys.meta_path.insert(0, Watch())
from PySide6.QtCore import QTimer
from denoise_desktop.gui.app import create_app
from denoise_desktop.gui import qsettings
from denoise_desktop.gui.main_window import MainWindow
from denoise_desktop.gui.workers import TaskRunner
app = create_app(["x"])
runner = TaskRunner(app)
window = MainWindow(runner, qsettings.load_settings())
window.show()
app.processEvents()
print("before-show", seen, flush=True)
QTimer.singleShot(100, lambda: None)
while window.denoise_panel.model_combo.count() == 0:
    app.processEvents()
print("after", seen, flush=True)
runner.shutdown(10_000)
"""


def test_window_is_built_without_importing_torch_on_the_gui_thread(tmp_path):
    """torch takes seconds to import: the window shows first, a worker lists the models."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DENOISE_DESKTOP_HOME=str(tmp_path / "home"),
               DENOISE_DESKTOP_SETTINGS_DIR=str(tmp_path / "settings"), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", _WATCH_TORCH], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "before-show []" in proc.stdout, proc.stdout  # nothing imported torch yet
    assert "after [False]" in proc.stdout, proc.stdout  # then a worker thread did, once


def test_dark_system_scheme_gets_a_dark_palette(qapp):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPalette

    from denoise_desktop.gui.app import apply_color_scheme

    class FakeApp:  # a platform that says "dark" but hands out a light palette
        def __init__(self, scheme):
            self.scheme, self.pal = scheme, QPalette()

        def styleHints(self):
            return type("Hints", (), {"colorScheme": lambda _s: self.scheme})()

        def setPalette(self, pal):
            self.pal = QPalette(pal)

        def palette(self):
            return self.pal

    window = QPalette.ColorRole.Window
    dark = FakeApp(Qt.ColorScheme.Dark)
    assert apply_color_scheme(dark) == "dark"
    assert dark.pal.color(window).lightness() < 128
    light = FakeApp(Qt.ColorScheme.Light)
    assert apply_color_scheme(light) == "light"
    assert light.pal.color(window).lightness() >= 128
