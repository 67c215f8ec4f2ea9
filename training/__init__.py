"""Qt-free training for Denoise Desktop: recipes → data → trainer → exported weights.

Importing the package is cheap (no torch): the GUI imports ``training.events`` only.
"""

__all__: list[str] = []
