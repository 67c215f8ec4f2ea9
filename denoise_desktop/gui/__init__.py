"""The PySide6 desktop application. Qt is imported only under this package.

``main()`` is the first place in the process that imports PySide6, so the CLI and the core stay
importable (and fast) without Qt.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Start the desktop app; ``argv`` = arguments after the program name (default
    ``sys.argv[1:]``): image paths to open. Returns the process exit code."""
    import os

    # numpy's BLAS threads (noise estimation in a worker) would take every core from the GUI
    # thread and stall the event loop for 150-250 ms; torch keeps its own thread pool. Only
    # effective before numpy is first imported, which the CLI path guarantees.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from denoise_desktop.gui.app import run_app  # first PySide6 import happens here

    return run_app(argv)
