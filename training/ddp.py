"""Multi-process training under ``torchrun``: the same entry point, one process per GPU/CPU slot.

``torchrun --nproc_per_node=N -m training recipe.toml`` sets RANK/LOCAL_RANK/WORLD_SIZE; each
process trains on its own slice of every epoch's samples (see ``EpochSampler``) and gradients
are averaged by DistributedDataParallel. Only rank 0 logs, validates and writes files.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["DistInfo", "init_from_env", "is_distributed_env", "wrap", "unwrap", "broadcast_object",
           "any_flag", "barrier", "cleanup"]


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def is_distributed_env() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def _pick_device(requested: str, local_rank: int) -> torch.device:
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError("device 'cuda' requested but CUDA is not available")
        if requested == "cuda":
            return torch.device("cuda", local_rank % max(1, torch.cuda.device_count()))
    return torch.device(requested)


def init_from_env(requested_device: str = "auto") -> DistInfo:
    """Join the process group when launched by torchrun; otherwise a single process."""
    if not is_distributed_env():
        return DistInfo(device=_pick_device(requested_device, 0))
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    world = int(os.environ["WORLD_SIZE"])
    device = _pick_device(requested_device, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(minutes=10))
    return DistInfo(rank=rank, local_rank=local_rank, world_size=world, device=device)


def wrap(model: torch.nn.Module, info: DistInfo) -> torch.nn.Module:
    if not info.distributed:
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [info.device.index] if info.device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return getattr(model, "module", model)


def broadcast_object(obj: Any, info: DistInfo) -> Any:
    """Rank 0's value on every rank (e.g. the run folder name chosen from the clock)."""
    if not info.distributed:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def any_flag(flag: bool, info: DistInfo) -> bool:
    """True on every rank if it is true on any (stop requests, time budget, early stop)."""
    if not info.distributed:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=info.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def barrier(info: DistInfo) -> None:
    if info.distributed:
        dist.barrier()


def cleanup(info: DistInfo) -> None:
    if info.distributed and dist.is_initialized():
        dist.destroy_process_group()
