"""Edit › Settings…: server URLs and the GPU hand-off switch, saved through the context."""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.ui.context import AppContext


def url_problem(text: str) -> str:
    """Why a server URL is unusable ('' when fine)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "needs a host name, e.g. http://127.0.0.1:11434"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "has an invalid port"
    return ""


class SettingsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setWindowTitle("Settings")
        self.context = context
        s = context.settings
        self.ollama_url = QLineEdit(s.ollama_url)
        self.ollama_url.setObjectName("ollama_url")
        self.comfy_url = QLineEdit(s.comfyui_url)
        self.comfy_url.setObjectName("comfyui_url")
        self.gpu_handoff = QCheckBox("Free GPU memory between Ollama and ComfyUI")
        self.gpu_handoff.setObjectName("gpu_handoff")
        self.gpu_handoff.setChecked(s.gpu_handoff)
        self.gpu_handoff.setToolTip(
            "Unload the Ollama model before ComfyUI runs (and let ComfyUI free its models before\n"
            "Ollama runs). Needed on 12 GB cards; turn it off on big cards to skip reloads."
        )
        self.problem = QLabel()
        self.problem.setObjectName("settings_problem")
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.setWordWrap(True)
        env_note = QLabel()
        if s.effective_ollama_url() != s.ollama_url:
            env_note.setText(f"OLLAMA_HOST is set: this session uses {s.effective_ollama_url()}.")
        env_note.setVisible(bool(env_note.text()))
        form = QFormLayout()
        form.addRow("Ollama URL", self.ollama_url)
        form.addRow("", env_note)
        form.addRow("ComfyUI URL", self.comfy_url)
        form.addRow("", self.gpu_handoff)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for edit in (self.ollama_url, self.comfy_url):
            edit.textChanged.connect(self._validate)
        self.setMinimumWidth(480)
        self._validate()

    def _validate(self) -> bool:
        problems = []
        for name, edit in (("Ollama URL", self.ollama_url), ("ComfyUI URL", self.comfy_url)):
            why = url_problem(edit.text())
            if why:
                problems.append(f"{name} {why}.")
        self.problem.setText(" ".join(problems))
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok_button.setEnabled(not problems)
        ok_button.setToolTip(" ".join(problems) or "Save and apply")
        return not problems

    def accept(self) -> None:
        if not self._validate():
            return
        s = self.context.settings
        s.ollama_url = self.ollama_url.text().strip().rstrip("/")
        s.comfyui_url = self.comfy_url.text().strip().rstrip("/")
        s.gpu_handoff = self.gpu_handoff.isChecked()
        self.context.update_settings()
        super().accept()


def open_settings_dialog(parent: QWidget, context: AppContext) -> SettingsDialog:
    """Open (window-modal, non-blocking) and return the dialog; reuses an open one."""
    existing = parent.findChild(SettingsDialog)
    if existing is not None and existing.isVisible():
        existing.raise_()
        return existing
    dialog = SettingsDialog(context, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
