"""Training state (resume) vs exported weights (the app's format).

State: ``state/last.pt`` written atomically (temp file + ``os.replace``), holding model,
optimizer, scheduler, AMP scaler, counters and RNG states; loaded with ``weights_only=True``.
Export: :func:`denoise_desktop.weights.save_weights` — the same safetensors the app loads.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["STATE_FILE", "save_state", "load_state", "rng_state", "set_rng_state", "export_weights"]

STATE_FILE = "last.pt"


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


def save_state(state_dir: Path, state: dict[str, Any]) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / STATE_FILE
    tmp = state_dir / f".{STATE_FILE}.{os.getpid()}.tmp"
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
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same clear message
        raise RuntimeError(f"checkpoint {path} is unreadable ({exc}); delete it to start over") from None


def export_weights(model: torch.nn.Module, path: Path, card: dict[str, Any]) -> Path:
    from denoise_desktop.weights import save_weights

    path.parent.mkdir(parents=True, exist_ok=True)
    save_weights(model, path, card)
    return path
