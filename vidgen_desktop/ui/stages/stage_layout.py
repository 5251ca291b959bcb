"""The shape every ComfyUI stage shares: inputs on the left (a column that scrolls up and down,
above one row with the reason Generate is disabled, Generate, then Next), output on the right
(the stage's view, the job's progress, the takes strip)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)


def action_row(key: str, primary: str) -> tuple[QHBoxLayout, QPushButton, QLabel, QPushButton]:
    """(row, primary button, disabled reason, Next): one order on every stage."""
    button = QPushButton(primary)
    button.setObjectName(f"{key}_generate")
    button.setDefault(True)
    button.setMinimumWidth(140)
    reason = QLabel()
    reason.setObjectName(f"{key}_disabled_reason")
    reason.setWordWrap(True)
    reason.setStyleSheet("color: palette(placeholder-text);")
    nxt = QPushButton("Next →")
    nxt.setObjectName(f"{key}_next")
    row = QHBoxLayout()
    row.addWidget(reason, 1)
    row.addWidget(button)
    row.addWidget(nxt)
    return row, button, reason, nxt


def two_panes(
    owner: QWidget, left: list[QWidget | QLayout], right: list[QWidget], inputs_width: int
) -> QSplitter:
    """Left and right panes in a splitter filling `owner`; the first right widget stretches."""
    left_box = QWidget()
    left_layout = QVBoxLayout(left_box)
    left_layout.setContentsMargins(0, 0, 8, 0)
    for i, item in enumerate(left):
        if isinstance(item, QLayout):
            left_layout.addLayout(item)
        else:
            left_layout.addWidget(item, 1 if i == 1 else 0)
    right_box = QWidget()
    right_layout = QVBoxLayout(right_box)
    right_layout.setContentsMargins(8, 0, 0, 0)
    for i, widget in enumerate(right):
        right_layout.addWidget(widget, 1 if i == 0 else 0)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left_box)
    splitter.addWidget(right_box)
    splitter.setStretchFactor(0, 2)
    splitter.setStretchFactor(1, 3)
    splitter.setChildrenCollapsible(False)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)
    # the inputs get the width their widest row needs: no sideways scrolling
    splitter.setSizes([inputs_width, max(1, owner.width() - inputs_width)])
    return splitter
