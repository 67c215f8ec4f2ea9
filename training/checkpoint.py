"""Training state (resume) vs exported weights (the app's format).

State: ``state/last.pt`` written atomically (temp file + ``os.replace``), holding model,
optimizer, scheduler, AMP scaler, counters and RNG states; loaded with ``weights_only=True``.
It carries the sha256 of its tensors' bytes: torch does not check the zip's CRCs, so zeroed or
random bytes in a checkpoint loaded without complaint (and trained on from damaged weights).
Export: :func:`denoise_desktop.weights.save_weights` — the same safetensors the app loads.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["STATE_FILE", "CheckpointError", "save_state", "load_state", "rng_state", "set_rng_state",
           "export_weights", "clean_stale_temps", "state_checksum"]

STATE_FILE = "last.pt"
CHECKSUM_KEY = "sha256"
STALE_TEMP_SECONDS = 3600  # a temp file this old belongs to no running save
_TEMP = re.compile(rf"^\.{re.escape(STATE_FILE)}\.(\d+)\.tmp$")


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used; the message names the file and what to do."""


def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        # Legacy numpy state as plain types (weights_only loading refuses numpy arrays).
        "numpy": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]), float(np_state[4])],
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state((n[0], np.array(n[1], dtype=np.uint32), n[2], n[3], n[4]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def state_checksum(state: Any) -> str:
    """sha256 over every tensor in ``state`` (key path, dtype, shape, bytes), in a fixed order."""
    h = hashlib.sha256()
    _hash_into(h, "", state)
    return h.hexdigest()


def _hash_into(h: Any, where: str, value: Any) -> None:
    if isinstance(value, torch.Tensor):
        t = value.detach().to("cpu").contiguous()
        h.update(f"{where}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, dict):
        for k in sorted(value, key=repr):
            _hash_into(h, f"{where}/{k!r}", value[k])
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _hash_into(h, f"{where}/{i}", v)


def save_state(state_dir: Path, state: dict[str, Any]) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / STATE_FILE
    tmp = state_dir / f".{STATE_FILE}.{os.getpid()}.tmp"
    state = {**state, CHECKSUM_KEY: state_checksum(state)}
    try:
        torch.save(state, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)  # a kill mid-write leaves the previous checkpoint intact
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def load_state(state_dir: Path, map_location: str | torch.device = "cpu") -> dict[str, Any] | None:
    path = Path(state_dir) / STATE_FILE
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same clear message
        raise CheckpointError(f"checkpoint {path} is unreadable ({_reason(exc)}); delete it to start over") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"checkpoint {path} is not a training state; delete it to start over")
    stored = state.pop(CHECKSUM_KEY, None)  # None: written before checksums (still accepted)
    if stored is not None and stored != state_checksum(state):
        raise CheckpointError(f"checkpoint {path} is damaged: its contents changed after it was written "
                              "(checksum mismatch; disk or copy error?); restore a copy or delete it to start over")
    return state


def _reason(exc: BaseException) -> str:
    """Why torch could not load it, in a few words: never its advice to retry with
    ``weights_only=False``, which would run whatever code the file holds."""
    text = str(exc)
    if "weights only" in text.lower() or "weights_only" in text:
        return "it holds Python objects besides tensors; not loaded, as that could run code"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first[:200]


def clean_stale_temps(state_dir: Path, max_age: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove ``.last.pt.PID.tmp`` files a killed save left behind: those of processes that no
    longer exist, or older than ``max_age`` (the PID may have been reused); returns them."""
    removed = []
    try:
        candidates = [p for p in Path(state_dir).iterdir() if _TEMP.match(p.name)]
    except OSError:
        return removed  # no state folder yet
    for p in candidates:
        pid = int(_TEMP.match(p.name).group(1))  # type: ignore[union-attr]
        try:
            old = time.time() - p.stat().st_mtime > max_age
            if pid != os.getpid() and (old or not _alive(pid)):
                p.unlink()
                removed.append(p)
        except OSError:
            continue  # gone meanwhile, or not ours to remove
    return removed


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there: only the age decides
        return True
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or cannot tell: keep the file
    return True


def export_weights(model: torch.nn.Module, path: Path, card: dict[str, Any]) -> Path:
    from denoise_desktop.weights import save_weights

    path.parent.mkdir(parents=True, exist_ok=True)
    save_weights(model, path, card)
    return path
