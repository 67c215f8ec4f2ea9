"""The PyInstaller spec and the build scripts: they parse, and what they list is real.

Fast checks only (no PyInstaller run): the spec is executed with PyInstaller's build classes
replaced by recorders, so we can look at exactly what it would hand to PyInstaller.
(Named test_build_spec.py, not test_spec.py, so it never collides with tests/models/.)
"""

from __future__ import annotations

import configparser
import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "denoise_desktop.spec"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


project_meta = _load("dd_project_meta", PACKAGING / "project_meta.py")


class _Recorder:
    """Stands in for Analysis/PYZ/EXE/COLLECT/BUNDLE: keeps its arguments."""

    calls: list["_Recorder"]

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.kind = type(self).__name__
        self.calls.append(self)
        # attributes later spec lines read from an Analysis
        self.pure = self.scripts = self.binaries = self.datas = self.zipfiles = []


def run_spec(monkeypatch, argv_tail=(), env=None) -> tuple[dict, list[_Recorder]]:
    calls: list[_Recorder] = []
    classes = {n: type(n, (_Recorder,), {"calls": calls})
               for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    monkeypatch.setattr(sys, "argv", ["pyinstaller", str(SPEC), *argv_tail])
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec prepends packaging/
    monkeypatch.delenv("DENOISE_DESKTOP_ONEFILE", raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    namespace = {"SPECPATH": str(PACKAGING), "__name__": "__main__", **classes}
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return namespace, calls


def _one(calls, kind):
    found = [c for c in calls if c.kind == kind]
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


# --- project metadata ---------------------------------------------------------------------

def test_meta_matches_package_and_pyproject():
    import tomllib

    import denoise_desktop

    meta = project_meta.read_meta(ROOT)
    assert meta.version == denoise_desktop.__version__
    with open(ROOT / "pyproject.toml", "rb") as fh:
        assert meta.dist_name == tomllib.load(fh)["project"]["name"]
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", meta.app_name), "app name must be file-name safe"


def test_meta_names_the_file_when_version_is_missing(tmp_path):
    (tmp_path / "denoise_desktop").mkdir()
    (tmp_path / "denoise_desktop" / "__init__.py").write_text("VERSION = '1'\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with pytest.raises(RuntimeError, match=r"__init__\.py"):
        project_meta.read_meta(tmp_path)


def test_packaging_folder_does_not_shadow_the_packaging_library():
    # packaging/ sits at the repo root; with an __init__.py it would hide PyPA's `packaging`.
    assert not (PACKAGING / "__init__.py").exists()
    import packaging.version

    assert Path(packaging.version.__file__).resolve().parents[1] != ROOT


# --- the spec -----------------------------------------------------------------------------

def test_spec_default_is_one_folder_named_from_meta(monkeypatch):
    ns, calls = run_spec(monkeypatch)
    meta = project_meta.read_meta(ROOT)
    analysis = _one(calls, "Analysis")
    (script,) = analysis.args[0]
    assert Path(script) == ROOT / "denoise_desktop" / "__main__.py"
    assert "freeze_support" in Path(script).read_text(encoding="utf-8")
    exe, coll = _one(calls, "EXE"), _one(calls, "COLLECT")
    assert exe.kwargs["name"] == meta.app_name and coll.kwargs["name"] == meta.app_name
    assert exe.kwargs["exclude_binaries"] is True
    assert exe.kwargs["upx"] is False
    assert ns["ONEFILE"] is False


@pytest.mark.parametrize("how", ["option", "env"])
def test_spec_portable_is_one_file(monkeypatch, how):
    if how == "option":
        _, calls = run_spec(monkeypatch, argv_tail=["--", "--portable"])
    else:
        _, calls = run_spec(monkeypatch, env={"DENOISE_DESKTOP_ONEFILE": "1"})
    assert not [c for c in calls if c.kind == "COLLECT"]
    exe = _one(calls, "EXE")
    assert "exclude_binaries" not in exe.kwargs
    analysis = _one(calls, "Analysis")
    assert analysis.binaries in exe.args  # binaries go inside the one file


def test_spec_lists_every_module_of_our_packages(monkeypatch):
    ns, calls = run_spec(monkeypatch)
    hidden = set(_one(calls, "Analysis").kwargs["hiddenimports"])
    for package in ("denoise_desktop", "training"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "__pycache__" in parts or parts[-1] == "__main__":
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            assert name in hidden, f"{name} ({path}) missing from hiddenimports"
    # the lazily imported entry points that the frozen app dispatches to
    for must in ("denoise_desktop.cli", "denoise_desktop.gui"):
        assert must in hidden


_IMPORT_ALL = """
import importlib, json, sys
failures = []
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failures.append(f"{name}: {type(exc).__name__}: {exc}")
print(json.dumps({"failures": failures, "modules": sorted(sys.modules)}))
"""


def test_our_hidden_imports_import_and_need_nothing_excluded(monkeypatch):
    # A fresh interpreter, like the frozen app: imports every module of ours, then reports
    # what got loaded. Anything loaded must not be in the spec's excludes (torch, for one,
    # imports torch.testing._internal from torch.utils.checkpoint).
    _, calls = run_spec(monkeypatch)
    kwargs = _one(calls, "Analysis").kwargs
    ours = [m for m in kwargs["hiddenimports"] if m.split(".")[0] in ("denoise_desktop", "training")]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", _IMPORT_ALL, *ours], capture_output=True,
                          text=True, timeout=240, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not result["failures"], "hidden imports that do not import:\n" + "\n".join(result["failures"])
    excluded = set(kwargs["excludes"])
    hit = [m for m in result["modules"]
           if {".".join(m.split(".")[: i + 1]) for i in range(m.count(".") + 1)} & excluded]
    assert not hit, f"the app loads modules the spec excludes: {hit[:10]}"


def test_third_party_hidden_imports_exist(monkeypatch):
    _, calls = run_spec(monkeypatch)
    hidden = _one(calls, "Analysis").kwargs["hiddenimports"]
    theirs = [m for m in hidden if m.split(".")[0] not in ("denoise_desktop", "training")]
    assert "safetensors.torch" in theirs and "tifffile" in theirs
    missing = [m for m in theirs if importlib.util.find_spec(m) is None]
    assert not missing, f"hiddenimports that do not exist: {missing}"


def test_excludes_never_hit_what_we_ship(monkeypatch):
    _, calls = run_spec(monkeypatch)
    kwargs = _one(calls, "Analysis").kwargs
    excluded = set(kwargs["excludes"])
    for name in kwargs["hiddenimports"]:
        parents = {".".join(name.split(".")[: i + 1]) for i in range(name.count(".") + 1)}
        assert not parents & excluded, f"{name} is both hidden-imported and excluded"
    for ours in ("denoise_desktop", "training", "torch", "PySide6", "numpy", "pyqtgraph"):
        assert ours not in excluded


def test_datas_exist_and_land_where_paths_py_looks(monkeypatch):
    _, calls = run_spec(monkeypatch)
    datas = _one(calls, "Analysis").kwargs["datas"]
    for source, dest in datas:
        assert Path(source).exists(), source
        assert not Path(dest).is_absolute()
    recipe_files = [p for p in (ROOT / "training" / "recipes").rglob("*") if p.is_file()]
    assert any(p.suffix == ".toml" for p in recipe_files)
    for path in recipe_files:  # recipes and splits/*.txt, same layout as the source tree
        if "__pycache__" not in path.parts:
            dest = Path(path.parent.relative_to(ROOT)).as_posix()
            assert (str(path), dest) in [(s, Path(d).as_posix()) for s, d in datas], path
    resource_files = [p for p in (ROOT / "resources").rglob("*") if p.is_file()]
    if resource_files:  # paths.resources_dir() == sys._MEIPASS / "resources" when frozen
        assert (str(ROOT / "resources"), "resources") in datas


def test_icon_is_the_first_existing_candidate(monkeypatch):
    ns, calls = run_spec(monkeypatch)
    names = {"win32": ("app.ico", "app_256.png"), "darwin": ("app.icns", "app_512.png")}.get(
        sys.platform, ("app.png", "app_256.png"))
    existing = [ROOT / "resources" / "icons" / n for n in names
                if (ROOT / "resources" / "icons" / n).is_file()]
    expected = [str(existing[0])] if existing else None
    assert _one(calls, "EXE").kwargs["icon"] == expected


# --- scripts and desktop integration files ------------------------------------------------

@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("script", ["build_linux.sh", "build_macos.sh", "linux/install-desktop-entry.sh"])
def test_shell_scripts_parse(script):
    path = PACKAGING / script
    proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert path.read_text(encoding="utf-8").startswith("#!")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_build_linux_rejects_unknown_options():
    proc = subprocess.run(["bash", str(PACKAGING / "build_linux.sh"), "--bogus"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "--bogus" in proc.stderr


def test_build_scripts_use_the_spec_and_the_smoke_test():
    for script in ("build_linux.sh", "build_macos.sh", "build_windows.ps1"):
        text = (PACKAGING / script).read_text(encoding="utf-8")
        assert "denoise_desktop.spec" in text and "smoke_test.py" in text, script
    for script in ("build_macos.sh", "build_windows.ps1"):
        assert "UNTESTED RECIPE" in (PACKAGING / script).read_text(encoding="utf-8")


def test_desktop_file_has_required_keys():
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(PACKAGING / "linux" / "denoise-desktop.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    for key in ("Name", "Exec", "Icon", "Categories", "Comment"):
        assert entry.get(key), key
    assert entry["Exec"].split()[0] == project_meta.read_meta(ROOT).app_name
    assert entry["Categories"].endswith(";")
    assert entry.get("Terminal") == "false"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_validates():
    proc = subprocess.run(["desktop-file-validate", str(PACKAGING / "linux" / "denoise-desktop.desktop")],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and "error" not in proc.stdout, proc.stdout


def test_inno_setup_script_matches_the_bundle():
    iss = (PACKAGING / "windows" / "installer.iss").read_text(encoding="utf-8")
    app = project_meta.read_meta(ROOT).app_name
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}", iss, re.MULTILINE)
    assert f'#define AppFolder "{app}"' in iss and f'#define AppExe "{app}.exe"' in iss
    assert re.search(r'^Source: "\.\.\\\.\.\\dist\\\{#AppFolder\}\\\*"', iss, re.MULTILINE)
    for section in ("[Setup]", "[Files]", "[Icons]"):
        assert section in iss


@pytest.mark.parametrize("dest, kept", [
    ("torch/bin/torch_shm_manager", True),  # `import torch` fails without it
    ("torch/lib/libtorch_cpu.so", True),
    ("torch/lib/libshm.so", True),
    ("resources/weights/x.safetensors", True),
    ("torch/test/Dict_test", False),
    ("torch/bin/test_jit", False),
    ("torch/bin/TCPStoreTest", False),
    ("torch/include/ATen/ATen.h", False),
])
def test_size_trim_keeps_what_torch_loads(monkeypatch, dest, kept):
    ns, _ = run_spec(monkeypatch)
    assert ns["keep"]((dest, "/src/" + dest, "DATA")) is kept
