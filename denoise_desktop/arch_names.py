"""Architecture ids and display names, importable without torch.

The GUI lists architectures while its window is still being built; ``denoise_desktop.models``
imports torch (seconds), so the names live here and ``models`` takes them from this table.
"""

from __future__ import annotations

__all__ = ["ARCH_NAMES"]

ARCH_NAMES: dict[str, str] = {
    "unet_res": "UNet-Res",
    "ffdnet": "FFDNet",
    "dncnn": "DnCNN",
    "rednet": "RED-Net",
    "conv_autoencoder": "Conv autoencoder (small)",
    "upsampling_autoencoder": "Upsampling autoencoder (deep)",
    "strided_autoencoder": "Strided conv autoencoder",
}
