"""The scene's versions: each one the model wrote and each hand-edited one kept before it was
replaced, with when, by which model, with which settings; look at any, restore any (Undo takes
a restore back)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.project import Project, SceneVersion

ORIGIN = {
    "generated": "written by {model}",
    "field": "one field rewritten by {model}",
    "edited": "your edits",
    "restored": "restored",
}


def describe(version: SceneVersion) -> str:
    try:
        when = datetime.fromisoformat(version.created).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        when = version.created
    origin = ORIGIN.get(version.origin, version.origin).format(model=version.model or "the model")
    if version.note:
        origin += f" ({version.note})"
    return f"{when} · {origin}"


def preview(version: SceneVersion) -> str:
    scene = version.scene
    lines = [f"Topic: {version.topic or '—'}"]
    if version.options:
        lines.append(
            "Settings: "
            + ", ".join(f"{k} {v}" for k, v in version.options.items() if v is not None)
        )
    lines += [
        "",
        "Lyrics:",
        scene.audio.lyrics,
        "",
        "Audio tags: " + ", ".join(scene.audio.tags),
        "",
        "Image prompt:",
        scene.image.positive_prompt,
        "Image negative prompt:",
        scene.image.negative_prompt,
        "",
        "Video prompt:",
        scene.video.positive_prompt,
        "Video negative prompt:",
        scene.video.negative_prompt,
    ]
    return "\n".join(lines)


class VersionsDialog(QDialog):
    restore_requested = Signal(str)  # version id

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versions_dialog")
        self.setWindowTitle("Scene versions")
        self.resize(820, 520)
        self.project = project
        self.list = QListWidget()
        self.list.setObjectName("versions_list")
        self.text = QPlainTextEdit()
        self.text.setObjectName("version_preview")
        self.text.setReadOnly(True)
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setObjectName("version_restore")
        self.restore_button.setToolTip("Put this version's fields back (Undo takes it back again)")
        self.restore_button.clicked.connect(self._restore)
        self.note = QLabel()
        self.note.setWordWrap(True)
        current = project.current_version()
        for version in reversed(project.data.versions):
            label = describe(version) + ("  ← now" if current is version else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, version.id)
            self.list.addItem(item)
        self.note.setText(
            f"{len(project.data.versions)} version(s). Your current edits are kept "
            "as a version of their own before a restore replaces them."
            if project.data.versions
            else "No versions yet: generate a scene first."
        )
        self.list.currentItemChanged.connect(self._show)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.list, 2)
        row.addWidget(self.text, 3)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.restore_button)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addLayout(bottom)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.restore_button.setEnabled(bool(self.list.count()))

    def _show(self, item: QListWidgetItem | None) -> None:
        version = self.project.version(item.data(Qt.ItemDataRole.UserRole)) if item else None
        self.text.setPlainText(preview(version) if version else "")

    def _restore(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.restore_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))
            self.accept()
