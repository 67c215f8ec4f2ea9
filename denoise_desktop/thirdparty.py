"""The optional ``spandrel`` package (third-party checkpoints: KAIR, OpenModelDB…) without torchvision.

spandrel declares a dependency on torchvision but uses it in two architectures only (LaMa
inpainting: ``rotate``; RestoreFormer face restoration: ``normalize``), both imported when
spandrel is. PyPI has no torchvision that matches our pinned CPU torch: installing one replaces
torch with a multi-GB CUDA build, and a mismatched one fails at import (``operator
torchvision::nms does not exist``). So spandrel is installed without its dependencies
(``INSTALL_COMMAND``) and, when no working torchvision is present, a minimal stand-in module gives
spandrel the two names it imports at load time: ``normalize`` works (plain tensor arithmetic),
``rotate`` raises (no denoiser needs it). A real torchvision, when importable, is always used.
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import sys
import types

__all__ = ["INSTALL_COMMAND", "import_spandrel", "SpandrelMissing"]

#: The one install command, the same in the README, the dialogs and the errors.
INSTALL_COMMAND = 'pip install einops typing_extensions && pip install --no-deps "spandrel>=0.4,<0.5"'
_STANDIN = "denoise_desktop.thirdparty:torchvision-stand-in"


class SpandrelMissing(ImportError):
    pass


def _torchvision_works() -> bool:
    if "torchvision" in sys.modules:  # the real one, or our stand-in from an earlier call
        return True
    try:
        importlib.import_module("torchvision")
        return True
    except Exception:  # noqa: BLE001 - a mismatched build raises RuntimeError, a missing one ImportError
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]  # a half-imported package must not shadow the stand-in
        return False


def _install_standin() -> None:
    import torch

    class InterpolationMode(enum.Enum):
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"

    def normalize(tensor: torch.Tensor, mean, std, inplace: bool = False) -> torch.Tensor:
        mean_t = torch.as_tensor(mean, dtype=tensor.dtype, device=tensor.device).view(-1, 1, 1)
        std_t = torch.as_tensor(std, dtype=tensor.dtype, device=tensor.device).view(-1, 1, 1)
        return tensor.sub_(mean_t).div_(std_t) if inplace else (tensor - mean_t) / std_t

    def rotate(*_args, **_kwargs):
        raise NotImplementedError("this model needs torchvision (rotate), which is not installed")

    root = types.ModuleType("torchvision")
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")
    functional.InterpolationMode, functional.normalize, functional.rotate = InterpolationMode, normalize, rotate
    root.transforms, transforms.functional = transforms, functional
    for mod in (root, transforms, functional):
        mod.__denoise_standin__ = _STANDIN
    sys.modules.update({"torchvision": root, "torchvision.transforms": transforms,
                        "torchvision.transforms.functional": functional})


def import_spandrel():
    """``spandrel``, importable with or without torchvision; ``SpandrelMissing`` names the command."""
    loaded = sys.modules.get("spandrel", False)
    if loaded is not False:
        if loaded is None:  # import blocked (None in sys.modules)
            raise SpandrelMissing(f"the optional 'spandrel' package is not available: {INSTALL_COMMAND}")
        return loaded
    if importlib.util.find_spec("spandrel") is None:
        raise SpandrelMissing(f"the optional 'spandrel' package is not installed: {INSTALL_COMMAND}")
    if not _torchvision_works():
        _install_standin()
    return importlib.import_module("spandrel")
