"""Small widget compositions shared by several panels."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton

__all__ = ["path_row"]


def path_row(placeholder: str, on_choose: Callable[[], None]) -> tuple[QHBoxLayout, QLineEdit, QPushButton]:
    """A path field with a "Choose…" button beside it (the button calls ``on_choose``)."""
    row = QHBoxLayout()
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    button = QPushButton("Choose…")
    button.clicked.connect(on_choose)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row, edit, button
