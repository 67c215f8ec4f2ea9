"""The core and training packages must work without Qt: importing them never loads PySide6 or
pyqtgraph (they run in the CLI, in training subprocesses and on headless servers)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Modules that exist and must keep existing. Keep in sync when modules land: registry and
# models.classical are still being written, so they are only checked once present (the
# discovery below picks up every module of both packages anyway, except the GUI).
REQUIRED = [
    "denoise_desktop.progress",
    "denoise_desktop.paths",
    "denoise_desktop.imageio",
    "denoise_desktop.metrics",
    "denoise_desktop.noise_estimate",
    "denoise_desktop.models",
    "denoise_desktop.engine",
    "denoise_desktop.batch",
    "denoise_desktop.cli",
    "denoise_desktop.tiling",
    "denoise_desktop.devices",
    "denoise_desktop.settings",
    "denoise_desktop.weights",
    "training",
    "training.events",
]
PLANNED = ["denoise_desktop.registry", "denoise_desktop.models.classical"]

_SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.util, json, os, pkgutil, sys

    required, planned = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    names = list(required) + [n for n in planned if importlib.util.find_spec(n) is not None]

    def walk(path, prefix):
        # pkgutil.walk_packages would import every subpackage (the GUI too) just to list it
        for info in pkgutil.iter_modules([path], prefix):
            if info.name == "denoise_desktop.gui" or info.name.endswith("__main__"):
                continue
            names.append(info.name)
            if info.ispkg:
                walk(os.path.join(path, info.name.rsplit(".", 1)[1]), info.name + ".")

    for pkg_name in ("denoise_desktop", "training"):
        spec = importlib.util.find_spec(pkg_name)
        names.append(pkg_name)
        walk(spec.submodule_search_locations[0], pkg_name + ".")
    def qt_loaded():
        return sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph"))

    errors, culprits = {}, []
    for name in dict.fromkeys(names):
        before = bool(qt_loaded())
        try:
            importlib.import_module(name)
        except Exception as e:
            errors[name] = f"{type(e).__name__}: {e}"
        if not before and qt_loaded():
            culprits.append(name)  # the first import that pulled Qt in
    result = {"imported": sorted(set(names) - set(errors)), "errors": errors, "qt": qt_loaded()}
    result["culprits"] = culprits
    print(json.dumps(result))
    """
)


def test_core_and_training_import_without_qt():
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(REQUIRED), json.dumps(PLANNED)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}, result["errors"]
    assert set(REQUIRED) <= set(result["imported"])
    assert result["qt"] == [], f"{result['culprits']} imported Qt: {result['qt'][:5]}"
