"""Every architecture in the project, listed by hand (no folder scanning: it breaks when frozen).

``build(arch_id, **hparams)`` is the only constructor the rest of the code calls; the app, the
engine and ``training`` all share these definitions.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from .dncnn import DnCNN
from .spec import ArchSpec, SizeRequirements, Tiling

__all__ = ["ARCHITECTURES", "build", "get_spec", "ArchSpec", "SizeRequirements", "Tiling"]

ARCHITECTURES: dict[str, ArchSpec] = {
    spec.id: spec
    for spec in [
        ArchSpec(
            id="dncnn",
            name="DnCNN",
            cls=DnCNN,
            description="17/20-layer residual CNN with batch norm (Zhang et al. 2017).",
            takes_sigma=False,
            variants={"gray": {"in_channels": 1, "depth": 17}, "color": {"in_channels": 3, "depth": 20}},
            receptive_field=20,
            reference="Zhang et al., Beyond a Gaussian Denoiser, IEEE TIP 2017",
        ),
    ]
}


def get_spec(arch_id: str) -> ArchSpec:
    try:
        return ARCHITECTURES[arch_id]
    except KeyError:
        raise KeyError(f"unknown architecture {arch_id!r}; known: {', '.join(sorted(ARCHITECTURES))}") from None


def build(arch_id: str, variant: str | None = None, **hparams: Any) -> nn.Module:
    """Construct a network: variant defaults (e.g. "gray"/"color") overridden by ``hparams``."""
    spec = get_spec(arch_id)
    kwargs: dict[str, Any] = {}
    if variant is not None:
        if variant not in spec.variants:
            raise KeyError(f"{arch_id} has no variant {variant!r}; known: {', '.join(spec.variants)}")
        kwargs.update(spec.variants[variant])
    kwargs.update(hparams)
    return spec.cls(**kwargs)
