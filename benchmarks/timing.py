"""Timing and the machine it ran on: CPU time, interleaved repeats, CPU features."""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Any, Callable

FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16")  # what decides the CPU's speed here


def cpu_seconds() -> float:
    """User + system CPU time of this process, every thread."""
    t = os.times()
    return t.user + t.system


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall seconds, CPU seconds) of one call."""
    c0, t0 = cpu_seconds(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, cpu_seconds() - c0


def interleaved(fns: dict[str, Callable[[], Any]], reps: int) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds of each call, repeats interleaved (A B C, then C B A, …) so load
    from other processes hits every candidate alike."""
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(reps):
        for key in (list(fns) if r % 2 == 0 else list(reversed(fns))):
            _, w, c = timed(fns[key])
            wall[key].append(w)
            cpu[key].append(c)
    return {k: {"wall": statistics.median(wall[k]), "cpu": statistics.median(cpu[k]), "runs": reps} for k in fns}


def _cpuinfo() -> tuple[str, list[str]]:
    try:
        text = open("/proc/cpuinfo", encoding="utf-8").read()
    except OSError:
        return platform.processor() or platform.machine(), []
    name = next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("model name")), "")
    flags = next((ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), [])
    return name or platform.machine(), flags


def cpu_flags() -> str:
    """The CPU features that decide the network's speed (AVX2, AVX-512, native bf16 / AMX)."""
    flags = _cpuinfo()[1]
    return ", ".join(f for f in FLAGS if f in flags) or "none of " + "/".join(FLAGS)


def machine() -> dict[str, Any]:
    """CPU model, features, logical CPUs, torch and its threads, load average: a record's machine."""
    out: dict[str, Any] = {"cpu": _cpuinfo()[0], "flags": cpu_flags(), "logical_cpus": os.cpu_count(),
                           "python": platform.python_version()}
    try:
        import torch

        out["torch"] = torch.__version__
        out["torch_threads"] = torch.get_num_threads()
        out["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    if hasattr(os, "getloadavg"):
        out["load"] = [round(v, 1) for v in os.getloadavg()]
    return out
