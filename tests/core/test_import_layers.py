"""The layering docs/architecture.md states, read from the source (imports inside functions
included), as napari's import-linter contracts do: no import cycles; the core never imports the
GUI, Qt or the training package; only the entry points (``cli``, ``__main__``) reach up to start
the app or a training run; and inside the GUI, window → tabs → boxes and view models → worker
functions, never the other way."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("denoise_desktop", "training")
ENTRY_POINTS = {"denoise_desktop.cli", "denoise_desktop.__main__"}
QT = ("PySide6", "shiboken6", "pyqtgraph")
GUI = "denoise_desktop.gui"
#: the main window and what only it uses; ``app`` (and the package's ``main``) start it
WINDOW = {f"{GUI}.{m}" for m in ("main_window", "window_actions", "window_state", "key_filters",
                                      "status_bar", "wheel_guard")}
WINDOW_USERS = {f"{GUI}.app", GUI}
TABS = {f"{GUI}.panels.{m}" for m in ("denoise_panel", "compare_panel", "batch_panel", "training_panel")}
#: what the TaskRunner runs (and training's launch helpers): plain calls into the core, no widgets
WORKER_SIDE = {f"{GUI}.{m}" for m in ("jobs", "batch_job", "compare_job", "training_job")}
#: the training package as the GUI may know it: its torch-free recipe reader and event protocol
TRAINING_FOR_GUI = {"training.config", "training.events"}


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*.py"):
            name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
            mods[name.removesuffix(".__init__")] = p
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """Every module ``name`` imports (top level or inside functions), mapped to the nearest module
    of ours, or kept as the top-level name for third-party ones (``PySide6.QtX`` for Qt's)."""
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
            top = t.split(".")[0]
            if top not in PACKAGES:
                out.add(top)
                if top == "PySide6" and "." in t:
                    out.add(".".join(t.split(".")[:2]))
                continue
            while t and t not in mods:
                t = t.rpartition(".")[0]
            if t and t != name and not name.startswith(t + "."):  # (a package's own __init__)
                out.add(t)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, mods) for m, p in mods.items()}


GRAPH = _graph()


def _gui(prefix: str = "") -> dict[str, set[str]]:
    return {m: deps for m, deps in GRAPH.items() if m.startswith(f"{GUI}.{prefix}")}


def test_the_layers_name_real_modules():
    assert WINDOW | WINDOW_USERS | TABS | WORKER_SIDE <= set(GRAPH)  # a rename must update the contract


def test_no_import_cycles_lazy_or_not():
    ours = {m: {d for d in deps if d in GRAPH} for m, deps in GRAPH.items()}
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
    for m, deps in GRAPH.items():
        if m.startswith(GUI) or m in ENTRY_POINTS:
            continue
        bad = sorted(d for d in deps if d.startswith(GUI) or d.split(".")[0] in QT
                     or (m.startswith("denoise_desktop") and d.startswith("training")))
        if bad:
            up.append((m, bad))
    assert up == []


def test_the_gui_starts_training_as_a_process_and_reads_only_its_recipes_and_events():
    bad = {m: sorted(d for d in deps if d.startswith("training") and d not in TRAINING_FOR_GUI)
           for m, deps in _gui().items()}
    assert {m: d for m, d in bad.items() if d} == {}


def test_only_the_app_builds_the_main_window():
    bad = {m: sorted(deps & WINDOW) for m, deps in _gui().items() if m not in WINDOW | WINDOW_USERS}
    assert {m: d for m, d in bad.items() if d} == {}


def test_tabs_never_import_one_another_and_their_parts_no_tab():
    """What one tab takes from another goes through the shared settings or the document (and the
    tab names it), never through the other tab's widgets."""
    bad = {m: sorted(d for d in deps & TABS if d != m) for m, deps in _gui("panels").items()}
    assert {m: d for m, d in bad.items() if d} == {}


def test_worker_functions_and_view_models_build_no_widgets():
    """Worker functions run off the GUI thread, view models are the panels' plain state: neither
    imports QtWidgets (or pyqtgraph), a panel, a viewer widget or the window."""
    allowed_gui = WORKER_SIDE | {f"{GUI}.viewer.convert"}  # (QImage building is thread-safe)
    checked = {m: deps for m, deps in GRAPH.items() if m in WORKER_SIDE} | _gui("viewmodels")
    bad = {}
    for m, deps in checked.items():
        ours = {d for d in deps if d.startswith(GUI)}
        allowed = allowed_gui if m in WORKER_SIDE else {d for d in ours if d.startswith(f"{GUI}.viewmodels")}
        wrong = sorted((ours - allowed) | {d for d in deps if d in ("PySide6.QtWidgets", "pyqtgraph")})
        if wrong:
            bad[m] = wrong
    assert bad == {}
