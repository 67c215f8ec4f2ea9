"""The weights file format: safetensors + a small header + a JSON "model card" beside it.

A Denoise Desktop weights file is a safetensors file whose metadata header holds
``{"format": "denoise-desktop/1", "arch": <architecture id>, "hparams": <JSON of the ctor kwargs>}``
so ``models.build(arch, **hparams)`` rebuilds the exact network before ``load_state_dict(strict=True)``.
The card ``<stem>.json`` (same folder, same stem) carries what people want to read: architecture,
channels, σ range, training recipe, validation scores. The header wins over the card for
``arch``/``hparams``.

Loading never executes code: safetensors holds only tensors, and ``.pth``/``.pt`` files go
through ``torch.load(weights_only=True)`` (our ``{"arch", "hparams", "state_dict"}`` layout).
Third-party models are imported through the optional ``spandrel`` package and stored in the same
format with ``arch = "spandrel"`` (their state dict, re-detected by spandrel on load).
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import stat
import warnings
import zipfile
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from . import paths
from .imageio import atomic_write
from .models import ARCHITECTURES, ArchSpec, SizeRequirements, Tiling, build, get_spec

__all__ = [
    "FORMAT",
    "SPANDREL_ARCH",
    "WeightsError",
    "save_weights",
    "load_weights",
    "load_state_strict",
    "import_model",
    "read_card",
    "read_header",
    "check_weights_file",
    "card_path",
    "arch_of",
    "spec_of",
    "resolve_device",
]

FORMAT = "denoise-desktop/1"
SPANDREL_ARCH = "spandrel"  # header arch of third-party models stored via spandrel
WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".ckpt", ".bin")
# A header lists each tensor in ~100 bytes: 4 MB covers 30 000+ tensors, 10× the largest image
# model we know. A bigger one is hostile: a 90 MB header cost 510 MB of RAM, and ten 16 MB ones
# took 1 s each to check at every model listing.
MAX_HEADER_BYTES = 4 << 20
# 250 M parameters (1 GB in float32): 10× the largest denoiser we know of; a header declaring more
# would make the loader allocate gigabytes before anything could be checked.
MAX_PARAMETERS = 250_000_000

log = logging.getLogger(__name__)


class WeightsError(Exception):
    """A weights file could not be saved, read or matched to an architecture (message names it)."""


# --------------------------------------------------------------------------- helpers


def card_path(weights_path: str | Path) -> Path:
    p = Path(weights_path)
    return p.with_name(p.stem + ".json")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → CUDA if present, else Apple MPS, else CPU."""
    if str(device) != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def arch_of(model: nn.Module) -> str:
    """The architecture id of a network built by ``models.build`` (or a spandrel wrapper)."""
    if isinstance(model, SpandrelNet):
        return SPANDREL_ARCH
    for spec in ARCHITECTURES.values():
        if type(model) is spec.cls:
            return spec.id
    raise WeightsError(f"{type(model).__name__} is not one of the listed architectures ({', '.join(ARCHITECTURES)})")


def spec_of(model: nn.Module) -> ArchSpec:
    """The ``ArchSpec`` the engine needs (size requirements, tiling) for a loaded model."""
    spec = getattr(model, "spec", None)
    if isinstance(spec, ArchSpec):
        return spec
    return get_spec(arch_of(model))


MAX_CARD_BYTES = 1 << 20


