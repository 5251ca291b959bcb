"""Show a file or folder in the system's file manager, and say where it is when none is there.

QDesktopServices.openUrl returns False when no file manager is registered (a bare window manager,
a remote session): then a small dialog shows the path, selectable, with a Copy button, so the
user is never left with a click that did nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class PathDialog(QDialog):
    """“No file manager opened it: here is the path.”"""

    def __init__(self, path: Path, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("path_dialog")
        self.setWindowTitle(what)
        self.path = QLineEdit(str(path))
        self.path.setObjectName("path_text")
        self.path.setReadOnly(True)
        self.path.setMinimumWidth(
            min(720, max(360, self.fontMetrics().horizontalAdvance(str(path)) + 40))
        )
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("path_copy")
        self.copy_button.clicked.connect(self._copy)
        note = QLabel(f"No file manager could open it on this computer. {what} is here:")
        note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.copy_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.path.selectAll()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.path.text())
        self.copy_button.setText("Copied")


def reveal(path: Path, what: str, parent: QWidget | None = None) -> PathDialog | None:
    """Open `path` in the file manager; None if that worked, else the dialog shown instead."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return None
    dialog = PathDialog(Path(path), what, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
