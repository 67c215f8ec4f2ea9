"""The ``imageio`` package keeps the public names of the single module it replaced (every name
the app, training, tests and benchmarks take from it), and importing it stays cheap: no OpenCV,
tifffile or rawpy until a read or write needs them."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import denoise_desktop.imageio as imageio

ROOT = Path(__file__).resolve().parents[2]
_FROM = re.compile(r"from (?:denoise_desktop\.|\.+)imageio import (?:\(([\w\s,]+)\)|([\w ,]+))")
_ATTR = re.compile(r"\bimageio\.(\w+)|setattr\(\s*imageio\s*,\s*[\"'](\w+)")


def _names_used_elsewhere() -> dict[str, str]:
    """name → a file using it, for every ``from …imageio import X``, ``imageio.X`` and
    ``monkeypatch.setattr(imageio, "X", …)`` outside the package."""
    used: dict[str, str] = {}
    for folder in ("denoise_desktop", "training", "tests", "benchmarks", "packaging"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "imageio" in path.relative_to(ROOT).parts[:-1] or path == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8")
            names = [n for m in _FROM.finditer(text) for n in re.split(r"[\s,]+", m.group(1) or m.group(2)) if n]
            for name in names + [a or b for a, b in _ATTR.findall(text)]:
                if name.startswith("__"):  # imageio.__all__, __name__...
                    continue
                used.setdefault(name, str(path.relative_to(ROOT)))
    return used


def _resolves(name: str) -> bool:
    if hasattr(imageio, name):
        return True
    try:
        importlib.import_module(f"denoise_desktop.imageio.{name}")  # a module of the package
    except ImportError:
        return False
    return True


def test_every_public_name_and_every_name_in_use_imports_from_the_package():
    namespace: dict = {}
    exec("from denoise_desktop.imageio import *", namespace)  # noqa: S102 - what __all__ promises
    assert set(imageio.__all__) <= namespace.keys()
    used = _names_used_elsewhere()
    assert {"read_image", "write_image", "ImageData", "READABLE_EXTENSIONS", "atomic_write"} <= used.keys()
    assert {name: where for name, where in used.items() if not _resolves(name)} == {}
    # a helper is patched in the module that looks it up, not through the package (where a
    # patch would be silently ignored)
    assert {name: where for name, where in used.items() if name.startswith("_")} == {}


def test_each_table_has_one_definition():
    from denoise_desktop.imageio import formats, raw

    assert raw.RAW_EXTENSIONS is formats.RAW_EXTENSIONS is imageio.RAW_EXTENSIONS
    assert raw.RAW_EXTENSIONS <= imageio.READABLE_EXTENSIONS


def test_importing_the_package_loads_no_codec_and_no_rawpy():
    script = (
        "import sys, json; import denoise_desktop.imageio, denoise_desktop.imageio.raw; "
        "print(json.dumps(sorted(m for m in ('rawpy', 'cv2', 'tifffile', 'exifread') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
