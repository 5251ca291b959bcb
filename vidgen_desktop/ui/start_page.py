"""What the window shows when no project is open: what to do next, and the recent projects.

It is only ever shown because the user closed a project or the last one could not be opened
(and then it says why): the app never opens another project in its place silently.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.project import PROJECT_FILE


class StartPage(QWidget):
    new_requested = Signal()
    open_requested = Signal()
    recent_chosen = Signal(str)
    setup_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("start_page")
        title = QLabel("<h2>No project is open</h2>")
        self.note = QLabel()
        self.note.setObjectName("start_note")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.hide()
        self.new_button = QPushButton("New Project (Ctrl+N)")
        self.new_button.setObjectName("start_new")
        self.new_button.clicked.connect(self.new_requested)
        self.open_button = QPushButton("Open… (Ctrl+O)")
        self.open_button.setObjectName("start_open")
        self.open_button.clicked.connect(self.open_requested)
        self.setup_button = QPushButton("Check Set-up…")
        self.setup_button.setObjectName("start_setup")
        self.setup_button.setToolTip(
            "Can Ollama and ComfyUI run every stage here? What is missing, and get it."
        )
        self.setup_button.clicked.connect(self.setup_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.setup_button)
        self.recent = QListWidget()
        self.recent.setObjectName("start_recent")
        self.recent.itemActivated.connect(self._chosen)
        self.recent.itemClicked.connect(self._chosen)
        self.recent.setMaximumWidth(960)
        self.recent.setMaximumHeight(320)
        hint = QLabel("You can also drop a project folder (or its project.json) on this window.")
        hint.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(title)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("<b>Recent projects</b>"))
        layout.addWidget(self.recent)
        layout.addWidget(hint)
        layout.addStretch(1)

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for path in paths:
            there = (Path(path) / PROJECT_FILE).is_file()
            name = Path(path).name if there else f"{Path(path).name} (missing)"
            item = QListWidgetItem(f"{name}    —    {path}")
            item.setToolTip(path)
            item.setData(Qt.ItemDataRole.UserRole, path)
            if not there:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.recent.addItem(item)
        if not paths:
            empty = QListWidgetItem("None yet.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(empty)

    def _chosen(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if path and item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.recent_chosen.emit(str(path))
