"""Recipes: TOML files with one table per section, loaded into dataclasses.

Unknown sections or keys are errors (a typo must not silently train the wrong thing).
``--set section.key=value`` overrides are parsed as TOML literals — never ``eval``.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ConfigError", "ModelConfig", "DataConfig", "NoiseConfig", "OptimConfig", "ScheduleConfig",
    "TrainConfig", "EvalConfig", "ExportConfig", "Recipe", "load_recipe", "recipe_from_dict",
    "apply_overrides", "parse_override", "dump_toml", "recipes_dir", "read_recipe_table",
]


class ConfigError(ValueError):
    """A recipe or override that cannot be used; the message says where and why."""


Number = float | int


@dataclass
class ModelConfig:
    arch: str = "dncnn"
    variant: str | None = None  # None: "gray"/"color" from data.channels when the arch has it
    hparams: dict[str, Any] = field(default_factory=dict)
    init: str = ""  # weights file (.safetensors) to start from: fine-tuning; "" = random init


@dataclass
class DataConfig:
    kind: str = "folder"  # "folder" | "idx" | "cifar"
    train: str = ""  # folder of images, IDX images file, or CIFAR batches folder
    val: str = ""  # validation folder/file, or a .txt list of train file names to hold out; "" = split
    val_dir: str = ""  # take the .txt list's files from this folder instead (train keeps all its files)
    val_fraction: float = 0.1  # by file (folder) or by index (idx/cifar), seeded
    max_images: int = 0  # 0 = all (after the split: caps the train set)
    max_val_images: int = 0
    channels: int = 1  # 1 = gray (color files converted), 3 = RGB (gray files repeated)
    patch_size: int = 64  # 0 = whole images (they must share one size, e.g. MNIST)
    patches_per_image: int = 8  # per epoch
    batch_size: int = 16
    augment: bool = True  # the 8 dihedral flips/rotations
    rescale: list[float] = field(default_factory=list)  # [lo, hi] random zoom of each patch; [] = off
    resize: int = 0  # resize whole images so the short side is this (0 = keep)
    val_crop: int = 0  # center crop of this size for validation (0 = full image)
    workers: int = 0
    cache_npy: bool = False  # also keep decoded images as .npy under paths.cache_dir()


@dataclass
class NoiseConfig:
    kind: str = "gaussian"  # see training.noise.NOISE
    sigma: Number | list[Number] = 25.0  # 0–255 scale; [lo, hi] = blind, drawn per sample
    amount: Number | list[Number] = 0.05  # salt_and_pepper: fraction of pixels
    salt_ratio: float = 0.5
    scale: Number | list[Number] = 0.01  # poisson/camera: variance = scale · intensity
    jpeg_quality: list[int] = field(default_factory=list)  # camera: [lo, hi] recompression; [] = off
    awgn_fraction: float = 0.3  # realistic: share of plain Gaussian samples (σ from `sigma`)
    jpeg_fraction: float = 0.85  # realistic: share of samples saved as JPEG (jpeg_quality, default 60–98)
    nr_fraction: float = 0.8  # realistic: share of camera samples with in-camera noise reduction
    coarse_fraction: float = 0.0  # realistic: share of noise-reduced samples that keep coarse (blotchy) noise
    jpeg_target: bool = True  # realistic: a JPEG'd camera sample's target is JPEG'd alike
    shot: list[float] = field(default_factory=lambda: [2e-5, 0.012])  # realistic: shot-noise variance range (log-uniform)
    quantize_8bit: bool = False  # round/clip to 1/255 steps, like users' files
    clip: bool = False  # clip to [0, 1] (always on with quantize_8bit)


@dataclass
class OptimConfig:
    name: str = "adam"  # "adam" | "adamw"
    lr: float = 1e-3
    weight_decay: float = 0.0
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])


@dataclass
class ScheduleConfig:
    name: str = "constant"  # see training.schedules.SCHEDULES
    gamma: float = 0.1  # step: factor per step_epochs; exponential: factor per epoch
    step_epochs: int = 30
    warmup_steps: int = 0
    min_lr_ratio: float = 0.0  # cosine floor as a fraction of lr


@dataclass
class TrainConfig:
    epochs: int = 10
    steps_per_epoch: int = 0  # 0 = patches_per_image · images / batch
    loss: str = "mse"  # see training.losses.LOSSES
    grad_clip: float = 0.0  # max grad norm; 0 = off
    amp: bool = True  # mixed precision on CUDA only
    seed: int = 0
    threads: int = 0  # torch.set_num_threads; 0 = all cores
    device: str = "auto"
    log_every: int = 10
    checkpoint_every: int = 500  # steps; also at every epoch end and on stop
    val_every: int = 0  # steps; 0 = once per epoch
    patience: int = 0  # validations without improvement before stopping; 0 = never
    max_minutes: float = 0.0  # wall-clock budget per process; 0 = none


@dataclass
class EvalConfig:
    sigma: Number = -1.0  # validation σ (0–255) for gaussian noise; -1 = middle of the train range
    seed: int = 1234


@dataclass
class ExportConfig:
    name: str = ""  # file stem; default the recipe name
    to_user_models: bool = False  # also copy the best model into paths.user_models_dir()
    description: str = ""


SECTIONS: dict[str, type] = {
    "model": ModelConfig, "data": DataConfig, "noise": NoiseConfig, "optim": OptimConfig,
    "schedule": ScheduleConfig, "train": TrainConfig, "eval": EvalConfig, "export": ExportConfig,
}
TOP_LEVEL = {"name": str, "description": str}
EXTENDS = "extends"  # top-level key: the recipe this one starts from (resolved at load time)


@dataclass
class Recipe:
    name: str = "run"
    description: str = ""
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    source: str = ""  # where it was read from (not written back)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        for section in SECTIONS:
            out[section] = dataclasses.asdict(getattr(self, section))
        return out

    def sigma_range(self) -> tuple[float, float]:
        """The training σ range on the 0–255 scale (a fixed σ gives lo == hi)."""
        s = self.noise.sigma
        if isinstance(s, list):
            return float(s[0]), float(s[1])
        return float(s), float(s)


def recipes_dir() -> Path:
    return Path(__file__).resolve().parent / "recipes"


def _check_type(where: str, value: Any, default: Any, annotation: Any) -> Any:
    """Accept what TOML gives for the field's type; ints widen to floats; lists stay lists."""
    ann = str(annotation)
    if isinstance(value, bool) or isinstance(default, bool):
        if isinstance(value, bool) and isinstance(default, bool):
            return value
        raise ConfigError(f"{where}: expected true/false, got {value!r}")
    if "dict" in ann:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return dict(value)
    if "list" in ann and isinstance(value, list):
        for v in value:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ConfigError(f"{where}: expected a list of numbers, got {value!r}")
        return list(value)
    if "Number" in ann or ann in ("float", "<class 'float'>"):
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{where}: must be finite, got {value!r}")
            return value if "Number" in ann else float(value)
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if ann in ("int", "<class 'int'>"):
        if isinstance(value, int):
            return value
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if "str" in ann:
        if value is None and "None" in ann:
            return None
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    if "list" in ann:
        raise ConfigError(f"{where}: expected a list, got {value!r}")
    return value


