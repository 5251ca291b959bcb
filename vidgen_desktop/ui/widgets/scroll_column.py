"""A column of inputs that scrolls up and down, never sideways.

A QScrollArea lets its content be narrower than the content's own minimum, which shows a
horizontal scroll bar and hides half of every row on a small window. This one asks for the width
its content needs (the widest row plus the vertical scroll bar), so the splitter or layout it
sits in gives it that width and only the height scrolls.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class ScrollColumn(QScrollArea):
    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)
        content.installEventFilter(self)
        self._fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() in (
            QEvent.Type.LayoutRequest,
            QEvent.Type.Show,
        ):
            self._fit()
        return super().eventFilter(watched, event)

    def _fit(self) -> None:
        content = self.widget()
        if content is None:
            return
        needed = content.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        if needed != self.minimumWidth():
            self.setMinimumWidth(needed)
