"""GUI test fixtures: offscreen Qt, settings redirected to tmp, user data in tmp."""

from __future__ import annotations

import os

# Before any QApplication exists (pytest-qt creates it lazily in the qapp fixture).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6")

from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path, monkeypatch, qapp):
    """Every test gets empty QSettings in tmp_path and its own user dir (napari _fresh_settings)."""
    QCoreApplication.setOrganizationName("DenoiseDesktopTests")
    QCoreApplication.setApplicationName("Denoise Desktop Tests")
    settings_dir = tmp_path / "qsettings"
    settings_dir.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(settings_dir))
    monkeypatch.setenv("DENOISE_DESKTOP_HOME", str(tmp_path / "home"))
    yield settings_dir
    QSettings().clear()


@pytest.fixture
def runner(qapp):
    from denoise_desktop.gui.workers import TaskRunner

    r = TaskRunner(max_threads=2)
    yield r
    r.shutdown(5000)


@pytest.fixture
def errors(monkeypatch):
    """Error dialogs are recorded instead of shown (a modal box would block the test)."""
    seen: list[tuple[str, object]] = []
    monkeypatch.setattr("denoise_desktop.gui.dialogs.error.show_error", lambda parent, title, err: seen.append((title, err)))
    return seen


@pytest.fixture
def window(qtbot, runner, errors):
    """The main window, shown, with its model list loaded."""
    from denoise_desktop.gui.main_window import MainWindow
    from denoise_desktop.settings import AppSettings

    w = MainWindow(runner, AppSettings())
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.denoise_panel.model_combo.count() > 0, timeout=20000)
    yield w
    w.close()
