"""The Batch tab's clock and words: time spent running (pauses left out), the progress line with
its ETA, and the summary when a batch ends. Qt-free."""

from __future__ import annotations

import time

__all__ = ["format_seconds", "BatchClock", "progress_text", "summary_text"]

_TITLES = {"finished": "Batch finished", "cancelled": "Batch cancelled", "failed": "Batch failed",
           "invalid": "Batch not started"}


def format_seconds(s: float) -> str:
    s = max(0, int(round(s)))
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


class BatchClock:
    """Seconds a batch has been running, pauses excluded."""

    def __init__(self) -> None:
        self._active_s = 0.0
        self._resumed_at: float | None = None

    def start(self) -> None:
        self._active_s, self._resumed_at = 0.0, time.monotonic()

    def stop(self) -> None:
        if self._resumed_at is not None:
            self._active_s += time.monotonic() - self._resumed_at
            self._resumed_at = None

    def resume(self) -> None:
        self._resumed_at = time.monotonic()

    def seconds(self) -> float:
        extra = time.monotonic() - self._resumed_at if self._resumed_at is not None else 0.0
        return self._active_s + extra


def progress_text(done: int, n: int, fraction: float, elapsed: float, paused: bool) -> str:
    """"3 / 12 — elapsed 0:41 — about 2:03 left" (or "— paused")."""
    text = f"{done} / {n} — elapsed {format_seconds(elapsed)}"
    if paused:
        text += " — paused"
    elif 0.0 < fraction < 1.0 and elapsed > 1.0:
        text += f" — about {format_seconds(elapsed * (1.0 - fraction) / fraction)} left"
    return text


def summary_text(how: str, counts: dict, seconds: float, notes: list[str]) -> str:
    """What the summary line says when a batch ends ``how`` ("finished", "cancelled", …)."""
    if how == "invalid":
        return _TITLES[how] + "."
    parts = [f"{counts['done']} done", f"{counts['failed']} failed", f"{counts['skipped']} skipped"]
    left = counts["cancelled"] + counts["queued"] + counts["not started"]
    if left:
        parts.append(f"{left} not processed (Start again with “skip existing” to finish them)")
    return "\n".join([f"{_TITLES[how]}: {', '.join(parts)} in {format_seconds(seconds)}.", *notes])
