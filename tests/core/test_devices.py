"""Device discovery, resolution and OOM classification (CPU-only machine friendly)."""

import pytest
import torch

from denoise_desktop import devices


def test_discover_lists_cpu_first_with_memory():
    found = devices.discover()
    assert found[0].id == "cpu" and found[0].kind == "cpu"
    assert found[0].total_bytes and found[0].total_bytes > 2**26
    assert "CPU" in found[0].label()
    if torch.cuda.is_available():
        assert any(d.kind == "cuda" and d.name for d in found)


def test_resolve():
    assert devices.resolve("cpu") == torch.device("cpu")
    auto = devices.resolve("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else auto.type)
    with pytest.raises(ValueError, match="unknown device"):
        devices.resolve("tpu9")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            devices.resolve("cuda")
        assert auto.type in ("cpu", "mps")


def test_is_oom_classification():
    assert devices.is_oom(RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB"))
    assert devices.is_oom(RuntimeError("[enforce fail] DefaultCPUAllocator: can't allocate memory"))
    assert devices.is_oom(MemoryError())
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom is not None:
        assert devices.is_oom(oom("boom"))
    assert not devices.is_oom(RuntimeError("size mismatch"))
    assert not devices.is_oom(ValueError("out of memory"))  # not a runtime error from torch


def test_free_memory_cpu_matches_meminfo_order_of_magnitude():
    free = devices.free_memory_bytes("cpu")
    total = devices.total_memory_bytes("cpu")
    assert free is not None and 0 < free <= total


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_memory():
    free = devices.free_memory_bytes("cuda")
    assert 0 < free <= devices.total_memory_bytes("cuda")
