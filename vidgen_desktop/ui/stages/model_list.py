"""The Script stage's model list: which models Ollama has (off the GUI thread), the picker and
its hint, kept in step with the status bar's Ollama monitor (a server that comes back is asked
again)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QLabel

from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.ollama_client.models import ModelInfo, ServerStatus
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.workers.runner import TaskRunner


def _list_models(url: str) -> list[ModelInfo]:
    # imported in the worker thread: `ollama` and httpx stay off the GUI's start-up path
    from vidgen_desktop.ollama_client.service import OllamaService

    return OllamaService(url).list_models()


class ModelList(QObject):
    """`changed()` after the list or the server's state changed."""

    changed = Signal()
    #: the server became reachable again after being down
    server_back = Signal()

    def __init__(
        self,
        context: AppContext,
        combo: QComboBox,
        hint: QLabel,
        empty_text: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context, self.combo, self.hint, self.empty_text = context, combo, hint, empty_text
        self.monitor: Any = None
        self.server: ServerStatus | None = None
        self.models: list[ModelInfo] | None = None
        self.runner = TaskRunner("ollama-models", self)
        self.runner.succeeded.connect(self._on_models)
        self.runner.failed.connect(self._on_failed)
        self.runner.done.connect(self.changed)

    def attach_monitor(self, monitor: Any) -> None:
        self.monitor = monitor
        monitor.status_changed.connect(self._on_server_status)

    def _on_server_status(self, status: ServerStatus) -> None:
        was_down = self.server is None or not self.server.reachable or self.server.url != status.url
        self.server = status
        if status.reachable and (was_down or self.models is None):
            self.refresh()
        if status.reachable:
            self.server_back.emit()
        self.changed.emit()

    def refresh(self) -> None:
        if self.monitor is not None:
            self.monitor.poll_now()
        url = self.context.settings.effective_ollama_url()
        if self.runner.start(lambda _r, _t: _list_models(url)):
            self.hint.setText("Asking Ollama for its models…")

    def _on_models(self, models: list[ModelInfo]) -> None:
        self.models = models
        wanted = self.name() or self.context.settings.llm.model
        self.combo.blockSignals(True)
        self.combo.clear()
        for m in models:
            self.combo.addItem(m.label(), m.name)
        index = self.combo.findData(wanted)
        self.combo.setCurrentIndex(index if index >= 0 else (0 if models else -1))
        self.combo.blockSignals(False)
        self.hint.setText(self.empty_text if not models else "")
        self.hint.setVisible(not models)
        self.combo.currentIndexChanged.emit(self.combo.currentIndex())

    def _on_failed(self, error: VidGenError) -> None:
        self.models = None
        self.hint.setText(f"Could not list models: {error.message}")
        self.hint.show()

    def name(self) -> str:
        return str(self.combo.currentData() or "")

    def shutdown(self) -> None:
        self.runner.shutdown()
        if self.monitor is not None:
            self.monitor.shutdown()