def read_card(weights_path: str | Path) -> dict[str, Any]:
    """The sidecar card as a dict; ``{}`` when missing or unreadable (the header suffices to load)."""
    cp = card_path(weights_path)
    try:
        data = json.loads(read_regular_file(cp, MAX_CARD_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, WeightsError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        log.warning("ignoring model card %s: %s", cp, e)
        return {}
    return data if isinstance(data, dict) else {}


def open_regular(path: str | Path):
    """A binary file object on ``path``, refused (``WeightsError``) unless it is a regular file: a
    FIFO would block every listing, and a link to ``/dev/zero`` never ends."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise WeightsError(f"{path}: not a regular file (a pipe, a device or a folder); not read")
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_regular_file(path: str | Path, max_bytes: int) -> bytes:
    """The whole of a regular file of at most ``max_bytes``; ``WeightsError`` otherwise."""
    with open_regular(path) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:  # a card is a few kB; a huge one is hostile or broken
        raise WeightsError(f"{path}: larger than the {max_bytes} bytes allowed; not read")
    return data


def _channels(arch: str, hparams: Mapping[str, Any]) -> int | None:
    c = hparams.get("in_channels")
    return int(c) if isinstance(c, int) else None


# --------------------------------------------------------------------------- header checks


def read_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of a safetensors file (tensor name → dtype/shape/offsets, plus
    ``__metadata__``), read without touching the tensor data and refused above ``MAX_HEADER_BYTES``."""
    path = Path(path)
    try:
        with open_regular(path) as f:
            size = os.fstat(f.fileno()).st_size
            n = int.from_bytes(f.read(8), "little")
            if n > MAX_HEADER_BYTES:
                raise WeightsError(f"{path}: safetensors header of {n / 2**20:.0f} MB is larger than the "
                                   f"{MAX_HEADER_BYTES >> 20} MB allowed (a model's header is a few kB); not loaded")
            if n + 8 > size:
                raise WeightsError(f"{path}: truncated or corrupt safetensors file (the header runs past the end)")
            text = f.read(n)
    except OSError as e:
        raise WeightsError(f"{path}: cannot read: {e.strerror or e}") from e
    try:
        header = json.loads(text)
    except (ValueError, RecursionError) as e:  # RecursionError: deeply nested JSON
        raise WeightsError(f"{path}: corrupt safetensors header: {_first_line(e)}") from None
    if not isinstance(header, dict):
        raise WeightsError(f"{path}: corrupt safetensors header (not a JSON object)")
    if _data_end(header) > size - 8 - n:
        raise WeightsError(f"{path}: truncated or corrupt safetensors file (the tensor data runs past the end)")
    return header


def _data_end(header: Mapping[str, Any]) -> int:
    """Where the last tensor's bytes end (malformed entries are left to ``_header_shapes``)."""
    end = 0
    for name, entry in header.items():
        off = entry.get("data_offsets") if isinstance(entry, dict) and name != "__metadata__" else None
        if isinstance(off, list) and len(off) == 2 and all(isinstance(x, int) for x in off):
            end = max(end, off[1])
    return end


def _header_shapes(path: Path, header: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise WeightsError(f"{path}: corrupt safetensors header (tensor {name!r} has no valid shape)")
        shapes[name] = tuple(shape)
    return shapes


def _header_model(path: Path, header: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(arch, hparams) declared in our header's metadata, None when the file is not ours."""
    meta = header.get("__metadata__")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        return None
    return _parse_declared(path, meta.get("arch"), meta.get("hparams") or "{}")


def _parse_declared(path: Path, arch: Any, hparams: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(hparams, str):
        try:
            hparams = json.loads(hparams)
        except (ValueError, RecursionError) as e:
            raise WeightsError(f"{path}: corrupt hyper-parameters in the header: {_first_line(e)}") from None
    if not isinstance(arch, str) or not isinstance(hparams, dict) or not all(isinstance(k, str) for k in hparams):
        raise WeightsError(f"{path}: malformed Denoise Desktop header (arch/hparams)")
    return arch, hparams


def _check_fits(path: Path, arch: str, hparams: Mapping[str, Any], shapes: Mapping[str, tuple[int, ...]]) -> None:
    """Raise ``WeightsError`` unless ``build(arch, **hparams)`` makes exactly the tensors in
    ``shapes`` within the parameter budget — decided on the meta device, so a header declaring a
    huge network costs nothing (it once drove the loader to 22 GB before any check)."""
    total = sum(math.prod(s) for s in shapes.values())
    if total > MAX_PARAMETERS:
        raise WeightsError(f"{path}: {total / 1e6:.0f} M parameters, more than the "
                           f"{MAX_PARAMETERS // 1_000_000} M a denoiser may have; not loaded")
    if arch == SPANDREL_ARCH:
        return  # spandrel detects its architecture from the tensors themselves
    if arch not in ARCHITECTURES:
        raise WeightsError(f"{path}: unknown architecture {arch!r}; known: {', '.join(sorted(ARCHITECTURES))}")
    _check_int_hparams(path, arch, hparams, shapes)
    try:
        with torch.device("meta"), warnings.catch_warnings():  # shapes only: no memory, no init work
            warnings.simplefilter("ignore")  # torch's notes on odd sizes: the mismatch says it better
            own = {k: tuple(v.shape) for k, v in build(arch, **hparams).state_dict().items()}
    except Exception as e:  # noqa: BLE001 - constructors raise Type/Value/Key/RuntimeError for bad values
        raise WeightsError(f"{path}: invalid hyper-parameters for {arch}: {_first_line(e)}") from None
    problem = _mismatch(own, shapes)
    if problem:
        raise WeightsError(f"{path}: weights do not match the architecture — {problem}")


def _check_int_hparams(path: Path, arch: str, hparams: Mapping[str, Any], shapes: Mapping[str, tuple[int, ...]]) -> None:
    """Even on the meta device a depth of 10**8 takes minutes to build: no integer hyper-parameter
    of a real model exceeds its tensor count or its widest tensor dimension (or 1024)."""
    widest = max((max(s, default=0) for s in shapes.values()), default=0)
    limit = max(1024, len(shapes), widest)
    for key, value in hparams.items():
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
            raise WeightsError(f"{path}: invalid hyper-parameters for {arch}: {key} = {value} is far beyond the "
                               f"file's tensors ({len(shapes)} tensors, widest dimension {widest})")


def _mismatch(own: Mapping[str, tuple[int, ...]], theirs: Mapping[str, tuple[int, ...]]) -> str:
    """What differs between the model's tensor shapes and the file's ("" when they match)."""
    missing = sorted(own.keys() - theirs.keys())
    unexpected = sorted(theirs.keys() - own.keys())
    shapes = sorted(f"{k} {tuple(theirs[k])} vs {tuple(own[k])}"
                    for k in own.keys() & theirs.keys() if tuple(theirs[k]) != tuple(own[k]))
    parts = []
    for label, items in (("missing", missing), ("unexpected", unexpected), ("wrong shape", shapes)):
        if items:
            more = f" (+{len(items) - 5} more)" if len(items) > 5 else ""
            parts.append(f"{label}: {', '.join(items[:5])}{more}")
    return "; ".join(parts)


def check_weights_file(path: str | Path) -> tuple[str, dict[str, Any]]:
    """(arch, hparams) of one of our safetensors files, checked from its header alone (size,
    architecture, hyper-parameters against the tensor shapes); raises ``WeightsError`` naming it."""
    path = Path(path)
    header = read_header(path)
    declared = _header_model(path, header)
    if declared is None:
        raise WeightsError(f"{path}: not a Denoise Desktop weights file (no '{FORMAT}' header)")
    _check_fits(path, *declared, _header_shapes(path, header))
    return declared


# --------------------------------------------------------------------------- saving


def save_weights(model: nn.Module, path: str | Path, card: Mapping[str, Any] | None = None) -> Path:
    """Write ``model`` to ``path`` (safetensors) and its card to ``<stem>.json``, both atomically.

    ``card`` holds whatever the caller knows (σ range, recipe, scores, ``"default": true``...);
    ``arch``, ``hparams``, ``channels`` and ``takes_sigma`` are filled in from the model.
    """
    from safetensors.torch import save_file

    path = Path(path)
    if path.suffix != ".safetensors":
        raise WeightsError(f"{path}: weights are saved as .safetensors")
    arch = arch_of(model)
    hparams = dict(getattr(model, "hparams", {}))
    full_card: dict[str, Any] = dict(card or {})
    full_card.update(arch=arch, hparams=hparams)
    if arch == SPANDREL_ARCH:
        full_card.setdefault("channels", model.in_channels)  # type: ignore[union-attr]
        full_card.setdefault("takes_sigma", False)
    else:
        full_card.setdefault("channels", _channels(arch, hparams))
        full_card.setdefault("takes_sigma", get_spec(arch).takes_sigma)
    try:
        header = {"format": FORMAT, "arch": arch, "hparams": json.dumps(hparams, sort_keys=True)}
        card_text = json.dumps(full_card, indent=2, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise WeightsError(f"{path}: hyper-parameters or card are not JSON-serialisable: {e}") from e
    # safetensors refuses shared/strided storage; an own contiguous CPU copy of each tensor is safe
    # spandrel re-detects its architecture from the wrapped model's own key names
    source = model.net if isinstance(model, SpandrelNet) else model
    state = {k: v.detach().to("cpu").contiguous().clone() for k, v in source.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_write(path) as tmp:
            save_file(state, str(tmp), metadata=header)
        with atomic_write(card_path(path)) as tmp:
            Path(tmp).write_text(card_text + "\n", encoding="utf-8")
    except OSError as e:
        raise WeightsError(f"{path}: cannot write weights: {e}") from e
    return path


# --------------------------------------------------------------------------- reading raw files


def _sniff(path: Path) -> str:
    """"safetensors", "zip" (torch.save), "pickle" (legacy torch.save) or "unknown"."""
    with open_regular(path) as f:
        head = f.read(16)
    # safetensors first: its little-endian header length may well start with byte 0x80
    if len(head) >= 9 and head[8:9] == b"{" and 2 <= int.from_bytes(head[:8], "little") < 100_000_000:
        return "safetensors"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "pickle"
    return "unknown"


def _sniff_file(path: Path) -> str:
    if not path.is_file():
        raise WeightsError(f"{path}: no such file")
    try:
        return _sniff(path)
    except OSError as e:
        raise WeightsError(f"{path}: cannot read: {e}") from e


def _read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    from safetensors import SafetensorError, safe_open

    read_header(path)  # the size cap and a clear message before safetensors parses it
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = dict(f.metadata() or {})
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, RuntimeError, ValueError) as e:
        raise WeightsError(f"{path}: not a readable safetensors file (truncated or corrupt?): {e}") from e
    return tensors, meta


def _read_pickle(path: Path) -> Any:
    """``torch.load(weights_only=True)``: tensors and plain containers only, never code."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on pickle protocols are not for users
            # a file object, not a name: recent torch dispatches on the suffix, but we sniffed it
            with open_regular(path) as f:
                return torch.load(f, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "weights only" in str(e).lower() or "weights_only" in str(e).lower():
            raise WeightsError(
                f"{path}: refused: the file contains Python objects or code besides tensors, "
                "which could run arbitrary code; it was not loaded (only plain weights are accepted)"
            ) from e
        raise WeightsError(f"{path}: not a readable PyTorch file (truncated or corrupt?): {e}") from e
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, AttributeError, KeyError) as e:
        raise WeightsError(f"{path}: not a readable PyTorch file (truncated or corrupt?): {_first_line(e)}") from e


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _read_raw(path: Path) -> tuple[Any, dict[str, str] | None]:
    """(tensors or unpickled object, safetensors metadata or None)."""
    kind = _sniff_file(path)
    if kind == "safetensors":
        return _read_safetensors(path)
    if kind in ("zip", "pickle"):
        return _read_pickle(path), None
    raise WeightsError(f"{path}: not a weights file (neither safetensors nor a PyTorch checkpoint)")


def _ours(path: Path, raw: Any, meta: dict[str, str] | None) -> tuple[str, dict[str, Any], dict[str, torch.Tensor]] | None:
    """(arch, hparams, state_dict) when the file is in our layout, else None."""
    if meta is not None:
        if meta.get("format") != FORMAT:
            return None
        arch, hparams, state = meta.get("arch"), meta.get("hparams") or "{}", raw
    else:
        if not (isinstance(raw, dict) and {"arch", "state_dict"} <= raw.keys()):
            return None
        arch, hparams, state = raw["arch"], raw.get("hparams") or {}, raw["state_dict"]
    arch, hparams = _parse_declared(path, arch, hparams)
    if not isinstance(state, Mapping):
        raise WeightsError(f"{path}: malformed Denoise Desktop header (arch/hparams/state_dict)")
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path}: state_dict holds non-tensor values")
    return arch, hparams, dict(state)


def load_state_strict(path: Path, model: nn.Module, state: Mapping[str, torch.Tensor]) -> None:
    """``load_state_dict(strict=True)`` with a message listing what does not match."""
    problem = _mismatch({k: tuple(v.shape) for k, v in model.state_dict().items()},
                        {k: tuple(v.shape) for k, v in state.items()})
    if problem:
        raise WeightsError(f"{path}: weights do not match the architecture — {problem}")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise WeightsError(f"{path}: weights do not match the architecture: {_first_line(e)}") from e


# --------------------------------------------------------------------------- loading


def load_weights(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the network stored in ``path`` → ``(model.eval() on device, card)``.

    Accepts our safetensors format and ``.pth``/``.pt`` files holding
    ``{"arch", "hparams", "state_dict"}``; raises ``WeightsError`` for anything else.
    """
    path = Path(path)
    if _sniff_file(path) == "safetensors":  # checked from the header before any tensor is read
        header = read_header(path)
        declared = _header_model(path, header)
        if declared is not None:
            _check_fits(path, *declared, _header_shapes(path, header))
    raw, meta = _read_raw(path)
    ours = _ours(path, raw, meta)
    if ours is None:
        raise WeightsError(
            f"{path}: not a Denoise Desktop weights file (no '{FORMAT}' header or "
            "{arch, hparams, state_dict} layout); third-party models must be imported first"
        )
    arch, hparams, state = ours
    if meta is None:  # a .pth file: the same check, from the loaded tensors' shapes
        _check_fits(path, arch, hparams, {k: tuple(v.shape) for k, v in state.items()})
    if arch == SPANDREL_ARCH:
        model: nn.Module = _spandrel_model(path, state)
    else:
        try:
            model = build(arch, **hparams)
        except Exception as e:  # noqa: BLE001 - checked on the meta device already; still one message
            raise WeightsError(f"{path}: invalid hyper-parameters for {arch}: {_first_line(e)}") from None
        load_state_strict(path, model, state)
    card = read_card(path)
    card.update(arch=arch, hparams=hparams)
    if arch != SPANDREL_ARCH:
        card.setdefault("channels", _channels(arch, hparams))
        card.setdefault("takes_sigma", get_spec(arch).takes_sigma)
    return model.to(resolve_device(device)).eval(), card


# --------------------------------------------------------------------------- third party (spandrel)


def _require_spandrel(path: Path):
    from .thirdparty import INSTALL_COMMAND, import_spandrel  # optional dependency, only when needed

    try:
        return import_spandrel()
    except ImportError as e:
        raise WeightsError(
            f"{path}: not a Denoise Desktop model; third-party models need the optional 'spandrel' "
            f"package — install it with: {INSTALL_COMMAND}"
        ) from e


class SpandrelNet(nn.Module):
    """A spandrel ``ImageModelDescriptor`` behind our ``forward(x, sigma=None)`` (σ is ignored)."""

    def __init__(self, descriptor: Any) -> None:
        super().__init__()
        self.descriptor = descriptor
        self.net = descriptor.model  # registers parameters so .to()/.eval() reach them
        self.in_channels = int(descriptor.input_channels)
        self.hparams: dict[str, Any] = {}
        sr = descriptor.size_requirements
        tiling = {"SUPPORTED": Tiling.SUPPORTED, "DISCOURAGED": Tiling.DISCOURAGED,
                  "INTERNAL": Tiling.INTERNAL}.get(getattr(descriptor.tiling, "name", ""), Tiling.SUPPORTED)
        arch = descriptor.architecture
        self.spec = ArchSpec(
            id=f"{SPANDREL_ARCH}:{getattr(arch, 'id', 'unknown')}",
            name=str(getattr(arch, "name", "third-party model")),
            cls=SpandrelNet,
            description="Third-party model loaded through spandrel",
            takes_sigma=False,
            size_req=SizeRequirements(multiple_of=max(1, int(sr.multiple_of)), minimum=max(1, int(sr.minimum))),
            tiling=tiling,
            receptive_field=32,
            reference="spandrel",
        )

    def forward(self, x: torch.Tensor, sigma: torch.Tensor | float | None = None) -> torch.Tensor:
        return self.descriptor(x)


def _spandrel_model(path: Path, state: Mapping[str, torch.Tensor]) -> SpandrelNet:
    spandrel = _require_spandrel(path)
    try:
        desc = spandrel.ModelLoader().load_from_state_dict(dict(state))
    except Exception as e:  # spandrel raises its own UnsupportedModelError and assorted others
        raise WeightsError(f"{path}: spandrel does not recognise this model: {_first_line(e)}") from e
    if not isinstance(desc, spandrel.ImageModelDescriptor):
        raise WeightsError(f"{path}: not an image-to-image model")
    if desc.scale != 1:
        raise WeightsError(f"{path}: a ×{desc.scale} upscaler, not a denoiser (needs scale 1)")
    if desc.input_channels != desc.output_channels or desc.input_channels not in (1, 3):
        raise WeightsError(
            f"{path}: takes {desc.input_channels} and gives {desc.output_channels} channels; 1→1 or 3→3 is needed"
        )
    return SpandrelNet(desc)  # spandrel has already loaded the weights into desc.model


# --------------------------------------------------------------------------- importing


def _unique_destination(folder: Path, stem: str) -> Path:
    dest = folder / f"{stem}.safetensors"
    n = 2
    while dest.exists() or card_path(dest).exists():
        dest = folder / f"{stem}-{n}.safetensors"
        n += 1
    return dest


def file_sha256(path: str | Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open_regular(path) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def import_model(path: str | Path) -> Path:
    """Validate a user's model file and store it in ``paths.user_models_dir()``; returns the new path.

    Our safetensors/``.pth`` files are rebuilt and re-saved as safetensors with their card;
    other files go through ``spandrel`` (optional) and are stored as ``arch = "spandrel"``.
    Nothing is written when validation fails.
    """
    path = Path(path)
    raw, meta = _read_raw(path)
    ours = _ours(path, raw, meta)
    folder = paths.user_models_dir()
    if ours is not None:
        model, card = load_weights(path)
        if path.parent.resolve() == folder.resolve() and path.suffix == ".safetensors":
            return path  # already there
        card.setdefault("imported_from", path.name)
        card["imported_sha256"] = file_sha256(path)  # tells a re-import of these bytes from new ones
        return save_weights(model, _unique_destination(folder, path.stem), card)
    # third party: a bare state dict (possibly wrapped as {"state_dict": ...}/{"params": ...})
    state = raw
    if isinstance(state, Mapping):
        for key in ("params_ema", "params", "state_dict", "model"):
            inner = state.get(key)
            if isinstance(inner, Mapping) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                state = inner
                break
    if not (isinstance(state, Mapping) and state and all(isinstance(v, torch.Tensor) for v in state.values())):
        raise WeightsError(f"{path}: does not hold a model state dict (a mapping of names to tensors)")
    net = _spandrel_model(path, state)
    card = {
        "name": f"{net.spec.name} ({path.stem})",
        "thirdparty": True,
        "spandrel_arch": net.spec.id,
        "channels": net.in_channels,
        "takes_sigma": False,
        "imported_from": path.name,
    }
    # store the *original* tensors (spandrel re-detects the architecture from their names on load)
    dest = _unique_destination(folder, path.stem)
    _save_state(dest, dict(state), card)
    return dest


def _save_state(dest: Path, state: dict[str, torch.Tensor], card: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}
    header = {"format": FORMAT, "arch": SPANDREL_ARCH, "hparams": "{}"}
    card = dict(card, arch=SPANDREL_ARCH, hparams={})
    try:
        with atomic_write(dest) as tmp:
            save_file(state, str(tmp), metadata=header)
        with atomic_write(card_path(dest)) as tmp:
            Path(tmp).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as e:
        raise WeightsError(f"{dest}: cannot write imported model: {e}") from e

