"""The Batch page (File › Batch of Topics…): a list of topics becomes one project per topic, run
unattended across the ComfyUI servers by the pipeline's batch engine (pipeline.batch_run), the
same one `vidgen batch` uses. The page turns its fields into the engine's inputs and renders
what the engine reports; the engine runs on a worker.

A batch is recorded in its folder (batch.json): after a quit or a crash the page offers to
continue it, and finished topics are not made again.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.progress import Progress
from vidgen_desktop.ui.batch.batch_table import BatchTable, summary
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.widgets.error_banner import ErrorBanner
from vidgen_desktop.workers.runner import TaskRunner

LAST_BATCH = "batch.last_root"
UNTIL = (
    ("video", "Video (everything)"),
    ("image", "Image"),
    ("voice", "Voice"),
    ("script", "Script"),
)


def batch_task(context: AppContext, root: Path, items: list[Any] | None, source: str, until: str):
    """The worker's work: open (or, with items None, continue) the batch, check, run it."""
    settings = context.settings.model_copy(deep=True)
    servers = [e.url for e in settings.comfy_servers()]
    timings, config_dir = context.timings, context.paths.config_dir

    def task(report, token) -> list[Any]:
        from vidgen_desktop.pipeline.batch_run import BatchRun
        from vidgen_desktop.pipeline.topic_run import RunOptions

        def changed(state: Any) -> None:
            report(Progress(kind="batch-item", extra={"state": state.model_copy()}))

        def progress(state: Any, p: Progress) -> None:
            if p.kind != "preview":
                report(replace(p, preview=None, extra={"batch_item": state.index}))

        batch = BatchRun(
            root,
            settings,
            servers,
            RunOptions(),
            on_change=changed,
            on_progress=progress,
            timings=timings,
            config_dir=config_dir,
        )
        record = batch.reopen() if items is None else batch.open(items, source, until)
        states = [s.model_copy() for s in record.items]
        report(Progress(None, "Checking every topic…", kind="batch-open", extra={"states": states}))
        batch.check_items()
        report(Progress(None, "Running…", kind="status"))
        batch.run(token)
        return [s.model_copy() for s in record.items]

    return task


def read_list(path: Path):
    def task(_report, _token) -> list[Any]:
        from vidgen_desktop.pipeline.batch import read_items

        return read_items(path)

    return task


