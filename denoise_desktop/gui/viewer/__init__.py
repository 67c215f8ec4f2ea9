"""Image viewers: zoomable canvas, before/after split, side-by-side, difference."""

from .before_after import BeforeAfterView
from .canvas import CanvasGroup, ImageCanvas
from .diff_view import DiffView
from .image_viewer import ImageViewer
from .side_by_side import SideBySideView

__all__ = ["ImageCanvas", "CanvasGroup", "BeforeAfterView", "SideBySideView", "DiffView", "ImageViewer"]
