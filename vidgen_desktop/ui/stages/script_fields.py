"""The scene editor: one labelled, editable field per scene value, each with its own Regenerate
button and an inline error line (so a validation problem shows next to what caused it)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.scene_parse import FieldError
from vidgen_desktop.ui.widgets.tag_list import TagListEditor

FieldKey = tuple[str, str]

LABELS: dict[FieldKey, str] = {
    ("audio", "lyrics"): "Lyrics (spoken or sung words)",
    ("audio", "tags"): "Audio tags",
    ("image", "positive_prompt"): "Image prompt",
    ("image", "negative_prompt"): "Image negative prompt",
    ("video", "positive_prompt"): "Video prompt",
    ("video", "negative_prompt"): "Video negative prompt",
}
_LINES = {("audio", "lyrics"): 6}


def field_name(key: FieldKey) -> str:
    return f"{key[0]}_{key[1]}"


def field_key(name: str, sep: str = "_") -> FieldKey:
    """("audio", "lyrics") from "audio_lyrics" (or "audio.lyrics" with sep=".")."""
    section, _, key = name.partition(sep)
    return section, key


class SceneEditor(QWidget):
    """Renders the scene's fields; emits `changed` on hand edits, `regenerate_requested(s, k)`."""

    changed = Signal()
    regenerate_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editors: dict[FieldKey, QPlainTextEdit | TagListEditor] = {}
        self.regen_buttons: dict[FieldKey, QPushButton] = {}
        self.error_labels: dict[FieldKey, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        line_h = QFontMetrics(self.font()).lineSpacing()
        for key in Scene.FIELDS:
            name = field_name(key)
            title = QLabel(f"<b>{LABELS[key]}</b>")
            title.setWordWrap(True)
            button = QPushButton("Regenerate")
            button.setObjectName(f"regen_{name}")
            button.clicked.connect(lambda _=False, k=key: self.regenerate_requested.emit(*k))
            header = QHBoxLayout()
            header.addWidget(title, 1)
            header.addWidget(button)
            editor: QPlainTextEdit | TagListEditor
            if key == ("audio", "tags"):
                editor = TagListEditor()
            else:
                editor = QPlainTextEdit()
                editor.setTabChangesFocus(True)
                lines = _LINES.get(key, 2)
                editor.setMinimumHeight(line_h * lines + 14)
                editor.setMaximumHeight(line_h * (lines + 3) + 14)
            editor.setObjectName(f"field_{name}")
            title.setBuddy(editor)
            error = QLabel()
            error.setObjectName(f"error_{name}")
            error.setStyleSheet("color: #c62828;")
            error.setWordWrap(True)
            error.hide()
            if isinstance(editor, TagListEditor):
                editor.changed.connect(self.changed)
            else:
                editor.textChanged.connect(self.changed)
            layout.addLayout(header)
            layout.addWidget(editor)
            layout.addWidget(error)
            layout.addSpacing(6)
            self.editors[key] = editor
            self.regen_buttons[key] = button
            self.error_labels[key] = error
        layout.addStretch(1)

    # -- values ------------------------------------------------------------------------------
    def values(self) -> dict[FieldKey, Any]:
        out: dict[FieldKey, Any] = {}
        for key, editor in self.editors.items():
            out[key] = editor.tags() if isinstance(editor, TagListEditor) else editor.toPlainText()
        return out

    def set_value(self, key: FieldKey, value: Any, notify: bool = True) -> None:
        editor = self.editors[key]
        editor.blockSignals(True)
        if isinstance(editor, TagListEditor):
            editor.set_tags(list(value) if isinstance(value, list) else [str(value)])
        else:
            editor.setPlainText(value if isinstance(value, str) else ", ".join(map(str, value)))
        editor.blockSignals(False)
        if notify:
            self.changed.emit()

    def set_values(self, values: dict[FieldKey, Any], clear_missing: bool = True) -> None:
        for key in self.editors:
            if key in values:
                self.set_value(key, values[key], notify=False)
            elif clear_missing:
                self.set_value(key, [] if key == ("audio", "tags") else "", notify=False)

    def set_scene(self, scene: Scene) -> None:
        self.set_values({key: scene.get(*key) for key in Scene.FIELDS})

    # -- errors and buttons -------------------------------------------------------------------
    def set_errors(self, errors: list[FieldError]) -> list[FieldError]:
        """Show each error under its field; return the ones that belong to no single field."""
        by_field: dict[FieldKey, list[str]] = {}
        rest: list[FieldError] = []
        for err in errors:
            parts = err.path.split(".")
            key = (parts[0], parts[1]) if len(parts) >= 2 else None
            if key in self.editors:
                by_field.setdefault(key, []).append(err.message)
            elif len(parts) == 1 and parts[0] in ("audio", "video", "image"):
                for k in self.editors:
                    if k[0] == parts[0]:
                        by_field.setdefault(k, []).append(err.message)
            else:
                rest.append(err)
        for key, label in self.error_labels.items():
            messages = by_field.get(key)
            label.setText(f"⚠ {'; '.join(dict.fromkeys(messages))}" if messages else "")
            label.setVisible(bool(messages))
        return rest

    def field_errors_shown(self) -> dict[str, str]:
        return {field_name(k): lbl.text() for k, lbl in self.error_labels.items() if lbl.text()}

    def set_regenerate_enabled(self, enabled: bool, reason: str) -> None:
        for button in self.regen_buttons.values():
            button.setEnabled(enabled)
            button.setToolTip(
                "Write a new value for this field; the others are kept and given to the model as context"
                if enabled
                else reason
            )
