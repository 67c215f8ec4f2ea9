"""The QApplication: names, icon, style, light/dark palette, the task runner and the window.

``run_app(argv)`` is what ``denoise-desktop-gui`` and ``denoise-desktop`` (no subcommand) run.
Arguments: image paths to open (the first one opens) and ``--quit-after MS`` (smoke tests and
screenshot scripts: quit by itself after MS milliseconds).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

_STARTED = time.perf_counter()  # before Qt loads: start-up time as the user feels it

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from denoise_desktop import __version__, paths

__all__ = ["create_app", "run_app", "app_icon", "apply_color_scheme", "ORG_NAME", "APP_NAME", "APP_DISPLAY_NAME"]

ORG_NAME = "DenoiseDesktop"
APP_NAME = "Denoise Desktop"
APP_DISPLAY_NAME = "Denoise Desktop"
log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    """The app icon from resources/icons (SVG where Qt can draw it, PNG renderings otherwise)."""
    icon = QIcon()
    folder = paths.resources_dir() / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        png = folder / f"app_{size}.png"
        if png.exists():
            icon.addFile(str(png))
    svg = folder / "app.svg"
    if icon.isNull() and svg.exists():
        icon.addFile(str(svg))
    return icon


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor(30, 30, 30), QColor(45, 45, 45), QColor(230, 230, 230)
    disabled = QColor(127, 127, 127)
    for role, color in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, window),
        (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor(255, 80, 80)),
        (QPalette.ColorRole.Link, QColor(90, 160, 255)),
        (QPalette.ColorRole.Highlight, QColor(60, 120, 210)),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.PlaceholderText, disabled),
    ):
        p.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply_color_scheme(app: QApplication) -> str:
    """Follow the system's light/dark setting (Qt ≥ 6.5 reports it); returns "dark" or "light".

    The platform palette is used as is when it already matches; a dark palette is supplied only
    where the platform says "dark" but hands Fusion a light palette (some Linux desktops).
    """
    scheme = app.styleHints().colorScheme()
    dark = scheme == Qt.ColorScheme.Dark
    app.setPalette(QPalette())  # an empty palette: back to the platform's own for this scheme
    platform_is_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    if dark and not platform_is_dark:
        app.setPalette(_dark_palette())
    return "dark" if dark else "light"


# Libraries Qt ≥ 6.5's xcb plugin needs beyond Qt itself; without one Qt aborts with a generic
# "could not load the Qt platform plugin" message that names none of them.
XCB_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4", "xcb-keysyms": "libxcb-keysyms1"}


def missing_xcb_packages(platform: str | None = None, find=None) -> list[str]:
    """Debian package names of the xcb libraries this Linux desktop lacks (empty elsewhere, or
    when Qt is told to use another platform, e.g. ``QT_QPA_PLATFORM=offscreen`` or wayland)."""
    import ctypes.util

    platform = os.environ.get("QT_QPA_PLATFORM", "") if platform is None else platform
    if not sys.platform.startswith("linux") or (platform and not platform.startswith("xcb")):
        return []
    if not platform and os.environ.get("WAYLAND_DISPLAY"):  # Qt may take Wayland there
        return []
    find = find or ctypes.util.find_library
    return [pkg for lib, pkg in XCB_LIBRARIES.items() if not find(lib)]


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused if one exists, e.g. under pytest-qt)."""
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    from . import qsettings

    qsettings.configure_from_env()
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setDesktopFileName("denoise-desktop")
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")  # same look on every OS, and it honours light/dark palettes
    apply_color_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _s: apply_color_scheme(app))
    return app


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="denoise-desktop-gui", description="Denoise Desktop")
    parser.add_argument("images", nargs="*", help="image to open")
    parser.add_argument("--quit-after", type=int, default=None, metavar="MS", help=argparse.SUPPRESS)
    args, _qt_args = parser.parse_known_args(argv)  # Qt's own options (-platform …) pass through
    return args


def run_app(argv: list[str] | None = None) -> int:
    """Run the app; ``argv`` are the arguments *after* the program name (like ``cli.main``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    missing = [] if QApplication.instance() else missing_xcb_packages()
    if missing:
        print("error: the window needs libraries Qt's xcb plugin loads: "
              f"sudo apt install {' '.join(missing)}  (or run headless: QT_QPA_PLATFORM=offscreen, "
              "or use the command line: denoise-desktop run …)", file=sys.stderr)
        return 1
    app = create_app([sys.argv[0] if sys.argv and sys.argv[0] else "denoise-desktop", *argv])

    from . import qsettings
    from .main_window import MainWindow
    from .workers import TaskRunner

    runner = TaskRunner(app)
    app.aboutToQuit.connect(lambda: runner.shutdown(10_000))
    window = MainWindow(runner, qsettings.load_settings())
    window.show()
    if args.images:
        window.open_image(Path(args.images[0]))
    # The frozen bundle starts the GUI through cli.main() without arguments, so its smoke test
    # (packaging/smoke_test.py) steers it through the environment instead.
    quit_after = args.quit_after
    if quit_after is None and os.environ.get("DENOISE_DESKTOP_QUIT_AFTER_MS"):
        quit_after = int(os.environ["DENOISE_DESKTOP_QUIT_AFTER_MS"])
    if os.environ.get("DENOISE_DESKTOP_REPORT_STARTUP") == "1":
        QTimer.singleShot(0, lambda: print(f"window-shown {time.perf_counter() - _STARTED:.3f}",
                                           file=sys.stderr, flush=True))
    if quit_after is not None:
        QTimer.singleShot(max(0, quit_after), window.close)
        QTimer.singleShot(max(0, quit_after) + 50, app.quit)
    return int(app.exec())
