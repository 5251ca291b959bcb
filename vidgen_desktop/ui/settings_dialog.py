"""Edit › Settings…: server URLs (each with Test connection), the projects folder and the GPU
hand-off switch, saved through the context. Testing runs off the GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.settings import parse_header
from vidgen_desktop.gpu.machines import insecure_warning
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.servers.server_list import ServerListEditor
from vidgen_desktop.workers.runner import TaskRunner


def test_ollama(url: str) -> str:
    """Worker side: "Ollama 0.32.15 · 2 models", or raises a VidGenError saying why not."""
    from vidgen_desktop.core.settings import normalise_ollama_host
    from vidgen_desktop.ollama_client.service import OllamaService

    service = OllamaService(normalise_ollama_host(url), timeout_s=3.0)
    version = service.version()
    count = len(service.list_models())
    return f"Ollama {version} · {count} model{'s' if count != 1 else ''} installed"


def test_comfyui(url: str) -> str:
    """Worker side: "ComfyUI 0.25.0 · NVIDIA … 12.0 GB", or raises a VidGenError."""
    from vidgen_desktop.comfy.client import ComfyClient
    from vidgen_desktop.core.progress import format_gb

    client = ComfyClient(url, timeout=3.0)
    try:
        stats = client.system_stats()
    finally:
        client.close()
    dev = stats.primary
    gpu = f" · {dev.name} {format_gb(dev.vram_total)}" if dev is not None and dev.vram_total else ""
    return f"ComfyUI {stats.system.comfyui_version or '(version unknown)'}{gpu}"


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
        self.ollama_test, self.ollama_result = self._test_row(
            "ollama", test_ollama, self.ollama_url
        )
        self.comfy_test, self.comfy_result = self._test_row("comfyui", test_comfyui, self.comfy_url)
        self.comfy_auth = QLineEdit(s.comfyui_auth)
        self.comfy_auth.setObjectName("comfyui_auth")
        self.comfy_auth.setPlaceholderText("only behind a reverse proxy: Authorization: Bearer …")
        self.servers = ServerListEditor(s.servers)
        self.servers.changed.connect(self._validate)
        self.reattach = QSpinBox()
        self.reattach.setObjectName("reattach_window")
        self.reattach.setRange(5, 3600)
        self.reattach.setSuffix(" s")
        self.reattach.setValue(int(s.reattach_window_s))
        self.reattach.setToolTip(
            "A server that goes away in the middle of a job is waited for this long. Then a stage"
            " on\n“automatic” continues on another server (finished video chunks are kept)."
        )
        self.projects_dir = QLineEdit(s.projects_dir or str(context.paths.projects_dir))
        self.projects_dir.setObjectName("projects_dir")
        self.projects_dir.setToolTip("New projects are made in this folder")
        choose = QPushButton("Choose…")
        choose.setObjectName("projects_dir_choose")
        choose.clicked.connect(self._choose_projects_dir)
        self.gpu_handoff = QCheckBox("Free GPU memory between Ollama and ComfyUI")
        self.gpu_handoff.setObjectName("gpu_handoff")
        self.gpu_handoff.setChecked(s.gpu_handoff)
        self.gpu_handoff.setToolTip(
            "Unload the Ollama model before ComfyUI runs (and let ComfyUI free its models before\n"
            "Ollama runs). Needed on 12 GB cards; turn it off on big cards to skip reloads."
        )
        self.models_dir = QLineEdit(s.comfyui_models_dir)
        self.models_dir.setObjectName("comfyui_models_dir")
        self.models_dir.setPlaceholderText(
            "only when ComfyUI runs elsewhere and its folder is shared"
        )
        self.models_dir.setToolTip(
            "ComfyUI's folder (or its models folder) as this computer sees it, e.g. a network\n"
            "share: model files are then read from their headers and downloaded into it."
        )
        choose_models = QPushButton("Choose…")
        choose_models.clicked.connect(self._choose_models_dir)
        self.mirror = QLineEdit(s.download_mirror)
        self.mirror.setObjectName("download_mirror")
        self.mirror.setPlaceholderText("https://huggingface.co (the hub itself)")
        self.mirror.setToolTip(
            "A mirror of the model hub for downloads, e.g. https://hf-mirror.com: the same paths\n"
            "under another address."
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
        form.addRow("Ollama URL", self._row(self.ollama_url, self.ollama_test))
        form.addRow("", self.ollama_result)
        form.addRow("", env_note)
        form.addRow("ComfyUI URL", self._row(self.comfy_url, self.comfy_test))
        form.addRow("", self.comfy_result)
        self.comfy_warning = QLabel()
        self.comfy_warning.setObjectName("comfyui_warning")
        self.comfy_warning.setWordWrap(True)
        self.comfy_warning.setStyleSheet("color: #b26a00;")
        self.comfy_warning.hide()
        form.addRow("", self.comfy_warning)
        form.addRow("Proxy header", self.comfy_auth)
        form.addRow("More ComfyUI servers", self.servers)
        form.addRow("Wait for a lost server", self.reattach)
        form.addRow("Projects folder", self._row(self.projects_dir, choose))
        form.addRow("", self.gpu_handoff)
        form.addRow("ComfyUI models folder", self._row(self.models_dir, choose_models))
        form.addRow("Download mirror", self.mirror)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for edit in (self.ollama_url, self.comfy_url, self.mirror, self.models_dir):
            edit.textChanged.connect(self._validate)
        self.setMinimumWidth(560)
        self._validate()

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widgets[0], 1)
        for w in widgets[1:]:
            layout.addWidget(w)
        return row

    def _test_row(self, name: str, probe: Any, edit: QLineEdit) -> tuple[QPushButton, QLabel]:
        button = QPushButton("Test connection")
        button.setObjectName(f"{name}_test")
        button.setToolTip("Ask this server for its version now (the URL as typed, before OK)")
        result = QLabel()
        result.setObjectName(f"{name}_test_result")
        result.setWordWrap(True)
        result.hide()
        runner = TaskRunner(f"settings-test-{name}", self)
        runner.succeeded.connect(lambda text: self._show_result(result, "✓ " + text, ok=True))
        runner.failed.connect(lambda error: self._show_result(result, "✗ " + _why(error), ok=False))
        runner.done.connect(lambda: button.setEnabled(True))
        self._runners = [*getattr(self, "_runners", []), runner]

        def start() -> None:
            url = edit.text().strip()
            problem = url_problem(url)
            if problem:
                self._show_result(result, f"✗ The URL {problem}.", ok=False)
                return
            button.setEnabled(False)
            self._show_result(result, "Testing…", ok=True)
            runner.start(lambda report, token: probe(url))

        button.clicked.connect(start)
        edit.textChanged.connect(result.hide)
        return button, result

    @staticmethod
    def _show_result(label: QLabel, text: str, ok: bool) -> None:
        label.setText(text)
        label.setStyleSheet("" if ok else "color: #c62828;")
        label.show()

    def _choose_models_dir(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "ComfyUI models folder", self.models_dir.text()
        )
        if chosen:
            self.models_dir.setText(chosen)
            self._validate()

    def _choose_projects_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder for new projects", self.projects_dir.text()
        )
        if folder:
            self.projects_dir.setText(folder)

    def done(self, result: int) -> None:
        for runner in getattr(self, "_runners", []):
            runner.shutdown(3000)
        super().done(result)

    def _validate(self) -> bool:
        problems = []
        for name, edit in (("Ollama URL", self.ollama_url), ("ComfyUI URL", self.comfy_url)):
            why = url_problem(edit.text())
            if why:
                problems.append(f"{name} {why}.")
        mirror = self.mirror.text().strip()
        if mirror and url_problem(mirror):
            problems.append(f"Download mirror {url_problem(mirror)}.")
        problems += self.servers.problems(url_problem)
        warning = insecure_warning(self.comfy_url.text().strip())
        self.comfy_warning.setText("⚠ " + warning if warning else "")
        self.comfy_warning.setVisible(bool(warning))
        if self.comfy_auth.text().strip() and not parse_header(self.comfy_auth.text()):
            problems.append("The proxy header must read “Name: value”.")
        folder = self.models_dir.text().strip()
        if folder and not Path(folder).expanduser().is_dir():
            problems.append("The ComfyUI models folder does not exist.")
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
        s.comfyui_auth = self.comfy_auth.text().strip()
        s.servers = self.servers.entries()
        s.reattach_window_s = float(self.reattach.value())
        s.gpu_handoff = self.gpu_handoff.isChecked()
        s.comfyui_models_dir = self.models_dir.text().strip()
        s.download_mirror = self.mirror.text().strip().rstrip("/")
        folder = self.projects_dir.text().strip()
        s.projects_dir = (
            "" if not folder or Path(folder) == self.context.paths.projects_dir else folder
        )
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


def _why(error: VidGenError) -> str:
    """The first line a user needs: "not reachable at URL", not a traceback."""
    return error.message
