"""Denoise Desktop: CNN image denoising for photographers and researchers.

Importing this package is cheap on purpose: it pulls in neither torch nor Qt.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
