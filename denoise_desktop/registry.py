"""Which denoisers exist: bundled weights, the user's models, and the classical baselines.

Ids are file stems (``resources/weights/unet_res_color.safetensors`` → ``unet_res_color``); a
user model whose stem collides with a bundled or classical id is listed as ``user:<stem>``.
Listing reads only cards and safetensors headers, so it rescans every call: a model the user just
imported or trained shows up without any cache to refresh. A header's check is remembered, in
memory and on disk, by the file's identity (``_checked``), and looking up one model (``get``,
``load``, the defaults) checks no other user file. A file that cannot be used
(corrupt header, unknown architecture, hyper-parameters that do not match its tensors) is left
out of the list and reported by :func:`broken_models` with the reason; everything else works.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths
from .models import ARCHITECTURES
from .models.classical import CLASSICAL
from .weights import SPANDREL_ARCH, WeightsError, check_weights_file, read_card, read_regular_file

__all__ = ["ModelEntry", "BrokenModel", "list_models", "broken_models", "get", "load", "default_model_id",
           "refresh", "trained_on_note", "FALLBACK_ID"]

FALLBACK_ID = "nlm"  # the default when no bundled network fits the image
log = logging.getLogger(__name__)


@dataclass
class ModelEntry:
    id: str
    name: str
    kind: str  # "network" | "classical"
    takes_sigma: bool
    channels: tuple[int, ...]
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    source: str = "classical"  # "bundled" | "user" | "classical"
    arch: str | None = None
    description: str = ""
    # A reproduced classic experiment (card ``"classic": true``): made for its own data set (28×28
    # digits, 32×32 thumbnails), offered in Compare but never picked automatically.
    classic: bool = False
    trained_on: str | None = None  # the card's ``trained_on``, e.g. "MNIST digits (28×28) at σ 127.5"

    @property
    def input_kind(self) -> str:
        """"raw_mosaic" for a network that denoises camera RAW mosaics before development
        (``raw_mosaic``), "stabilised" for one that works in the variance-stabilised domain of
        photon noise (a default's photon route), else "image"."""
        kind = self.card.get("input")
        return kind if kind in ("raw_mosaic", "stabilised") else "image"

    @property
    def trained_on_note(self) -> str | None:
        """What a classic model's results say: it runs on any image, but is only good on its own
        kind. So do models trained here on digit or thumbnail sets (IDX / CIFAR data)."""
        tiny = (self.card.get("data") or {}).get("kind") in ("idx", "cifar") if isinstance(self.card, dict) else False
        if not (self.trained_on and (self.classic or tiny)):
            return None
        return f"{self.id} was trained on {self.trained_on}; on other images expect poor results"


@dataclass(frozen=True)
class BrokenModel:
    id: str  # the id it would have: ``get``/``load`` of it raise ``WeightsError`` with the reason
    path: Path
    reason: str  # the loader's message (it names the file)
    source: str  # "bundled" | "user"


def refresh() -> None:
    """Kept for callers that expect one; listing always rescans the folders."""


# Header checks by file identity: a check parses the whole safetensors header (~1 s for a hostile
# 16 MB one) and every command lists the models. Kept in memory and in the cache folder, so a later
# command reads no header again; any write to a file changes its key (size, mtime, ctime, inode).
_CHECKED: dict[str, list | str] = {}  # key → [arch, hparams] or the reason it cannot be used
_CHECKS_FILE = "model_checks.json"
_CHECKS_MAX = 1000  # entries kept on disk (files replaced over time leave old keys behind)
MAX_CHECKS_BYTES = 8 << 20
_checks_state = {"loaded": False, "dirty": False}


def _file_key(path: Path) -> str:
    st = path.stat()
    return f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"


def _checked(path: Path) -> tuple[str, dict[str, Any]]:
    """(arch, hparams) of a usable weights file; raises ``WeightsError`` (logged once per file)."""
    try:
        key = _file_key(path)
    except OSError as e:
        raise WeightsError(f"{path}: cannot read: {e.strerror or e}") from None
    _load_checks()
    if key not in _CHECKED:
        try:
            _CHECKED[key] = list(check_weights_file(path))
        except WeightsError as e:
            log.info("skipping model %s", e)  # listed by broken_models(): `models`, the GUI status line
            _CHECKED[key] = str(e)
        _checks_state["dirty"] = True
    result = _CHECKED[key]
    if isinstance(result, str):
        raise WeightsError(result)
    return result[0], result[1]


def _load_checks() -> None:
    """Once per process: the checks earlier commands saved (anything malformed is ignored)."""
    if _checks_state["loaded"]:
        return
    _checks_state["loaded"] = True
    try:
        saved = json.loads(read_regular_file(paths.cache_dir() / _CHECKS_FILE, MAX_CHECKS_BYTES))
    except (OSError, WeightsError, ValueError, RecursionError):
        return
    if isinstance(saved, dict):
        for key, value in saved.items():
            if isinstance(value, str) or (isinstance(value, list) and len(value) == 2
                                          and isinstance(value[0], str) and isinstance(value[1], dict)):
                _CHECKED.setdefault(key, value)



def _save_checks() -> None:
    """Write new checks for the next command (atomically; a failure only costs that speed-up)."""
    if not _checks_state["dirty"]:
        return
    _checks_state["dirty"] = False
    from .imageio import atomic_write

    recent = dict(list(_CHECKED.items())[-_CHECKS_MAX:])
    try:
        with atomic_write(paths.cache_dir() / _CHECKS_FILE) as tmp:
            tmp.write_text(json.dumps(recent), encoding="utf-8")
    except (OSError, TypeError, ValueError) as e:
        log.info("cannot save model checks: %s", e)


def _entry(path: Path, entry_id: str, source: str) -> ModelEntry:
    arch, hparams = _checked(path)
    card = read_card(path)
    if arch == SPANDREL_ARCH:
        takes_sigma, default_name, description = False, f"{path.stem} (third-party)", "Imported third-party model"
    else:
        spec = ARCHITECTURES[arch]  # known: checked above
        takes_sigma, default_name, description = spec.takes_sigma, f"{spec.name} ({path.stem})", spec.description
    ch = card.get("channels")
    if not isinstance(ch, int) or ch not in (1, 3):
        ch = hparams.get("in_channels", 3)
    if ch not in (1, 3):
        raise WeightsError(f"{path}: takes {ch}-channel images; 1 (gray) or 3 (color) is needed")
    return ModelEntry(
        id=entry_id,
        name=str(card.get("name") or default_name),
        kind="network",
        takes_sigma=bool(card.get("takes_sigma", takes_sigma)),
        channels=(int(ch),),
        card=card,
        path=path,
        source=source,
        arch=arch,
        description=str(card.get("description") or description),
        classic=card.get("classic") is True,  # a malformed flag ("yes", 1) is not a claim
        trained_on=_trained_on(card),
    )


def _trained_on(card: dict[str, Any]) -> str | None:
    value = card.get("trained_on")
    return (value.strip() or None) if isinstance(value, str) else None  # a number or a list is ignored


def _scan(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.glob("*.safetensors") if p.is_file() and not p.name.startswith("."))
    except OSError as e:
        log.warning("cannot list %s: %s", folder, e)
        return []


def _scan_all(wanted: str | None = None, user: bool = True) -> tuple[list[ModelEntry], list[BrokenModel]]:
    """Usable networks (bundled first, then the user's) and the files that cannot be used.

    ``wanted``: check only the user file that would get this id (a lookup need not read every
    header); ``user=False``: bundled files only (what the defaults choose from)."""
    entries: list[ModelEntry] = []
    broken: list[BrokenModel] = []
    taken = set(CLASSICAL)
    folders = [("bundled", paths.weights_dir())] + ([("user", paths.user_models_dir())] if user else [])
    for source, folder in folders:
        for p in _scan(folder):
            entry_id = p.stem if source == "bundled" or p.stem not in taken else f"user:{p.stem}"
            if entry_id in taken or (wanted is not None and source == "user" and entry_id != wanted):
                continue
            try:
                e = _entry(p, entry_id, source)
            except WeightsError as exc:
                broken.append(BrokenModel(entry_id, p, str(exc), source))
                continue
            entries.append(e)
            taken.add(e.id)
    _save_checks()
    return entries, broken


def _classical_entries() -> list[ModelEntry]:
    return [ModelEntry(id=d.id, name=d.name, kind="classical", takes_sigma=d.takes_sigma, channels=d.channels,
                       description=d.description) for d in CLASSICAL.values() if d.available()]


def list_models() -> list[ModelEntry]:
    """Bundled networks, then the user's, then the classical baselines available here."""
    return _distinct_names(_scan_all()[0] + _classical_entries())


def _distinct_names(entries: list[ModelEntry]) -> list[ModelEntry]:
    """Every picker shows names, not ids: a user model named like another (a retrained
    ``dncnn_gray_s25``, two runs of one recipe) gets its id beside the name, so two rows never
    read the same. The first (bundled before user) keeps its name as it is."""
    seen: set[str] = set()
    for e in entries:
        if e.name in seen and e.source != "bundled":
            e.name = f"{e.name} ({e.id})" if e.id != e.name else f"{e.name} ({e.source} model)"
        seen.add(e.name)
    return entries


def broken_models() -> list[BrokenModel]:
    """Weights files in the model folders that cannot be used, each with the reason."""
    return _scan_all()[1]


def get(model_id: str) -> ModelEntry:
    """The listed model ``model_id``; ``KeyError`` when unknown, ``WeightsError`` when its file is broken."""
    entries, broken = _scan_all(wanted=model_id)
    for e in entries + _classical_entries():
        if e.id == model_id:
            return e
    for b in broken:
        if b.id == model_id:
            raise WeightsError(b.reason)
    known = ", ".join(e.id for e in list_models())  # unknown: now every name is worth reading
    raise KeyError(f"unknown model {model_id!r}; known: {known}")


def load(model_id: str, device: str = "auto", channels: int | tuple[int, ...] | None = None,
         ensemble: int = 1, precision: str = "auto", runtime: str = "eager"):
    """A ready ``Denoiser`` for ``model_id`` (networks wrapped in ``engine.NetworkDenoiser``).

    ``channels`` is the image's channel count; any model can take either (the engine runs a gray
    model per channel and feeds gray images to color models), so it only documents intent.
    ``ensemble`` is the networks' self-ensemble size (``engine.ENSEMBLES``); classical ignore it,
    as they do ``precision`` and ``runtime`` (see ``runtime``). Raises ``KeyError`` for an unknown id and ``WeightsError`` for a broken file.
    """
    entry = get(model_id)
    if entry.kind == "classical":
        return CLASSICAL[entry.id]
    from .engine import NetworkDenoiser  # noqa: PLC0415 - the engine imports torch; keep listing light
    from .weights import WeightsError, load_weights, spec_of  # noqa: PLC0415

    assert entry.path is not None
    model, _card = load_weights(entry.path, device="cpu")  # the engine moves it to `device`
    net = NetworkDenoiser(model, spec_of(model), device=device, id=entry.id, name=entry.name, ensemble=ensemble,
                          sigma_range=_sigma_range(entry.card), precision=precision, runtime=runtime,
                          max_ensemble=_max_ensemble(entry.card), input_kind=entry.input_kind)
    if entry.source != "bundled" or entry.card.get("default") is not True:
        return net
    # A bundled default routes each image by its noise (``routing``): camera noise and noisy
    # JPEGs to its real-noise sibling where it has one, photon noise through stabilisation (to
    # its photon-noise sibling, trained in the stabilised domain, where it has one).
    def sibling(key: str, what: str):
        """The network the card names under ``key``, or None (logged) when it cannot be loaded."""
        sib_id = entry.card.get(key)
        if not isinstance(sib_id, str) or sib_id == entry.id:
            return None
        try:
            return load(sib_id, device=device, channels=channels, ensemble=ensemble, precision=precision,
                        runtime=runtime)
        except (KeyError, WeightsError) as e:
            log.warning("%s: %s model %r unavailable (%s); the white-noise network instead", entry.id, what, sib_id, e)
            return None

    real, photon = sibling("real_noise_model", "real-noise"), sibling("photon_model", "photon-noise")
    from .routing import NoiseRoutedDenoiser  # noqa: PLC0415

    return NoiseRoutedDenoiser(net, real, id=entry.id, name=entry.name, photon=photon)


def _max_ensemble(card: dict[str, Any]) -> int:
    """1 for a network trained without flips and rotations (its recipe says ``augment = false``:
    the MNIST / Fashion-MNIST autoencoders): turned copies are images it never saw."""
    if card.get("input") == "raw_mosaic":  # a turned mosaic is another CFA pattern
        return 1
    data = (card.get("recipe") or {}).get("data") if isinstance(card.get("recipe"), dict) else None
    return 1 if isinstance(data, dict) and data.get("augment") is False else 8


def _sigma_range(card: dict[str, Any]) -> tuple[float, float] | None:
    """The card's trained σ range, or None when it has none (or a malformed one)."""
    r = card.get("sigma_range")
    try:
        lo, hi = (float(v) for v in r)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    return (lo, hi) if 0 <= lo <= hi else None


def default_model_id(channels: int | tuple[int, ...] | None = None) -> str:
    """The bundled network marked ``"default": true`` in its card for this channel count
    (``unet_res`` preferred), else the classical fallback (non-local means)."""
    c = channels[0] if isinstance(channels, tuple) and channels else channels
    c = 3 if c is None else int(c)
    candidates = [e for e in _scan_all(user=False)[0]  # a classic model is never the default, even if its card says so
                  if e.source == "bundled" and e.card.get("default") is True and not e.classic and c in e.channels]
    candidates.sort(key=lambda e: (e.arch != "unet_res", e.id))
    return candidates[0].id if candidates else FALLBACK_ID


def mosaic_model_id() -> str | None:
    """The bundled network that denoises camera RAW mosaics before development, if any."""
    return next((e.id for e in _scan_all(user=False)[0] if e.input_kind == "raw_mosaic"), None)


def trained_on_note(model_id: str) -> str | None:
    """The note a classic model's results carry (``ModelEntry.trained_on_note``); None for any
    other model, an unknown id or a broken file."""
    try:
        return get(model_id).trained_on_note
    except (KeyError, WeightsError):
        return None
