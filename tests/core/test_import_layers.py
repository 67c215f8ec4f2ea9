"""The layering docs/architecture.md states, read from the source (imports inside functions
included): no import cycles; the core never imports the GUI, Qt or the training package; only
the entry points (``cli``, ``__main__``) reach up to start the app or a training run."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("denoise_desktop", "training")
ENTRY_POINTS = {"denoise_desktop.cli", "denoise_desktop.__main__"}
QT = ("PySide6", "shiboken6", "pyqtgraph")


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*.py"):
            name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
            mods[name.removesuffix(".__init__")] = p
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """Every module ``name`` imports (top level or inside functions), mapped to the nearest module
    of ours, or kept as the top-level name for third-party ones."""
    out: set[str] = set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for t in targets:
            if t.split(".")[0] not in PACKAGES:
                out.add(t.split(".")[0])
                continue
            while t and t not in mods:
                t = t.rpartition(".")[0]
            if t and t != name and not name.startswith(t + "."):  # (a package's own __init__)
                out.add(t)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, mods) for m, p in mods.items()}


def test_no_import_cycles_lazy_or_not():
    graph = _graph()
    ours = {m: {d for d in deps if d in graph} for m, deps in graph.items()}
    cycles, state = [], {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = "open"
        for d in sorted(ours[m]):
            if state.get(d) == "open":
                cycles.append(path[path.index(d):] + [d] if d in path else [m, d])
            elif d not in state:
                visit(d, path + [d])
        state[m] = "done"

    for m in sorted(ours):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_the_core_never_reaches_up_to_the_gui_qt_or_training():
    up = []
    for m, deps in _graph().items():
        if m.startswith("denoise_desktop.gui") or m in ENTRY_POINTS:
            continue
        bad = sorted(d for d in deps if d.startswith("denoise_desktop.gui") or d in QT
                     or (m.startswith("denoise_desktop") and d.startswith("training")))
        if bad:
            up.append((m, bad))
    assert up == []
