"""The PySide6 desktop application. Qt is imported only under this package.

``main()`` is the first place in the process that imports PySide6, so the CLI and the core stay
importable (and fast) without Qt.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Start the desktop app; ``argv`` = arguments after the program name (default
    ``sys.argv[1:]``): image paths to open. Returns the process exit code."""
    from denoise_desktop.gui.app import run_app  # first PySide6 import happens here

    return run_app(argv)
