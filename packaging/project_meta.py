"""Name and version of the app, read from the one place each lives in.

- distribution name: ``[project].name`` in ``pyproject.toml`` (parsed with tomllib);
- version: ``__version__`` in ``denoise_desktop/__init__.py`` (pyproject declares the version
  dynamic and points setuptools at that attribute), read with a regex so that nothing is
  imported.

Used by ``denoise_desktop.spec`` and the build scripts (``python packaging/project_meta.py
version``), so a release only ever edits ``__version__``. Standard library only.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: same parser, older name
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["ProjectMeta", "read_meta", "ROOT"]

ROOT = Path(__file__).resolve().parents[1]
_VERSION_RE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


@dataclass(frozen=True)
class ProjectMeta:
    dist_name: str  # "denoise-desktop": package name, Linux file names
    app_name: str  # "DenoiseDesktop": bundle folder, executable, per-user folder on Win/mac
    display_name: str  # "Denoise Desktop": window titles, menus, installer
    version: str
    description: str


def read_meta(root: Path = ROOT) -> ProjectMeta:
    pyproject = root / "pyproject.toml"
    init = root / "denoise_desktop" / "__init__.py"
    with open(pyproject, "rb") as fh:
        project = tomllib.load(fh)["project"]
    match = _VERSION_RE.search(init.read_text(encoding="utf-8"))
    if match is None:
        raise RuntimeError(f"{init}: no __version__ = '...' line")
    words = re.split(r"[-_.]", project["name"])
    return ProjectMeta(
        dist_name=project["name"],
        app_name="".join(w.capitalize() for w in words),
        display_name=" ".join(w.capitalize() for w in words),
        version=match.group(1),
        description=project.get("description", ""),
    )


if __name__ == "__main__":
    fields = ProjectMeta.__dataclass_fields__
    if len(sys.argv) != 2 or sys.argv[1] not in fields:
        sys.exit(f"usage: {Path(sys.argv[0]).name} {{{'|'.join(fields)}}}")
    print(getattr(read_meta(), sys.argv[1]))
