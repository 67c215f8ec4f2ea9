"""Run plain core functions off the GUI thread, with progress, pause, cancel and serial lanes.

The shape follows superqt's workers: a task is a ``QRunnable`` plus a *separate*
``TaskSignals(QObject)`` created on the GUI thread (composition, so the signals object lives on
the GUI thread and every emit from the pool thread is queued there). A ``QRunnable`` has no event
loop, so cancel and pause are thread-safe flags (a ``CancelToken``) that the function reads
through the ``Progress`` it is given, never signals.

Usage::

    task = runner.submit(engine.denoise_image, image, denoiser, sigma, strength, lane="preview")
    task.signals.progress.connect(bar.set_fraction)
    task.signals.finished.connect(show_result)
    task.signals.failed.connect(show_error)

The function is called as ``fn(*args, progress=<Progress>, **kwargs)``. If it returns a
generator, each yielded value is emitted as ``signals.yielded`` and cancellation is checked
between yields; the generator's return value is the ``finished`` result.

Tasks start on the GUI thread's next event-loop turn, never inside ``submit()``: connecting
signals right after ``submit()`` returns cannot miss an outcome however fast the task is.

Lanes: tasks with the same lane name run one at a time in submission order, so a 2-core CPU or a
single GPU is not oversubscribed; different lanes run concurrently. Submitting to a *replacing*
lane (``"preview"`` by default) cancels what is queued or running there first.

This module is the only code in the application that runs off the GUI thread.
"""

from __future__ import annotations

import inspect
import logging
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from denoise_desktop.progress import Cancelled, CancelToken, Progress

__all__ = ["ErrorInfo", "TaskSignals", "Task", "TaskRunner", "PROGRESS_MIN_INTERVAL_S"]

log = logging.getLogger(__name__)

#: Progress is forwarded at most this often (~20 Hz) so a fast loop cannot flood the event queue.
PROGRESS_MIN_INTERVAL_S = 0.05


def _is_user_error(exc: BaseException) -> bool:
    """Errors the user can act on (bad input, a full disk, a missing file), not bugs."""
    from denoise_desktop.batch import BatchError
    from denoise_desktop.engine import OutOfMemory
    from denoise_desktop.imageio import ImageIOError

    known: tuple[type, ...] = (BatchError, OutOfMemory, ImageIOError, FileNotFoundError, PermissionError,
                               IsADirectoryError, NotADirectoryError)
    if "denoise_desktop.weights" in sys.modules:  # (imports torch: only if already loaded)
        known += (sys.modules["denoise_desktop.weights"].WeightsError,)
    return isinstance(exc, known)


@dataclass(frozen=True)
class ErrorInfo:
    """What went wrong in a worker, in a form that crosses threads and fits in a dialog."""

    type_name: str
    message: str
    traceback: str
    user_error: bool = False  # bad input, a full disk…: the message alone says it (no class name)

    @classmethod
    def from_exception(cls, exc: BaseException) -> "ErrorInfo":
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(type(exc).__name__, str(exc), tb, _is_user_error(exc))

    def __str__(self) -> str:
        if self.user_error and self.message:  # "photo.jpg: truncated…", not "ImageReadError: photo.jpg…"
            return self.message
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


class TaskSignals(QObject):
    """Outcome and progress signals of one task; created on the GUI thread."""

    started = Signal()
    progress = Signal(float, str)  # global fraction in [0, 1], message
    yielded = Signal(object)  # one value per generator step
    finished = Signal(object)  # the function's result
    cancelled = Signal()
    failed = Signal(object)  # ErrorInfo
    ended = Signal()  # always emitted last, after exactly one of finished/cancelled/failed


