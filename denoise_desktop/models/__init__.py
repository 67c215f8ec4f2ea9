"""Every architecture in the project, listed by hand (no folder scanning: it breaks when frozen).

``build(arch_id, **hparams)`` is the only constructor the rest of the code calls; the app, the
engine and ``training`` all share these definitions.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from denoise_desktop.arch_names import ARCH_NAMES

from .conv_autoencoder import ConvAutoencoder
from .dncnn import DnCNN
from .ffdnet import FFDNet
from .rednet import REDNet
from .spec import ArchSpec, SizeRequirements, Tiling
from .strided_autoencoder import StridedAutoencoder
from .unet_res import UNetRes
from .upsampling_autoencoder import UpsamplingAutoencoder

__all__ = ["ARCHITECTURES", "build", "get_spec", "ArchSpec", "SizeRequirements", "Tiling"]

ARCHITECTURES: dict[str, ArchSpec] = {
    spec.id: spec
    for spec in [
        ArchSpec(
            id="unet_res",
            name=ARCH_NAMES["unet_res"],
            cls=UNetRes,
            description=(
                "Light residual U-Net with a noise-level map input (DRUNet/NAFNet style, sized for CPUs): "
                "one model for σ 0–55, blind use passes the estimated σ. The default."
            ),
            takes_sigma=True,
            variants={"gray": {"in_channels": 1}, "color": {"in_channels": 3}},
            size_req=SizeRequirements(multiple_of=8),  # ×2 unshuffle then 2 stride-2 levels
            receptive_field=99,
            seam_reach=48,  # bundled gray/colour/real weights reach 29–45 px (benchmarks/experiments/seam_reach.py)
            reference="After Zhang et al., Plug-and-Play Image Restoration with Deep Denoiser Prior "
            "(DRUNet), IEEE TPAMI 2021; Chen et al., Simple Baselines for Image Restoration (NAFNet), ECCV 2022",
        ),
        ArchSpec(
            id="ffdnet",
            name=ARCH_NAMES["ffdnet"],
            cls=FFDNet,
            description="Conv+BN stack on a ×2 pixel-unshuffled image plus a σ map (Zhang et al. 2018); non-blind.",
            takes_sigma=True,
            variants={"gray": {"in_channels": 1, "depth": 12, "features": 64},
                      "color": {"in_channels": 3, "depth": 15, "features": 96}},
            size_req=SizeRequirements(multiple_of=2),
            receptive_field=31,  # 15 convs at half resolution (color) + the ×2 unshuffle
            reference="Zhang, Zuo, Zhang, FFDNet: Toward a Fast and Flexible Solution for CNN-Based "
            "Image Denoising, IEEE TIP 2018",
        ),
        ArchSpec(
            id="dncnn",
            name=ARCH_NAMES["dncnn"],
            cls=DnCNN,
            description="17/20-layer residual CNN with batch norm (Zhang et al. 2017).",
            takes_sigma=False,
            variants={"gray": {"in_channels": 1, "depth": 17}, "color": {"in_channels": 3, "depth": 20}},
            receptive_field=20,
            reference="Zhang et al., Beyond a Gaussian Denoiser, IEEE TIP 2017",
        ),
        ArchSpec(
            id="rednet",
            name=ARCH_NAMES["rednet"],
            cls=REDNet,
            description="Symmetric conv/deconv network with mirrored skips and a residual output "
            "(Mao et al. 2016); depth 10/20/30 via the 'depth' hyper-parameter.",
            takes_sigma=False,
            variants={"gray": {"in_channels": 1}, "color": {"in_channels": 3}},
            size_req=SizeRequirements(minimum=32),  # unpadded convs: ≥ depth+1 px
            receptive_field=30,  # one px per layer; depth ≤ 30
            reference="Mao, Shen, Yang, Image Restoration Using Very Deep Convolutional Encoder-Decoder "
            "Networks with Symmetric Skip Connections, NeurIPS 2016",
        ),
        ArchSpec(
            id="conv_autoencoder",
            name=ARCH_NAMES["conv_autoencoder"],
            cls=ConvAutoencoder,
            description="The ~28k-parameter Keras MNIST/Fashion-MNIST denoising autoencoder: two conv+pool, "
            "two conv+upsample, sigmoid out. A teaching baseline.",
            takes_sigma=False,
            variants={"gray": {"in_channels": 1}, "color": {"in_channels": 3}},
            size_req=SizeRequirements(multiple_of=4),
            receptive_field=13,
            reference="Keras example 'Convolutional autoencoder for image denoising' (Chollet / Santiago)",
        ),
        ArchSpec(
            id="upsampling_autoencoder",
            name=ARCH_NAMES["upsampling_autoencoder"],
            cls=UpsamplingAutoencoder,
            description="Four stride-2 convs and a max-pool down to 1/32, transposed convs and upsampling "
            "back, sigmoid out; for 128×128 photo crops. No skips: a bottleneck baseline.",
            takes_sigma=False,
            variants={"gray": {"in_channels": 1}, "color": {"in_channels": 3}},
            size_req=SizeRequirements(multiple_of=32),
            tiling=Tiling.DISCOURAGED,
            receptive_field=64,  # measured wiring reach; tiles still lose global context
            reference="Classic convolutional denoising autoencoder (Vincent et al. 2008 idea; "
            "Keras/TensorFlow tutorial style encoder-decoder)",
        ),
        ArchSpec(
            id="strided_autoencoder",
            name=ARCH_NAMES["strided_autoencoder"],
            cls=StridedAutoencoder,
            description="Three stride-2 convs (32-64-128) down, three stride-2 transposed convs up, sigmoid "
            "out: the Fashion-MNIST denoising autoencoder. A teaching baseline.",
            takes_sigma=False,
            variants={"gray": {"in_channels": 1}, "color": {"in_channels": 3}},
            size_req=SizeRequirements(multiple_of=8),
            tiling=Tiling.DISCOURAGED,
            receptive_field=24,  # measured wiring reach (22 px)
            reference="TensorFlow / Keras Fashion-MNIST denoising autoencoder tutorials "
            "(Conv2D strides 2 + Conv2DTranspose)",
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
