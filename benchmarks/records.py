"""Benchmark records: what a run measured, as JSON in ``docs/results/`` — the command that made it,
when, on which machine, and its tables — from which ``report`` renders ``docs/results.md``.

A table belongs to a section of that page (``SECTIONS``); its cells are the strings the page
shows, formatted by the benchmark (it knows each number's precision). ``data`` keeps the raw
numbers for anyone who wants to compute with them.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .timing import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"

# (key, heading) in page order
SECTIONS = [
    ("synthetic", "Synthetic noise: against BM3D, DnCNN and FFDNet"),
    ("real", "Real camera noise"),
    ("science", "Scientific images: microscopy and camera RAW"),
    ("classic", "The classic systems"),
    ("speed", "Speed"),
    ("memory", "Memory"),
]


@dataclass
class Table:
    section: str
    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: Any) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append([str(c) for c in cells])

    def markdown(self) -> list[str]:
        out = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        return out + ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in self.rows]


def command(module: str, argv: list[str] | None) -> str:
    """The shell command that reruns ``module`` (``benchmarks.NAME``) with ``argv``."""
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python -m", module, *args])


def revision() -> str:
    """The commit measured, with "+changes" when the code or weights differ from it (a record is
    only reproducible from a commit)."""
    import subprocess

    def git(*args: str) -> str:
        r = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "denoise_desktop", "training", "resources", "benchmarks")
    return (head or "unknown") + ("+changes" if dirty else "")


def write(name: str, title: str, tables: list[Table], *, command: str, notes: list[str] = (),
          plots: list[str] = (), seconds: float | None = None, data: Any = None,
          folder: Path | None = None) -> Path:
    """Write ``<folder>/<name>.json`` (default ``docs/results``); ``plots`` are paths relative to ``docs/``."""
    unknown = {t.section for t in tables} - {k for k, _ in SECTIONS}
    if unknown:
        raise ValueError(f"unknown section(s) {sorted(unknown)}; known: {[k for k, _ in SECTIONS]}")
    rec = {"name": name, "title": title, "command": command, "date": time.strftime("%Y-%m-%d"),
           "revision": revision(), "machine": machine(), "seconds": None if seconds is None else round(seconds),
           "tables": [asdict(t) for t in tables], "notes": list(notes), "plots": list(plots), "data": data}
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    print(f"record: {path}", file=sys.stderr)
    return path


def load_all(folder: Path | None = None) -> list[dict]:
    folder = folder or RESULTS
    out = []
    for p in sorted(folder.glob("*.json")):
        rec = json.loads(p.read_text(encoding="utf-8"))
        rec["tables"] = [Table(**t) for t in rec["tables"]]
        out.append(rec)
    return out


def write_section(path: Path, title: str, body: str, level: int = 2) -> None:
    """Replace (or append) the ``## title`` section (``level`` #s) of a markdown file, keeping the others
    (pages a benchmark owns whole, as ``docs/classic.md``, or a lab note an experiment updates)."""
    import re

    text = path.read_text() if path.exists() else f"# {path.stem}\n"
    hashes = "#" * level
    block = f"{hashes} {title}\n\n{body}\n"
    pattern = re.compile(rf"^{hashes} {re.escape(title)}\n.*?(?=^#{{1,{level}}} |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)