class _ThrottledProgress(Progress):
    """A ``Progress`` whose callback emits ``signals.progress`` at most ~20 times a second."""

    def __init__(self, signals: TaskSignals, token: CancelToken) -> None:
        self._signals = signals
        self._last = 0.0
        self._lock = threading.Lock()
        super().__init__(self._emit, token)

    def _emit(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        with self._lock:
            # The first and the last update always go through; in between, at most one per interval.
            if fraction < 1.0 and self._last and now - self._last < PROGRESS_MIN_INTERVAL_S:
                return
            self._last = now
        self._signals.progress.emit(float(fraction), str(message))


class _Runnable(QRunnable):
    def __init__(self, task: "Task") -> None:
        super().__init__()
        self._task = task
        # Python keeps the runnable alive through the task; Qt must not delete it under us.
        self.setAutoDelete(False)

    def run(self) -> None:  # pool thread
        self._task._execute()


class Task:
    """One submitted call. ``cancel()``/``pause()``/``resume()`` are safe from any thread."""

    QUEUED, RUNNING, FINISHED, CANCELLED, FAILED = "queued", "running", "finished", "cancelled", "failed"

    def __init__(self, runner: "TaskRunner", fn: Callable[..., Any], args: tuple, kwargs: dict, lane: str) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.lane = lane
        self.token = CancelToken()
        self.signals = TaskSignals()  # on the GUI thread: submit() is called there
        self.state = Task.QUEUED
        self.result: Any = None
        self.error: ErrorInfo | None = None
        self._runner = runner
        self._runnable = _Runnable(self)
        self._done_event = threading.Event()

    # -- control -------------------------------------------------------------------------------
    def cancel(self) -> None:
        self.token.cancel()
        self._runner._cancel_queued(self)

    def pause(self) -> None:
        self.token.pause()

    def resume(self) -> None:
        self.token.resume()

    @property
    def done(self) -> bool:
        return self._done_event.is_set()

    @property
    def paused(self) -> bool:
        return self.token.paused

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the task ended (for tests and shutdown); True if it did."""
        return self._done_event.wait(timeout)

    def __repr__(self) -> str:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        return f"<Task {name} lane={self.lane!r} {self.state}>"

    # -- pool thread -----------------------------------------------------------------------------
    def _execute(self) -> None:
        progress = _ThrottledProgress(self.signals, self.token)
        try:
            if self.token.cancelled:
                raise Cancelled()
            self.state = Task.RUNNING
            self.signals.started.emit()
            result = self.fn(*self.args, progress=progress, **self.kwargs)
            if inspect.isgenerator(result):
                result = self._drain(result, progress)
            progress.check_cancelled()  # a cancel that arrived during the last step still counts
        except Cancelled:
            self._end(Task.CANCELLED)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI, not kill the pool
            if _is_user_error(exc):  # a refused batch, an unreadable image: one line, no traceback
                log.warning("task %r failed: %s: %s", self, type(exc).__name__, exc)
            else:
                log.exception("task %r failed", self)
            self.error = ErrorInfo.from_exception(exc)
            self._end(Task.FAILED)
        else:
            self.result = result
            self._end(Task.FINISHED)

    def _drain(self, gen: Any, progress: Progress) -> Any:
        try:
            while True:
                progress.check_cancelled()
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                self.signals.yielded.emit(value)
        finally:
            gen.close()

    def _end(self, state: str) -> None:
        self.state = state
        self._done_event.set()  # ``done`` is already true in the slots of the outcome signal
        if state == Task.FINISHED:
            self.signals.finished.emit(self.result)
        elif state == Task.CANCELLED:
            self.signals.cancelled.emit()
        else:
            self.signals.failed.emit(self.error)
        self.signals.ended.emit()
        self._runner._task_ended(self)
        self._runner._task_done.emit(self)


class TaskRunner(QObject):
    """Owns a thread pool and one serial queue per lane; waits for its tasks on shutdown."""

    #: emitted on the GUI thread whenever the number of queued + running tasks changes
    busy_changed = Signal(int)
    _task_done = Signal(object)  # internal: queued from the pool thread to forget a task

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_threads: int = 4,
        replacing_lanes: Iterable[str] = ("preview",),
    ) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, max_threads))
        self._replacing = frozenset(replacing_lanes)
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Task]] = {}
        self._running: dict[str, Task] = {}
        self._alive: set[Task] = set()  # keeps signals objects alive until their emits are delivered
        self._closing = False
        self._task_done.connect(self._forget)

    # -- public ----------------------------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args: Any, lane: str = "default", **kwargs: Any) -> Task:
        """Queue ``fn(*args, progress=..., **kwargs)`` on ``lane``; call from the GUI thread."""
        if self._closing:
            raise RuntimeError("the task runner is shut down")
        if lane in self._replacing:
            for old in self.tasks(lane):
                old.cancel()
        task = Task(self, fn, args, kwargs, lane)
        with self._lock:
            self._alive.add(task)
            self._queues.setdefault(lane, deque()).append(task)
        # Start later, from the event loop: the caller connects its slots first.
        QTimer.singleShot(0, self._start_pending)
        self.busy_changed.emit(len(self._alive))
        return task

    def tasks(self, lane: str | None = None) -> list[Task]:
        """Queued and running tasks (of one lane, or all)."""
        with self._lock:
            out = [t for t in self._running.values() if lane is None or t.lane == lane]
            for name, q in self._queues.items():
                if lane is None or name == lane:
                    out.extend(q)
        return [t for t in out if not t.done]

    def is_busy(self, lane: str | None = None) -> bool:
        return bool(self.tasks(lane))

    def cancel_all(self, lane: str | None = None) -> None:
        for task in self.tasks(lane):
            task.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for the pool; True if all threads stopped in time."""
        self._closing = True
        self.cancel_all()
        return bool(self._pool.waitForDone(int(timeout_ms)))

    # -- internals ---------------------------------------------------------------------------------
    def _start_pending(self) -> None:  # GUI thread
        if self._closing:
            return
        with self._lock:
            for lane in list(self._queues):
                self._start_next_locked(lane)

    def _start_next_locked(self, lane: str) -> None:
        if lane in self._running:
            return
        queue = self._queues.get(lane)
        if not queue:
            return
        task = queue.popleft()
        self._running[lane] = task
        self._pool.start(task._runnable)

    def _cancel_queued(self, task: Task) -> None:
        with self._lock:
            queue = self._queues.get(task.lane)
            if queue is None or task not in queue:
                return
            queue.remove(task)
        # Never started: report it now rather than when the lane gets to it.
        task._end(Task.CANCELLED)

    def _task_ended(self, task: Task) -> None:  # any thread
        with self._lock:
            if self._running.get(task.lane) is task:
                del self._running[task.lane]
        # The lane's next task is started by _forget() on the GUI thread.

    def _forget(self, task: Task) -> None:  # GUI thread, after the task's last signal
        if task in self._alive:
            self._alive.discard(task)
            self.busy_changed.emit(len(self._alive))
        self._start_pending()
