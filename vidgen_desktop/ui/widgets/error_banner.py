"""Inline banner for errors a user can fix: message, hint, details on demand, copy, an action."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from vidgen_desktop.core.errors import VidGenError

_STYLES = {
    "error": "QFrame#banner { background: #fdecea; border: 1px solid #e57373; border-radius: 4px; }"
    " QLabel { color: #611a15; }",
    "warning": "QFrame#banner { background: #fff4e5; border: 1px solid #ffb74d; border-radius: 4px; }"
    " QLabel { color: #663c00; }",
    "info": "QFrame#banner { background: #e8f4fd; border: 1px solid #64b5f6; border-radius: 4px; }"
    " QLabel { color: #0d3c61; }",
}


class ErrorBanner(QFrame):
    action_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.message = QLabel()
        self.message.setObjectName("banner_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel()
        self.details.setObjectName("banner_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        self.details_button = QPushButton("Details")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self.details.setVisible)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the message and details to the clipboard")
        self.copy_button.clicked.connect(self._copy)
        self.action_button = QPushButton()
        self.action_button.setObjectName("banner_action")
        self.action_button.clicked.connect(self.action_clicked)
        self.action_button.hide()
        close = QPushButton("✕")
        close.setToolTip("Dismiss")
        close.setFixedWidth(28)
        close.clicked.connect(self.hide)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        for b in (self.action_button, self.details_button, self.copy_button, close):
            row.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(row)
        layout.addWidget(self.details)
        self.hide()

    def show_message(
        self, text: str, *, level: str = "error", detail: str = "", action: str = ""
    ) -> None:
        self.setStyleSheet(_STYLES.get(level, _STYLES["error"]))
        self.message.setText(text)
        self.details.setText(detail)
        self.details_button.setVisible(bool(detail))
        self.details_button.setChecked(False)
        self.action_button.setText(action)
        self.action_button.setVisible(bool(action))
        self.show()

    def show_error(self, error: VidGenError, action: str = "") -> None:
        self.show_message(error.user_text(), level="error", detail=error.detail, action=action)

    def text(self) -> str:
        return self.message.text() if self.isVisible() else ""

    def _copy(self) -> None:
        body = self.message.text()
        if self.details.text():
            body += "\n\n" + self.details.text()
        QGuiApplication.clipboard().setText(body)
