"""Ollama's models on the Set-up page: what is installed (size, family, parameters), pull a model
with a progress bar (each layer's bytes, speed), cancel, delete; and a short list of models
that write the scene JSON well on a 12 GB card, with their download sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import Cancelled, VidGenError
from vidgen_desktop.core.progress import Progress, format_transfer
from vidgen_desktop.ollama_client.models import ModelInfo, PullProgress
from vidgen_desktop.workers.runner import TaskRunner

if TYPE_CHECKING:
    from vidgen_desktop.ollama_client.service import OllamaService

#: (name, download size, why) — instruction-following models that fill the closed scene schema
#: reliably and leave room on a 12 GB card; sizes are Ollama's library downloads (Q4_K_M)
SUGGESTED = [
    ("qwen3:8b", "5.2 GB", "best scene JSON for its size; thinking can be left off"),
    ("qwen3:4b", "2.5 GB", "fast; good for drafts and small cards"),
    ("gemma3:12b", "8.1 GB", "richest prose that still fits 12 GB"),
    ("llama3.1:8b", "4.9 GB", "a dependable all-rounder"),
]


class OllamaModelsBox(QGroupBox):
    #: installed models changed (pulled or deleted): the Script stage re-reads its list
    models_changed = Signal()

    def __init__(
        self, service_for: Callable[[], OllamaService], parent: QWidget | None = None
    ) -> None:
        super().__init__("Ollama models", parent)
        self.service_for = service_for
        self.list_runner = TaskRunner("ollama-models", self)
        self.list_runner.succeeded.connect(self._show_models)
        self.list_runner.failed.connect(self._list_failed)
        self.pull_runner = TaskRunner("ollama-pull", self)
        self.pull_runner.progress.connect(self._on_pull_progress)
        self.pull_runner.succeeded.connect(self._pulled)
        self.pull_runner.failed.connect(self._pull_failed)
        self.pull_runner.cancelled.connect(lambda: self._pull_failed(Cancelled()))
        self.delete_runner = TaskRunner("ollama-delete", self)
        self.delete_runner.succeeded.connect(lambda _r: self._after_change())
        self.delete_runner.failed.connect(self._list_failed)

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("ollama_models_table")
        self.table.setHorizontalHeaderLabels(["Model", "Size", "Family", "Parameters"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(110)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("ollama_delete")
        self.delete_button.setEnabled(False)
        self.delete_button.setToolTip("Select an installed model first.")
        self.delete_button.clicked.connect(self._delete)
        self.table.itemSelectionChanged.connect(self._selection)

        self.name = QLineEdit()
        self.name.setObjectName("ollama_pull_name")
        self.name.setPlaceholderText("model to download, e.g. qwen3:8b")
        self.pull_button = QPushButton("Download")
        self.pull_button.setObjectName("ollama_pull")
        self.pull_button.clicked.connect(self._pull_or_cancel)
        self.name.returnPressed.connect(self._pull_or_cancel)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("ollama_pull_status")
        self.status.setWordWrap(True)
        suggestions = QLabel(
            "Suggested for a 12 GB card (click to fill in): "
            + " · ".join(f"<a href='{n}'>{n}</a> ({size}, {why})" for n, size, why in SUGGESTED)
        )
        suggestions.setWordWrap(True)
        suggestions.linkActivated.connect(self.name.setText)

        pull_row = QHBoxLayout()
        pull_row.addWidget(self.name, 1)
        pull_row.addWidget(self.pull_button)
        top = QHBoxLayout()
        top.addWidget(self.table, 1)
        side = QVBoxLayout()
        side.addWidget(self.delete_button)
        side.addStretch(1)
        top.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(pull_row)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(suggestions)

    # ---- listing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        if not self.list_runner.is_running():
            self.list_runner.start(lambda _r, _t: self.service_for().list_models())

    def _show_models(self, models: object) -> None:
        rows = models if isinstance(models, list) else []
        self.table.setRowCount(len(rows))
        for i, m in enumerate(rows):
            assert isinstance(m, ModelInfo)
            for col, text in enumerate(
                (m.name, f"{m.size_bytes / 1e9:.1f} GB", m.family, m.parameter_size)
            ):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, col, item)
        self.table.resizeColumnsToContents()
        if not rows:
            self.status.setText("No models installed yet: download one below.")

    def _list_failed(self, error: object) -> None:
        text = error.user_text() if isinstance(error, VidGenError) else str(error)
        self.status.setText(f"<span style='color:#c62828'>{text}</span>")

    def _selection(self) -> None:
        chosen = bool(self.table.selectedItems())
        self.delete_button.setEnabled(chosen)
        self.delete_button.setToolTip("" if chosen else "Select an installed model first.")

    def _delete(self) -> None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        if item is None:
            return
        name = item.text()
        answer = QMessageBox.question(
            self, "Delete model", f"Delete {name} from Ollama? It can be downloaded again."
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_runner.start(lambda _r, _t: self.service_for().delete(name))

    # ---- pulling ---------------------------------------------------------------------------
    def _pull_or_cancel(self) -> None:
        if self.pull_runner.is_running():
            self.pull_runner.cancel()
            self.status.setText("Stopping…")
            return
        name = self.name.text().strip()
        if not name:
            self.status.setText("Type a model name first (or click a suggestion).")
            return

        def work(report, token):
            def on_progress(p: PullProgress) -> None:
                report(Progress(p.fraction, p.status, extra={"pull": p}))

            self.service_for().pull(name, token, on_progress)
            return name

        self.pull_button.setText("Cancel")
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.status.setText(f"Asking Ollama for {name}…")
        self.pull_runner.start(work)

    def _on_pull_progress(self, progress: Progress) -> None:
        p = progress.extra.get("pull")
        if not isinstance(p, PullProgress):
            return
        if p.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * p.completed / p.total))
            speed = f" · {p.speed_bps / 1e6:.1f} MB/s" if p.speed_bps else ""
            self.status.setText(f"{p.status}: {format_transfer(p.completed, p.total)}{speed}")
        else:
            self.bar.setRange(0, 0)
            self.status.setText(p.status)

    def _pulled(self, name: object) -> None:
        self._pull_idle()
        self.status.setText(f"{name} is installed.")
        self._after_change()

    def _pull_failed(self, error: object) -> None:
        self._pull_idle()
        if isinstance(error, Cancelled):
            self.status.setText(
                "Stopped. Downloading it again continues with the layers Ollama kept."
            )
        else:
            self._list_failed(error)

    def _pull_idle(self) -> None:
        self.pull_button.setText("Download")
        self.bar.setVisible(False)

    def _after_change(self) -> None:
        self.refresh()
        self.models_changed.emit()

    def shutdown(self) -> None:
        for runner in (self.list_runner, self.pull_runner, self.delete_runner):
            runner.shutdown(3000)