def unfinished_in(root: Path):
    """Worker side: how many topics of the batch recorded in root are not done (0: none)."""

    def task(_report, _token) -> tuple[Path, int, int]:
        from vidgen_desktop.pipeline.batch import BATCH_FILE, BatchRecord

        try:
            record = BatchRecord.model_validate_json((root / BATCH_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return root, 0, 0
        left = sum(1 for s in record.items if s.status != "done")
        return root, left, len(record.items)

    return task


class BatchPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("batch_page")
        self.setWindowTitle("Batch of topics — VidGen")
        self.context = context
        self.items: list[Any] | None = None  # loaded from a file (with per-topic options)
        self._source = ""
        self._unfinished_root: Path | None = None
        self.started_at: float | None = None
        self.states: list[Any] = []

        self.banner = ErrorBanner()
        self.banner.setObjectName("batch_banner")
        self.banner.action_clicked.connect(self.continue_batch)
        self.topics = QPlainTextEdit()
        self.topics.setObjectName("batch_topics")
        self.topics.setPlaceholderText(
            "One topic a line, e.g.\nwhy the sea is salty\nhow bees find their way home"
        )
        self.topics.textChanged.connect(self._update_actions)
        self.load_button = QPushButton("Load list…")
        self.load_button.setObjectName("batch_load")
        self.load_button.setToolTip(
            "A .txt (a topic a line), or a .jsonl / .csv with a “topic” and per-topic options\n"
            "named as vidgen run's (image_size, voice_seconds, lora, video_workflow, …)"
        )
        self.load_button.clicked.connect(self._ask_list)
        self.list_note = QLabel()
        self.list_note.setObjectName("batch_list_note")
        self.list_note.setWordWrap(True)
        self.list_note.hide()
        self.folder = QLineEdit(str(self._default_folder()))
        self.folder.setObjectName("batch_folder")
        self.folder.setToolTip("Each topic becomes a project folder in here, with batch.json")
        self.folder.textChanged.connect(self._update_actions)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_folder)
        self.until = QComboBox()
        self.until.setObjectName("batch_until")
        for key, text in UNTIL:
            self.until.addItem(text, key)
        self.until.setToolTip("Every topic stops after this stage (e.g. scripts and stills first)")
        self.start_button = QPushButton("Check and start")
        self.start_button.setObjectName("batch_start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("batch_stop")
        self.stop_button.setToolTip(
            "Stop the batch (jobs in progress are cancelled); Continue later picks it up"
        )
        self.stop_button.clicked.connect(self.stop)
        self.table = BatchTable()
        self.table.setToolTip("Double-click a topic to open its project in the main window")
        self.table.cellDoubleClicked.connect(self._open_row)
        self.status = QLabel()
        self.status.setObjectName("batch_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        topics_row = QVBoxLayout()
        topics_row.addWidget(self.topics)
        load_row = QHBoxLayout()
        load_row.addWidget(self.load_button)
        load_row.addWidget(self.list_note, 1)
        load_row.addStretch(1)
        topics_row.addLayout(load_row)
        form.addRow("Topics", topics_row)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        form.addRow("Projects go to", folder_row)
        form.addRow("Stop after", self.until)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.topics.setMaximumHeight(140)
        self.resize(1100, 700)

        self.runner = TaskRunner("batch", self)
        self.runner.progress.connect(self._on_report)
        self.runner.succeeded.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_stopped)
        self.runner.done.connect(self._update_actions)
        self.loader = TaskRunner("batch-list", self)
        self.loader.succeeded.connect(self._on_list)
        self.loader.failed.connect(lambda e: self._say_error(e.user_text()))
        self.looker = TaskRunner("batch-look", self)
        self.looker.succeeded.connect(self._on_looked)
        self._update_actions()

    # ---- fields --------------------------------------------------------------------------------
    def _default_folder(self) -> Path:
        last = self.context.settings.stage_values.get(LAST_BATCH)
        if isinstance(last, str) and last:
            return Path(last)
        stamp = datetime.now().strftime("%Y-%m-%d %H%M")
        return self.context.projects_dir() / f"Batch {stamp}"

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the batch", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _ask_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "A list of topics", str(Path.home()), "Topics (*.txt *.jsonl *.csv)"
        )
        if path:
            self.load_list(Path(path))

    def load_list(self, path: Path) -> None:
        self._source = str(path)
        self.loader.start(read_list(path))

    def _on_list(self, items: list[Any]) -> None:
        self.items = items
        with_options = sum(1 for i in items if i.options)
        self.topics.blockSignals(True)
        self.topics.setPlainText("\n".join(i.topic for i in items))
        self.topics.blockSignals(False)
        self.topics.setReadOnly(True)
        note = f"From {Path(self._source).name}: {len(items)} topics"
        if with_options:
            note += f", {with_options} with their own options"
        self.list_note.setText(note + ". Edit the file and load it again to change them.")
        self.list_note.show()
        self._update_actions()

    def typed_items(self) -> list[Any]:
        from vidgen_desktop.pipeline.batch import BatchItem

        lines = [line.strip() for line in self.topics.toPlainText().splitlines()]
        return [BatchItem(topic=t) for t in lines if t and not t.startswith("#")]

    def _why_not(self) -> str:
        if self.runner.is_running():
            return "The batch is running."
        if not (self.items or self.typed_items()):
            return "Type a topic a line, or load a list, first."
        if not self.folder.text().strip():
            return "Choose the folder the projects go to."
        return ""

    def _update_actions(self) -> None:
        why = self._why_not()
        self.start_button.setEnabled(not why)
        self.start_button.setToolTip(why or "Check every topic, then run them across the servers")
        running = self.runner.is_running()
        self.stop_button.setEnabled(running)
        if not running:
            self.stop_button.setToolTip("Nothing is running")
        for w in (self.topics, self.folder, self.until, self.load_button):
            w.setEnabled(not running)

    # ---- running -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._why_not():
            return
        root = Path(self.folder.text().strip()).expanduser()
        items = self.items if self.items is not None else self.typed_items()
        source = self._source if self.items is not None else "typed in the page"
        self._run(root, items, source)

    def continue_batch(self) -> None:
        root = self._unfinished_root
        if root is not None and not self.runner.is_running():
            self.folder.setText(str(root))
            self._run(root, None, "")

    def _run(self, root: Path, items: list[Any] | None, source: str) -> None:
        self.banner.hide()
        self.context.settings.stage_values[LAST_BATCH] = str(root)
        self.context.save_settings()
        self.started_at = time.monotonic()
        self.status.setText("Opening the batch…")
        self.runner.start(
            batch_task(self.context, root, items, source, str(self.until.currentData()))
        )
        self._update_actions()

    def stop(self) -> None:
        if self.runner.is_running():
            self.status.setText("Stopping… (jobs in progress are cancelled)")
            self.runner.cancel()

    def _labels(self) -> dict[str, str]:
        return {
            e.url.rstrip("/"): e.label()
            for e in self.context.settings.comfy_servers(enabled_only=False)
        }

    def _on_report(self, p: Progress) -> None:
        if p.kind == "batch-open":
            self.states = list(p.extra["states"])
            self.table.show_items(self.states, self._labels())
            self.status.setText(p.message)
        elif p.kind == "batch-item":
            state = p.extra["state"]
            self.states = [state if s.index == state.index else s for s in self.states]
            self.table.show_state(state)
            self._say_running()
        elif "batch_item" in p.extra:
            self.table.show_progress(int(p.extra["batch_item"]), p)
        elif p.message:
            self.status.setText(p.message)

    def _say_running(self) -> None:
        running = [s for s in self.states if s.status == "running"]
        if running:
            self.status.setText(f"{len(running)} running · " + summary(self.states, None))

    def _on_finished(self, states: list[Any]) -> None:
        self.states = states
        self.table.show_items(states, self._labels())
        elapsed = time.monotonic() - self.started_at if self.started_at else None
        self.status.setText(summary(states, elapsed))

    def _on_failed(self, error: VidGenError) -> None:
        self._say_error(error.user_text())

    def _on_stopped(self) -> None:
        left = sum(1 for s in self.states if s.status != "done")
        self.status.setText(f"Stopped: {left} topics not finished. Continue picks them up.")
        self._unfinished_root = Path(self.folder.text().strip())
        self.banner.show_message(
            f"The batch stopped with {left} topics left.", level="info", action="Continue"
        )

    def _open_row(self, row: int, _column: int) -> None:
        window = self.parentWidget()
        projects = getattr(window, "projects", None)
        if window is None or projects is None or not 0 <= row < len(self.states):
            return
        folder = Path(self.folder.text().strip()).expanduser() / self.states[row].project
        projects.open_path(folder)
        window.raise_()

    def _say_error(self, text: str) -> None:
        self.banner.show_message(text, level="error")

    # ---- a batch a quit or a crash stopped --------------------------------------------------------
    def look_for_unfinished(self) -> None:
        last = self.context.settings.stage_values.get(LAST_BATCH)
        if isinstance(last, str) and last and not self.looker.is_running():
            self.looker.start(unfinished_in(Path(last)))

    def _on_looked(self, found: tuple[Path, int, int]) -> None:
        root, left, total = found
        if left and not self.runner.is_running():
            self._unfinished_root = root
            self.banner.show_message(
                f"The batch in {root} stopped with {left} of {total} topics not finished "
                "(the app was closed, or it crashed).",
                level="info",
                action="Continue",
            )

    def shutdown(self) -> None:
        for runner in (self.runner, self.loader, self.looker):
            runner.shutdown(10000)


def offer_unfinished_batch(window: Any) -> None:
    """At start: a batch that a quit or a crash stopped opens its page, offering to continue."""
    last = window.context.settings.stage_values.get(LAST_BATCH)
    if not (isinstance(last, str) and last):
        return
    looker = TaskRunner("batch-look-at-start", window)

    def found(result: tuple[Path, int, int]) -> None:
        if result[1]:
            open_batch_page(window, looked=result)

    looker.succeeded.connect(found)
    looker.done.connect(looker.deleteLater)
    looker.start(unfinished_in(Path(last)))


def open_batch_page(window: Any, looked: tuple[Path, int, int] | None = None) -> BatchPage:
    """Show the window's Batch page; a new one looks for an unfinished batch (unless the
    start-up already did: `looked`)."""
    page = getattr(window, "batch_page", None)
    if page is None:
        page = window.batch_page = BatchPage(window.context, window)
        if looked is None:
            page.look_for_unfinished()
    if looked is not None:
        page._on_looked(looked)
    page.show()
    page.raise_()
    page.activateWindow()
    return page
