"""``python -m benchmarks``: the index; ``python -m benchmarks report [--quick]``: docs/results.md;
``python -m benchmarks NAME ARGS…``: run one (the same as ``python -m benchmarks.NAME ARGS…``)."""

from __future__ import annotations

import importlib
import sys

from . import INDEX, experiments


def listing() -> str:
    lines = ["Benchmarks (python -m benchmarks.NAME --help; ✓ = in docs/results.md, q = rerun by report --quick):", ""]
    for e in INDEX:
        mark = ("✓" if e.report else " ") + ("q" if e.quick else " ")
        lines.append(f"  {mark} {e.name:<18} ~{e.minutes:g} min  {e.what}")
    lines += ["", "Experiments (each answered one question; the answer is in its docstring):", ""]
    lines += [f"  {name:<36} {question}" for name, question in experiments()]
    lines += ["", "python -m benchmarks report [--quick]   rerun the ✓ benchmarks and rewrite docs/results.md"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "list"):
        print(listing())
        return 0
    name, rest = argv[0], argv[1:]
    known = {e.name for e in INDEX} | {n for n, _ in experiments()} | {"report"}
    if name not in known:
        print(f"unknown benchmark {name!r}\n\n{listing()}", file=sys.stderr)
        return 2
    return int(importlib.import_module(f"benchmarks.{name}").main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
