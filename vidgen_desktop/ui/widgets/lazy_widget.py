"""A light stand-in for a heavy widget, built on first show or first use.

Why: the media players pull in QtMultimedia (FFmpeg plugin, audio device enumeration, decoder
threads), which costs start-up time and tens of MB of memory although the Voice and Video stages
are not on screen when the app opens. A panel keeps its player behind a LazyWidget: the player
module is imported and the widget made the first time the panel is shown (the user never sees the
stand-in) or something asks for it (`widget()`); work meant for it before then waits in
`when_created`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

W = TypeVar("W", bound=QWidget)


class LazyWidget(QWidget, Generic[W]):
    def __init__(
        self, factory: Callable[[], W], placeholder: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._widget: W | None = None
        self._pending: Callable[[W], None] | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.placeholder = QLabel(placeholder)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self._layout.addWidget(self.placeholder)

    @property
    def created(self) -> bool:
        return self._widget is not None

    def widget(self) -> W:
        """The real widget, made now if needed (and handed the work that waited for it)."""
        if self._widget is None:
            self._widget = self._factory()
            self.setSizePolicy(self._widget.sizePolicy())
            self._layout.removeWidget(self.placeholder)
            self.placeholder.deleteLater()
            self._layout.addWidget(self._widget)
            pending, self._pending = self._pending, None
            if pending is not None:
                pending(self._widget)
        return self._widget

    def when_created(self, fn: Callable[[W], None]) -> None:
        """Run `fn(widget)` now if it exists, else once it is made; a newer call replaces an older
        waiting one (only the latest take matters)."""
        if self._widget is not None:
            fn(self._widget)
        else:
            self._pending = fn

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.widget()
