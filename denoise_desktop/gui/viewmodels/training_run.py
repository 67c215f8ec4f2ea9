"""What the training panel knows about one run: curve buffers and the latest figures.

Events arrive as fast as the trainer prints them (hundreds per second on a GPU); the plot is
redrawn at 5 Hz. So events only append into numpy buffers that double when full (amortised O(1),
no Python lists of floats to convert on every redraw) and set ``dirty``; the panel's timer hands
``x``/``y`` views to ``curve.setData`` and clears it. Qt-free on purpose: easy to test.
"""

from __future__ import annotations

import math
import time
from typing import Any, Mapping

import numpy as np

__all__ = ["CurveBuffer", "TrainingRun"]


class CurveBuffer:
    """Append-only (x, y) float64 series with doubling capacity."""

    def __init__(self, capacity: int = 256) -> None:
        self._data = np.empty((2, max(1, int(capacity))), dtype=np.float64)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        return self._data.shape[1]

    def append(self, x: float, y: float) -> None:
        if self._n == self._data.shape[1]:
            grown = np.empty((2, self._data.shape[1] * 2), dtype=np.float64)
            grown[:, : self._n] = self._data[:, : self._n]
            self._data = grown
        self._data[0, self._n] = x
        self._data[1, self._n] = y
        self._n += 1

    def clear(self) -> None:
        self._n = 0

    @property
    def x(self) -> np.ndarray:
        """A view of the filled part (valid until the next append that grows the buffer)."""
        return self._data[0, : self._n]

    @property
    def y(self) -> np.ndarray:
        return self._data[1, : self._n]

    def last(self) -> tuple[float, float] | None:
        if self._n == 0:
            return None
        return float(self._data[0, self._n - 1]), float(self._data[1, self._n - 1])


def _payload(event: Any) -> Mapping[str, Any]:
    """The fields of a ``training.events.Event`` (its ``data`` dict) or of a plain mapping."""
    if isinstance(event, Mapping):
        return event
    data = getattr(event, "data", None)
    return data if isinstance(data, Mapping) else {}


def _number(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class TrainingRun:
    """Accumulates the events of one training process.

    ``state`` goes ``"idle" → "running" → "done" | "stopped" | "failed"``. ``export_path`` is set by
    an ``export`` event; ``run_dir`` by ``start`` (used for Resume).
    """

    def __init__(self) -> None:
        self.train_loss = CurveBuffer()
        self.val_psnr = CurveBuffer()
        self.reset()

    def reset(self) -> None:
        self.train_loss.clear()
        self.val_psnr.clear()
        self.state = "idle"
        self.run_dir: str | None = None
        self.export_path: str | None = None
        self.error: str | None = None
        self.step = 0
        self.total_steps: int | None = None
        self.epoch: int | None = None
        self.total_epochs: int | None = None
        self.images_per_s: float | None = None
        self.eta_s: float | None = None
        self.best_psnr: float | None = None
        self.events_seen = 0
        self.dirty = True
        self._started_at: float | None = None
        self._start_step = 0

    # -- events ---------------------------------------------------------------------------
    def apply(self, event: Any) -> None:
        """Fold one parsed event into the run (unknown types are counted and ignored)."""
        d = _payload(event)
        kind = d.get("type") if isinstance(event, Mapping) else getattr(event, "type", None)
        self.events_seen += 1
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(self, d)
            self.dirty = True

    def _on_start(self, e: Mapping[str, Any]) -> None:
        self.state = "running"
        self._started_at = time.monotonic()
        self.run_dir = e.get("run_dir") or self.run_dir
        self.total_steps = _int(e.get("total_steps")) or self.total_steps
        self.total_epochs = _int(e.get("epochs")) or _int(e.get("total_epochs")) or self.total_epochs
        start_step = _int(e.get("step"))
        if start_step:
            self.step = start_step
        self._start_step = self.step

    def _on_step(self, e: Mapping[str, Any]) -> None:
        if self.state == "idle":
            self.state = "running"
        step = _int(e.get("step"))
        if step is not None:
            self.step = step
        self.total_steps = _int(e.get("total_steps")) or self.total_steps
        epoch = _int(e.get("epoch"))
        if epoch is not None:
            self.epoch = epoch
        loss = _number(e.get("loss"))
        if loss is not None:
            self.train_loss.append(self.step, loss)
        ips = _number(e.get("images_per_s"))
        if ips is not None:
            self.images_per_s = ips
        eta = _number(e.get("eta_s"))
        self.eta_s = eta if eta is not None else self._estimate_eta()

    def _on_epoch(self, e: Mapping[str, Any]) -> None:
        epoch = _int(e.get("epoch"))
        if epoch is not None:
            self.epoch = epoch
        step = _int(e.get("step"))
        if step is not None:
            self.step = max(self.step, step)
        psnr = _number(e.get("val_psnr"))
        if psnr is not None:
            self.val_psnr.append(self.step, psnr)
            self.best_psnr = psnr if self.best_psnr is None else max(self.best_psnr, psnr)
        best = _number(e.get("best_psnr"))
        if best is not None:
            self.best_psnr = best if self.best_psnr is None else max(self.best_psnr, best)

    def _on_checkpoint(self, e: Mapping[str, Any]) -> None:
        pass  # nothing to plot; the panel logs it

    def _on_export(self, e: Mapping[str, Any]) -> None:
        path = e.get("path")
        if path:
            self.export_path = str(path)

    def _on_done(self, e: Mapping[str, Any]) -> None:
        self.state = "stopped" if e.get("stopped") or e.get("reason") == "stopped" else "done"
        self.eta_s = 0.0

    def _on_error(self, e: Mapping[str, Any]) -> None:
        self.state = "failed"
        self.error = str(e.get("message") or e.get("error") or "training failed")

    _handlers = {
        "start": _on_start, "step": _on_step, "epoch": _on_epoch, "checkpoint": _on_checkpoint,
        "export": _on_export, "done": _on_done, "error": _on_error,
    }

    # -- derived --------------------------------------------------------------------------
    def _estimate_eta(self) -> float | None:
        done = self.step - self._start_step
        if not self.total_steps or self._started_at is None or done <= 0:
            return None
        elapsed = time.monotonic() - self._started_at
        return max(0.0, elapsed / done * (self.total_steps - self.step))

    @property
    def fraction(self) -> float | None:
        if not self.total_steps:
            return None
        return min(1.0, self.step / self.total_steps)


def _int(value: Any) -> int | None:
    f = _number(value)
    return None if f is None else int(f)
