"""The main window's status bar: the pixel under the cursor, zoom, device and memory readouts
(permanent widgets, so temporary messages never hide them)."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

__all__ = ["StatusReadouts", "memory_text", "device_text"]

_MEMORY_REFRESH_MS = 2000


def _rss_bytes() -> int | None:
    """This process's resident memory (cheap: no psutil needed on Linux)."""
    try:
        import psutil  # optional, exact everywhere

        return int(psutil.Process().memory_info().rss)
    except ImportError:
        pass
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)
    except (ImportError, OSError):
        return None


def memory_text() -> str:
    """"RAM 812 MB · GPU 1.2 / 12.0 GB" — GPU only when torch already initialised CUDA."""
    parts = []
    rss = _rss_bytes()
    if rss is not None:
        parts.append(f"RAM {rss / 2**20:.0f} MB")
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_initialized():
            used = torch.cuda.memory_allocated()
            free, total = torch.cuda.mem_get_info()
            parts.append(f"GPU {used / 2**30:.1f} GB used, {free / 2**30:.1f} / {total / 2**30:.1f} GB free")
    except Exception:  # noqa: BLE001 - a status line must never raise
        pass
    return " · ".join(parts)


def device_text(device: str, devices: list) -> str:
    """"Device: auto → NVIDIA …" — which device "auto" picks among ``devices``, or the chosen one's name."""
    label = device
    if device == "auto" and devices:
        best = next((d for d in devices if d.kind == "cuda"), None) or next(
            (d for d in devices if d.kind == "mps"), None
        ) or devices[0]
        label = f"auto → {best.name}"
    else:
        match = next((d for d in devices if d.id == device), None)
        if match is not None:
            label = match.name
    return f"Device: {label}"


class StatusReadouts:
    """The four permanent labels of ``status_bar`` and the timer that refreshes the memory one."""

    def __init__(self, status_bar: QStatusBar) -> None:
        self.pixel_label = QLabel("", status_bar)
        self.zoom_label = QLabel("", status_bar)
        self.device_label = QLabel("Device: auto", status_bar)
        self.memory_label = QLabel("", status_bar)
        for label in (self.pixel_label, self.zoom_label, self.device_label, self.memory_label):
            status_bar.addPermanentWidget(label)
        self._timer = QTimer(status_bar)
        self._timer.setInterval(_MEMORY_REFRESH_MS)
        self._timer.timeout.connect(self.update_memory)
        self._timer.start()
        self.update_memory()

    def update_memory(self) -> None:
        self.memory_label.setText(memory_text())

    def show_device(self, device: str, devices: list) -> None:
        self.device_label.setText(device_text(device, devices))
        self.device_label.setToolTip("\n".join(f"{d.id}: {d.label()}" for d in devices))
