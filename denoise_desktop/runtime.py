"""How a network runs on its device: the runtime behind ``engine.NetworkDenoiser``.

A runtime takes one padded N×C×H×W batch and σ (0–1 scale) and returns the network's output;
tiling, self-ensemble, OOM back-off and blending are written once above it, in the engine.

* ``eager``: the model as it is, channels-last, under autocast when the precision is fp16/bf16.
* ``compiled``: the same through ``torch.compile`` (Inductor) for the fixed tile shapes; a first
  call per shape compiles (seconds; cached on disk by torch), and any compiler failure falls
  back to eager for good, with the reason kept in ``fallback``.

Precision "auto" picks what measured fastest without losing quality (``benchmarks/experiments/speed_options.py``,
docs/lab/cpu-runtime-options.md): fp16 autocast on CUDA, bf16 autocast on a CPU with native bf16 (AVX-512 BF16
or AMX — elsewhere oneDNN emulates it, several times slower than fp32), fp32 otherwise.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["PRECISIONS", "RUNTIMES", "cpu_bf16_native", "resolve_precision", "make_runtime",
           "EagerRuntime", "CompiledRuntime"]

PRECISIONS = ("auto", "fp32", "fp16", "bf16")
RUNTIMES = ("eager", "compiled")


@functools.lru_cache(maxsize=1)
def cpu_bf16_native() -> bool:
    """True when oneDNN runs bf16 natively on this CPU (AVX-512 BF16 or AMX).

    ``DENOISE_DESKTOP_CPU_BF16=0`` (or 1) overrides the detection: the test suite pins it to 0 so
    its fp32 reference numbers hold on every CI machine.
    """
    import os

    import torch

    forced = os.environ.get("DENOISE_DESKTOP_CPU_BF16", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch without oneDNN
        return False


def resolve_precision(precision: str, device) -> str:
    """"auto" → what this device runs fastest at the same quality; checks explicit choices."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    kind = getattr(device, "type", str(device))
    if precision == "auto":
        if kind == "cuda":
            return "fp16"
        return "bf16" if kind == "cpu" and cpu_bf16_native() else "fp32"
    if precision == "fp16" and kind == "cpu":
        raise ValueError("fp16 needs a GPU; use fp32 or bf16 on the CPU")
    return precision


class EagerRuntime:
    name = "eager"

    def __init__(self, model, device, precision: str = "fp32") -> None:
        import torch

        self.model, self.device, self.precision = model, device, precision
        self._dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision)
        self.fallback: str | None = None

    @property
    def bytes_per_value(self) -> int:
        return 2 if self._dtype is not None else 4

    def _module(self):
        return self.model

    def __call__(self, batch, sigma01: float | None):
        import torch

        batch = batch.contiguous(memory_format=torch.channels_last)
        fn = self._module()
        if self._dtype is not None:
            with torch.autocast(device_type=self.device.type, dtype=self._dtype):
                return fn(batch, sigma01)
        return fn(batch, sigma01)

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {"runtime": self.name, "precision": self.precision}
        if self.fallback:
            out["runtime_note"] = self.fallback
        return out


class CompiledRuntime(EagerRuntime):
    name = "compiled"

    def __init__(self, model, device, precision: str = "fp32") -> None:
        super().__init__(model, device, precision)
        self._compiled = None

    def _module(self):
        if self.fallback:
            return self.model
        if self._compiled is None:
            import torch

            self._compiled = torch.compile(self.model, dynamic=False)
        return self._compiled

    def __call__(self, batch, sigma01: float | None):
        try:
            return super().__call__(batch, sigma01)
        except Exception as exc:  # noqa: BLE001 - any compiler trouble: run eager, say why
            from . import devices

            if devices.is_oom(exc) or self.fallback:
                raise
            self.fallback = f"torch.compile failed ({type(exc).__name__}: {str(exc).splitlines()[0][:160]}); ran eager"
            return super().__call__(batch, sigma01)


def make_runtime(model, device, precision: str = "auto", runtime: str = "eager") -> EagerRuntime:
    """The runtime for ``model`` on ``device`` (a ``torch.device``); ``precision`` may be "auto"."""
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
    cls = CompiledRuntime if runtime == "compiled" else EagerRuntime
    return cls(model, device, resolve_precision(precision, device))