def _build_section(name: str, cls: type, table: Any, origin: str) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: [{name}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(f"{origin}: unknown key(s) in [{name}]: {', '.join(unknown)}; "
                          f"known: {', '.join(fields)}")
    obj = cls()
    for key, value in table.items():
        f = fields[key]
        setattr(obj, key, _check_type(f"{origin}: {name}.{key}", value, getattr(obj, key), f.type))
    return obj


def recipe_from_dict(doc: dict[str, Any], origin: str = "recipe") -> Recipe:
    unknown = sorted(set(doc) - set(SECTIONS) - set(TOP_LEVEL))
    if unknown:
        raise ConfigError(f"{origin}: unknown section(s)/key(s): {', '.join(unknown)}; "
                          f"sections: {', '.join(SECTIONS)}; top-level keys: {', '.join(TOP_LEVEL)}")
    recipe = Recipe()
    for key in TOP_LEVEL:
        if key in doc:
            if not isinstance(doc[key], str):
                raise ConfigError(f"{origin}: {key} must be a string")
            setattr(recipe, key, doc[key])
    for name, cls in SECTIONS.items():
        if name in doc:
            setattr(recipe, name, _build_section(name, cls, doc[name], origin))
    _validate(recipe, origin)
    return recipe


def _validate(r: Recipe, origin: str) -> None:
    def bad(msg: str) -> None:
        raise ConfigError(f"{origin}: {msg}")

    for key in ("sigma", "amount", "scale"):
        v = getattr(r.noise, key)
        if isinstance(v, list) and (len(v) != 2 or v[0] > v[1] or v[0] < 0):
            bad(f"noise.{key} range must be [lo, hi] with 0 <= lo <= hi, got {v}")
        if not isinstance(v, list) and v < 0:
            bad(f"noise.{key} must be >= 0, got {v}")
    for key in ("awgn_fraction", "jpeg_fraction", "nr_fraction", "coarse_fraction"):
        if not 0.0 <= getattr(r.noise, key) <= 1.0:
            bad(f"noise.{key} must be within [0, 1], got {getattr(r.noise, key)}")
    if len(r.noise.shot) != 2 or not 0 < r.noise.shot[0] <= r.noise.shot[1]:
        bad(f"noise.shot must be [lo, hi] with 0 < lo <= hi, got {r.noise.shot}")
    if r.noise.jpeg_quality and (len(r.noise.jpeg_quality) != 2 or not 1 <= r.noise.jpeg_quality[0] <= r.noise.jpeg_quality[1] <= 100):
        bad(f"noise.jpeg_quality must be [lo, hi] within 1..100, got {r.noise.jpeg_quality}")
    if r.data.rescale and (len(r.data.rescale) != 2 or not 0 < r.data.rescale[0] <= r.data.rescale[1]):
        bad(f"data.rescale must be [lo, hi] with 0 < lo <= hi, got {r.data.rescale}")
    if r.data.channels not in (1, 3):
        bad(f"data.channels must be 1 or 3, got {r.data.channels}")
    if r.data.kind not in ("folder", "idx", "cifar"):
        bad(f"data.kind must be folder, idx or cifar, got {r.data.kind!r}")
    if not 0 <= r.data.val_fraction < 1:
        bad(f"data.val_fraction must be in [0, 1), got {r.data.val_fraction}")
    if r.data.val_dir and not (r.data.kind == "folder" and str(r.data.val).endswith(".txt")):
        bad("data.val_dir only applies to a .txt list of file names in data.val (folder data)")
    for key in ("batch_size", "patches_per_image"):
        if getattr(r.data, key) < 1:
            bad(f"data.{key} must be >= 1")
    if r.train.epochs < 1:
        bad("train.epochs must be >= 1")
    _validate_counts(r, bad)
    _validate_ranges(r, bad)
    _validate_names(r, bad)
    from denoise_desktop.arch_names import ARCH_NAMES  # torch-free: names only

    if r.model.arch not in ARCH_NAMES:
        bad(f"model.arch must be one of {', '.join(ARCH_NAMES)}, got {r.model.arch!r}")
    if r.train.device not in ("auto", "cpu", "cuda") and not r.train.device.startswith("cuda:"):
        bad(f"train.device must be auto, cpu or cuda, got {r.train.device!r}")
    if r.optim.name not in ("adam", "adamw"):
        bad(f"optim.name must be adam or adamw, got {r.optim.name!r}")
    if r.optim.lr <= 0:
        bad("optim.lr must be > 0")
    # Lazy imports keep config importable cheaply; the dicts are the single source of names.
    from .losses import LOSS_NAMES
    from .noise import NOISE
    from .schedules import SCHEDULES

    if r.train.loss not in LOSS_NAMES:
        bad(f"train.loss must be one of {', '.join(LOSS_NAMES)}, got {r.train.loss!r}")
    if r.noise.kind not in NOISE:
        bad(f"noise.kind must be one of {', '.join(NOISE)}, got {r.noise.kind!r}")
    if r.schedule.name not in SCHEDULES:
        bad(f"schedule.name must be one of {', '.join(SCHEDULES)}, got {r.schedule.name!r}")


# counts where a negative value means nothing (0 keeps its documented meaning: auto/off/all);
# a negative steps_per_epoch trained 0 steps and exported an untrained model
NON_NEGATIVE = {
    "train": ("steps_per_epoch", "checkpoint_every", "val_every", "log_every", "patience", "max_minutes",
              "grad_clip", "threads"),
    "data": ("max_images", "max_val_images", "patch_size", "resize", "val_crop", "workers"),
    "schedule": ("warmup_steps", "step_epochs"),
}


def _validate_counts(r: Recipe, bad) -> None:
    for section, keys in NON_NEGATIVE.items():
        for key in keys:
            value = getattr(getattr(r, section), key)
            if value < 0:
                bad(f"{section}.{key} must be >= 0, got {value}")


# Upper bounds far beyond any real run: a value past them is a typo or a stress test, and would
# stall (a batch of 10⁹ patches), exhaust memory (a network 10⁷ layers deep, even when only built
# on the meta device) or fail only after hours of training (a name too long for a file name).
LIMITS: dict[str, tuple[float, float]] = {
    "data.batch_size": (1, 4096), "data.patches_per_image": (1, 100_000), "data.patch_size": (0, 4096),
    "data.val_crop": (0, 16384), "data.resize": (0, 16384), "data.workers": (0, 256),
    "train.seed": (0, 2**32 - 1), "train.epochs": (1, 1_000_000), "train.steps_per_epoch": (0, 10**9),
    "optim.lr": (1e-12, 10.0), "optim.weight_decay": (0.0, 10.0), "eval.seed": (0, 2**32 - 1),
}
MAX_SIGMA = 1020.0  # 0–255 scale: four times the full range
MAX_HPARAM = 4096  # no layer count or width of a denoiser comes near
MAX_NAME_CHARS = 120  # the run folder adds a date, the export ".safetensors": all within 255 bytes


def _validate_ranges(r: Recipe, bad) -> None:
    for where, (lo, hi) in LIMITS.items():
        section, key = where.split(".")
        value = getattr(getattr(r, section), key)
        if not lo <= value <= hi:
            bad(f"{where} must be within [{lo:g}, {hi:g}], got {value!r}")
    betas = r.optim.betas
    if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
        bad(f"optim.betas must be two numbers in [0, 1), got {betas}")
    for key in ("sigma", "scale"):
        v = getattr(r.noise, key)
        if max(v if isinstance(v, list) else [v], default=0) > MAX_SIGMA:
            bad(f"noise.{key} must be at most {MAX_SIGMA:g}, got {v}")
    if r.eval.sigma > MAX_SIGMA:
        bad(f"eval.sigma must be at most {MAX_SIGMA:g}, got {r.eval.sigma}")
    for key, value in r.model.hparams.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if number and not (math.isfinite(value) and abs(value) <= MAX_HPARAM):
            bad(f"model.hparams.{key} must be within [-{MAX_HPARAM}, {MAX_HPARAM}], got {value!r}")


def _validate_names(r: Recipe, bad) -> None:
    """The run folder and the exported file are named after these: one path component each, so
    ``export.name = "../../../x"`` cannot write outside the run folder; not hidden (``models``
    and file dialogs skip names starting with "."), and short enough for a file name."""
    for where, value in (("name", r.name), ("export.name", r.export.name)):
        if where == "export.name" and value == "":
            continue  # "" = the recipe name
        if value in ("", ".", "..") or any(c in value for c in '/\\\0:'):
            bad(f"{where} must be a plain file name (no folders, '/', '\\' or ':'), got {value!r}")
        if value.startswith("."):
            bad(f"{where} must not start with '.' (the model would be hidden from the model list), got {value!r}")
        if len(value) > MAX_NAME_CHARS or len(value.encode("utf-8")) > 2 * MAX_NAME_CHARS:
            bad(f"{where} must be at most {MAX_NAME_CHARS} characters, got {len(value)}")


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"optim.lr=1e-4"`` → (["optim", "lr"], 0.0001); the value is a TOML literal.

    A bare word that is not valid TOML (``data.train=/data/photos``) is taken as a string,
    so paths need no quoting on a shell; nothing is ever evaluated as code.
    """
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected section.key=value")
    key, raw = text.split("=", 1)
    parts = [p.strip() for p in key.strip().split(".")]
    if not all(parts) or len(parts) > 3:
        raise ConfigError(f"--set {text!r}: key must be section.key (or model.hparams.name)")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if raw[:1] in "[{\"'" or raw == "":
            raise ConfigError(f"--set {text!r}: value is not a valid TOML literal") from None
        value = raw
    return parts, value


def apply_overrides(doc: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``--set`` overrides to a raw recipe table (validated afterwards with the rest)."""
    for text in overrides:
        parts, value = parse_override(text)
        node = doc
        for p in parts[:-1]:
            child = node.setdefault(p, {})
            if not isinstance(child, dict):
                raise ConfigError(f"--set {text!r}: {p} is not a table")
            node = child
        node[parts[-1]] = value
    return doc


def _find_recipe(path: str | Path, beside: Path | None = None) -> Path:
    """An ``extends`` target beside the recipe that names it (never the working folder's file of
    that name), else a path as given, else a bundled recipe by name."""
    p = Path(path)
    candidates = [beside / p, beside / f"{p}.toml"] if beside is not None and not p.is_absolute() else []
    candidates += [p, recipes_dir() / p, recipes_dir() / f"{p}.toml"]
    for c in candidates:
        if c.is_file():
            return c
    return p


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key (recursively); any other value in ``top`` replaces the base's."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def read_recipe_table(p: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw table of one recipe file with its ``extends`` chain merged in (base first)."""
    if p.resolve() in chain:
        names = " -> ".join(c.name for c in (*chain, p.resolve()))
        raise ConfigError(f"recipe {p}: extends itself ({names})")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        where = f" (extended by {chain[-1]})" if chain else ""
        raise ConfigError(f"recipe {p}: file not found{where}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"recipe {p}: invalid TOML: {exc}") from None
    doc.setdefault("name", p.stem)
    _resolve_doc_paths(doc, p.resolve().parent)
    parent = doc.pop(EXTENDS, None)
    if parent is None:
        return doc
    if not isinstance(parent, str) or not parent:
        raise ConfigError(f"recipe {p}: {EXTENDS} must be a recipe name or path")
    base = read_recipe_table(_find_recipe(parent, p.resolve().parent), (*chain, p.resolve()))
    base.pop("name", None)  # a stage is its own run: its name is never inherited
    return _merge(base, doc)


def load_recipe(path: str | Path | None, overrides: list[str] | None = None) -> Recipe:
    doc: dict[str, Any] = {}
    origin = "recipe"
    if path is not None:
        p = _find_recipe(path)
        origin = str(p)
        if not p.exists():
            raise ConfigError(f"recipe {path}: file not found")
        doc = read_recipe_table(p)
    apply_overrides(doc, list(overrides or []))
    recipe = recipe_from_dict(doc, origin)
    recipe.source = origin
    if path is not None:
        _resolve_paths(recipe, Path(origin).resolve().parent)
    return recipe


PATH_KEYS = (("data", "train"), ("data", "val"), ("data", "val_dir"), ("model", "init"))


def _resolve_doc_paths(doc: dict[str, Any], base: Path) -> None:
    """Relative paths that exist beside the file that names them become absolute, so a recipe
    extending one in another folder still finds that one's ``splits/…`` lists."""
    for section, key in PATH_KEYS:
        table = doc.get(section)
        value = table.get(key) if isinstance(table, dict) else None
        if isinstance(value, str) and value and not Path(value).is_absolute() and (base / value).exists():
            table[key] = str((base / value).resolve())


def repo_root() -> Path:
    """The checkout's top folder: recipes name shared data relative to it (``../shared/data/…``)."""
    return Path(__file__).resolve().parent.parent


def _resolve_paths(recipe: Recipe, base: Path) -> None:
    """Relative paths that exist beside the recipe (e.g. ``splits/val.txt``), else in the
    working folder (a ``--set`` value), else relative to the repository (the shared data),
    become absolute, so the run folder's recipe copy still works from anywhere (resume)."""
    for section, key in PATH_KEYS:
        part = getattr(recipe, section)
        value = getattr(part, key)
        if not value or Path(value).is_absolute():
            continue
        for candidate in (base / value, Path(value), repo_root() / value):
            if candidate.exists():
                setattr(part, key, str(candidate.resolve()))
                break


# -- TOML writing (tomllib only reads); our values are simple: str/int/float/bool/list/table --
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if v is None:
        raise TypeError("None has no TOML form")
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def dump_toml(recipe: Recipe) -> str:
    d = recipe.to_dict()
    lines = [f"name = {_toml_value(d.pop('name'))}", f"description = {_toml_value(d.pop('description'))}"]
    for section, table in d.items():
        lines.append(f"\n[{section}]")
        for k, v in table.items():
            if v is None:
                continue  # absent = default (None)
            lines.append(f"{k} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"
