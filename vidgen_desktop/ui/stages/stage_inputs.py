"""Small input widgets the Voice and Video panels share.

SeedEdit: seeds go up to 2**53 (bind.SEED_LIMIT), beyond QSpinBox's 32-bit range, and "empty =
random" is what users expect. SceneText: a text box pre-filled from the scene that follows later
scene edits until the user types into it, so regenerating the script never overwrites their edit.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from vidgen_desktop.core.progress import Progress
from vidgen_desktop.workflow import SEED_LIMIT


def form_group(title: str) -> tuple[QGroupBox, QFormLayout]:
    """A titled group of labelled rows whose fields take the width there is."""
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return box, form


def confirm_cancel(parent: QWidget) -> bool:
    """Long jobs ask before their progress is thrown away."""
    answer = QMessageBox.question(
        parent,
        "Cancel this job?",
        "The job has been running for a while; cancelling throws away its progress.\nCancel it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def job_fraction_only(p: Progress) -> Progress:
    """Only the ComfyUI job's own reports move the bar. The hand-off and preflight report their own
    0..1 (e.g. "Ollama unloaded …" at 1.0): shown as a busy bar, 100 % would be a lie before the
    file is on disk. Job reports are steps, previews, or carry job details in `extra`."""
    if p.fraction is None or p.kind in ("step", "preview") or p.extra:
        return p
    return replace(p, fraction=None)


class SeedEdit(QWidget):
    """A seed field: digits, or empty for a new random seed each run; "Random" clears it."""

    changed = Signal()

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setObjectName(object_name)
        self.edit.setPlaceholderText("random")
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,16}")))
        self.edit.setToolTip(
            "Same seed + same settings = same take. Leave empty for a new one each run."
        )
        self.random_button = QPushButton("Random")
        self.random_button.setToolTip("Draw a new seed for every run")
        self.random_button.clicked.connect(self.edit.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.random_button)
        self.edit.textChanged.connect(self.changed)

    def value(self) -> int | None:
        text = self.edit.text().strip()
        if not text:
            return None
        return min(int(text), SEED_LIMIT - 1)

    def set_value(self, seed: int | None) -> None:
        self.edit.setText("" if seed is None else str(seed))


class SceneText(QPlainTextEdit):
    """Editable text that tracks a scene field until the user edits it."""

    def __init__(
        self, object_name: str, max_height: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setTabChangesFocus(True)
        if max_height:
            self.setMaximumHeight(max_height)
        self._from_scene: str | None = None

    def follow(self, scene_value: str) -> None:
        """Take the scene's value unless the user has changed what we filled in last time."""
        unedited = self._from_scene is None or self.toPlainText() == self._from_scene
        if unedited and self.toPlainText() != scene_value:
            self.setPlainText(scene_value)
        self._from_scene = scene_value

    def restore(self, text: str | None) -> None:
        """A reopened project: the user's own text (it stays theirs), or None to follow the scene."""
        if text is None:
            self.reset_to_scene()
        else:
            self.setPlainText(text)

    def saved(self) -> str | None:
        """What a project keeps: the text when the user wrote it, None while it follows."""
        return self.toPlainText() if self.edited() or self._from_scene is None else None

    def reset_to_scene(self) -> None:
        if self._from_scene is not None:
            self.setPlainText(self._from_scene)

    def edited(self) -> bool:
        return self._from_scene is not None and self.toPlainText() != self._from_scene

    def text(self) -> str:
        return self.toPlainText().strip()
