"""Progress, pause and cancel for long work (the chaiNNer ``Progress`` shape).

Long functions take a ``Progress`` and call ``set()`` with their local fraction and
``check_cancelled()`` between steps (tiles, files, batches). The GUI passes one whose callback
emits a Qt signal; the CLI passes one that draws a bar; everything else passes ``NOOP``.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

__all__ = ["Cancelled", "CancelToken", "Progress", "NOOP"]


class Cancelled(Exception):
    """Raised inside long work when the user cancelled it."""


class CancelToken:
    """Thread-safe cancel/pause flags shared between a worker and whoever controls it."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.paused_seconds = 0.0  # time the worker spent held in check_cancelled (per-file times exclude it)

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # wake a paused worker so it can see the cancel

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self, timeout: float | None = None) -> None:
        self._running.wait(timeout)


class Progress:
    """A fraction in [0, 1] of some work, mapped into a parent's range.

    ``callback(fraction, message)`` receives the *global* fraction. ``sub(a, b)`` returns a child
    whose 0..1 maps to a..b of this one, so nested work reports without knowing its context.
    """

    def __init__(
        self,
        callback: Callable[[float, str], None] | None = None,
        token: CancelToken | None = None,
        *,
        _offset: float = 0.0,
        _span: float = 1.0,
    ) -> None:
        self._callback = callback
        self.token = token
        self._offset = _offset
        self._span = _span

    def set(self, fraction: float, message: str = "") -> None:
        if self._callback is not None:
            f = min(1.0, max(0.0, float(fraction)))
            self._callback(self._offset + self._span * f, message)

    def check_cancelled(self) -> None:
        """Block while paused; raise ``Cancelled`` if cancelled."""
        if self.token is None:
            return
        if self.token.paused:
            t0 = time.perf_counter()
            while self.token.paused and not self.token.cancelled:
                self.token.wait_while_paused(0.1)
            self.token.paused_seconds += time.perf_counter() - t0
        if self.token.cancelled:
            raise Cancelled()

    @property
    def cancelled(self) -> bool:
        return self.token is not None and self.token.cancelled

    def sub(self, start: float, end: float) -> "Progress":
        return Progress(
            self._callback,
            self.token,
            _offset=self._offset + self._span * start,
            _span=self._span * (end - start),
        )


NOOP = Progress()
