"""Which compute devices exist (CPU, each CUDA GPU, Apple MPS), their memory, and OOM errors.

torch is imported inside functions so that listing settings or parsing the command line stays
cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DeviceInfo", "discover", "resolve", "is_oom", "free_memory_bytes", "total_memory_bytes", "describe"]


@dataclass(frozen=True)
class DeviceInfo:
    id: str  # "cpu", "cuda:0", "mps"; what torch.device() accepts
    kind: str  # "cpu" | "cuda" | "mps"
    name: str  # human-readable, e.g. "NVIDIA GeForce RTX 3060"
    total_bytes: int | None
    free_bytes: int | None

    def label(self) -> str:
        if self.total_bytes:
            free = f"{self.free_bytes / 2**30:.1f} / " if self.free_bytes is not None else ""
            return f"{self.name} ({free}{self.total_bytes / 2**30:.1f} GiB)"
        return self.name


def _meminfo() -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                out[key] = int(parts[0]) * 1024  # kB
    except OSError:
        pass
    return out


def _cpu_memory() -> tuple[int | None, int | None]:
    """(total, available) bytes of system RAM, or None where it cannot be known."""
    try:
        import psutil  # optional; exact on every OS

        vm = psutil.virtual_memory()
        return int(vm.total), int(vm.available)
    except ImportError:
        pass
    info = _meminfo()
    if info:
        return info.get("MemTotal"), info.get("MemAvailable", info.get("MemFree"))
    try:  # other POSIX without /proc
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return pages * size, None
    except (ValueError, OSError, AttributeError):
        return None, None


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"CPU: {line.split(':', 1)[1].strip()} ({os.cpu_count()} threads)"
    except OSError:
        pass
    import platform

    return f"CPU: {platform.processor() or platform.machine()} ({os.cpu_count()} threads)"


def discover() -> list[DeviceInfo]:
    """All usable devices, CPU first."""
    import torch

    total, free = _cpu_memory()
    devices = [DeviceInfo("cpu", "cpu", _cpu_name(), total, free)]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            try:
                free_b, total_b = torch.cuda.mem_get_info(i)
            except RuntimeError:
                free_b, total_b = None, torch.cuda.get_device_properties(i).total_memory
            devices.append(DeviceInfo(f"cuda:{i}", "cuda", torch.cuda.get_device_name(i), total_b, free_b))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append(DeviceInfo("mps", "mps", "Apple GPU (MPS)", None, None))
    return devices


def resolve(device: "str | object" = "auto"):
    """A ``torch.device`` for "auto" (CUDA, then MPS, then CPU), "cpu", "cuda", "cuda:1", "mps".

    Raises ``ValueError`` naming what exists when the asked-for device is not available.
    """
    import torch

    if isinstance(device, torch.device):
        dev = device
    else:
        name = str(device or "auto").strip().lower()
        if name == "auto":
            if torch.cuda.is_available():
                return torch.device("cuda", torch.cuda.current_device())
            mps = getattr(torch.backends, "mps", None)
            if mps is not None and mps.is_available():
                return torch.device("mps")
            return torch.device("cpu")
        try:
            dev = torch.device(name)
        except RuntimeError as exc:
            raise ValueError(f"unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps") from exc
    available = ", ".join(d.id for d in discover())
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"CUDA is not available on this machine (devices: {available})")
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            raise ValueError(f"no CUDA device {index} (devices: {available})")
        return torch.device("cuda", index)
    if dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"MPS is not available on this machine (devices: {available})")
        return dev
    if dev.type == "cpu":
        return torch.device("cpu")
    raise ValueError(f"unsupported device {device!r} (devices: {available})")


def is_oom(exc: BaseException) -> bool:
    """True when ``exc`` means the device ran out of memory (so a smaller tile may work)."""
    if isinstance(exc, MemoryError):
        return True
    try:
        import torch

        oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
        if oom_type is not None and isinstance(exc, oom_type):
            return True
    except ImportError:
        pass
    if isinstance(exc, RuntimeError):
        msg = str(exc).lower()
        return (
            "out of memory" in msg
            or "can't allocate memory" in msg  # CPU allocator
            or "cudnn_status_alloc_failed" in msg
            or "cublas_status_alloc_failed" in msg
        )
    return False


def free_memory_bytes(device="cpu") -> int | None:
    """Memory available for new allocations on ``device``, or None when unknown (MPS)."""
    import torch

    dev = resolve(device) if not isinstance(device, torch.device) else device
    if dev.type == "cuda":
        free, _total = torch.cuda.mem_get_info(dev)
        # Memory cached by torch's allocator is reusable by us too.
        return int(free + torch.cuda.memory_reserved(dev) - torch.cuda.memory_allocated(dev))
    if dev.type == "cpu":
        return _cpu_memory()[1]
    return None


def total_memory_bytes(device="cpu") -> int | None:
    import torch

    dev = resolve(device) if not isinstance(device, torch.device) else device
    if dev.type == "cuda":
        return int(torch.cuda.mem_get_info(dev)[1])
    if dev.type == "cpu":
        return _cpu_memory()[0]
    return None


def describe(device="auto") -> str:
    """One line for logs and the status bar, e.g. "cuda:0 NVIDIA RTX 3060 (10.2 / 12.0 GiB)"."""
    dev = resolve(device)
    ident = str(dev)
    for d in discover():
        if d.id == ident:
            return f"{d.id} {d.label()}"
    return ident
