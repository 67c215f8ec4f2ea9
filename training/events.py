"""The trainer's event stream: versioned JSON lines, one event per line.

The GUI reads this stream from the child process, so :func:`parse_line` (and this whole module)
must import without torch: it is the only part of ``training`` the app imports.

Schema ``{"v": 1, "type": ..., ...fields}``:

- ``start``: ``run_dir``, ``total_steps``, ``epochs``, ``steps_per_epoch``, ``step`` (non-zero
  when resuming), ``device``, ``world_size``, ``name``
- ``step``: ``step``, ``epoch``, ``loss``, ``lr``, ``images_per_s``, ``eta_s``, ``total_steps``
- ``epoch``: ``epoch``, ``step``, ``train_loss``, ``val_psnr``, ``val_ssim``, ``best_psnr``
- ``checkpoint``: ``step``, ``path``
- ``export``: ``path``, ``step``, ``val_psnr``
- ``done``: ``step``, ``reason`` ("finished" | "stopped" | "early_stop" | "time_budget"),
  ``stopped``, ``best_psnr``, ``seconds``
- ``error``: ``message``, ``traceback``
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = ["SCHEMA_VERSION", "EVENT_TYPES", "Event", "parse_line", "EventWriter"]

SCHEMA_VERSION = 1
EVENT_TYPES = frozenset({"start", "step", "epoch", "checkpoint", "export", "done", "error"})


@dataclass(frozen=True)
class Event:
    """One parsed event; fields other than ``type``/``v`` live in ``data`` (also as attributes)."""

    type: str
    v: int = SCHEMA_VERSION
    data: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not real attributes: expose the payload fields.
        data = self.__dict__.get("data", {})
        if name in data:
            return data[name]
        raise AttributeError(name)

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def to_json(self) -> str:
        return json.dumps({"v": self.v, "type": self.type, **self.data}, allow_nan=False, default=str)


def parse_line(line: str) -> Event | None:
    """An :class:`Event` from one line, or ``None`` for lines that are not events.

    Blank lines, non-JSON text (library prints) and JSON without our ``v``/``type`` keys are
    not events. A line that *is* ours but has a newer schema version or an unknown type raises
    ``ValueError`` so the reader can report it instead of silently dropping data.
    """
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or "v" not in obj or "type" not in obj:
        return None
    version, kind = obj.pop("v"), obj.pop("type")
    if version != SCHEMA_VERSION:
        raise ValueError(f"unsupported event schema version {version!r} (this reader knows {SCHEMA_VERSION})")
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown event type {kind!r}")
    return Event(type=kind, v=version, data=obj)


def _clean(value: Any) -> Any:
    """JSON has no NaN/inf: send them as null so every reader can parse the line."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class EventWriter:
    """Writes events as JSON lines to a file or stdout (rank 0 only) plus a human line on stderr.

    ``target``: a path, ``"-"`` for stdout, or ``None`` for no JSON stream. ``enabled=False``
    (non-zero DDP ranks) makes every call a no-op.
    """

    def __init__(self, target: str | None, *, enabled: bool = True, progress: bool = True,
                 mirror: str | None = None) -> None:
        self.enabled = enabled
        self.progress = progress and enabled
        self._streams: list[IO[str]] = []
        self._owned: list[IO[str]] = []
        if not enabled:
            return
        if target == "-":
            self._streams.append(sys.stdout)
        elif target:
            f = open(target, "a", encoding="utf-8")
            self._streams.append(f)
            self._owned.append(f)
        if mirror and mirror != target:
            f = open(mirror, "a", encoding="utf-8")
            self._streams.append(f)
            self._owned.append(f)
        self._last_progress = 0.0

    def emit(self, type: str, **fields: Any) -> None:
        if not self.enabled:
            return
        if type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type!r}")
        line = Event(type=type, data=_clean(fields)).to_json()
        for s in self._streams:
            s.write(line + "\n")
            s.flush()
        if self.progress:
            self._human(type, fields)

    def _human(self, type: str, f: dict[str, Any]) -> None:
        now = time.monotonic()
        if type == "step":
            if now - self._last_progress < 1.0:
                return  # a readable terminal, not a flood
            self._last_progress = now
            eta = f.get("eta_s")
            eta_txt = f"{int(eta // 60)}m{int(eta % 60):02d}s" if isinstance(eta, (int, float)) else "?"
            msg = (f"step {f.get('step')}/{f.get('total_steps')} epoch {f.get('epoch')} "
                   f"loss {f.get('loss', float('nan')):.5f} lr {f.get('lr', 0):.2e} "
                   f"{f.get('images_per_s', 0):.1f} img/s eta {eta_txt}")
        elif type == "epoch":
            psnr, ssim = f.get("val_psnr"), f.get("val_ssim")
            msg = (f"epoch {f.get('epoch')} step {f.get('step')} val PSNR "
                   f"{psnr if psnr is None else round(psnr, 3)} dB SSIM {ssim if ssim is None else round(ssim, 4)}"
                   f" (best {f.get('best_psnr')})")
        elif type == "error":
            msg = f"ERROR: {f.get('message')}"
        else:
            msg = f"{type}: " + ", ".join(f"{k}={v}" for k, v in f.items() if k != "traceback")
        try:
            print(msg, file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        for f in self._owned:
            f.close()
        self._owned.clear()
        self._streams.clear()
