"""Help › Set-up…: the servers (version, GPU, memory), every shipped workflow and whether it can
run here — and when it cannot, what is missing: node packs with their install steps, each model
file with its folder, size and source and a button to download it, files whose content does
not fit their slot — a picker for every model slot, and Ollama's models (pull, delete).

The check runs on a worker (pipeline.setup_check, the same as `vidgen doctor`) and runs again
by itself after a download completes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.modelfiles.catalog import user_header_cache
from vidgen_desktop.modelfiles.download import mirrored, target_in
from vidgen_desktop.pipeline.setup_check import (
    SetupReport,
    WorkflowFinding,
    check_setup,
    manifest_model,
)
from vidgen_desktop.ui.setup.download_row import DownloadRow
from vidgen_desktop.ui.setup.managed_box import ManagedComfyBox
from vidgen_desktop.ui.setup.ollama_models import OllamaModelsBox
from vidgen_desktop.ui.setup.slot_picker import SlotPicker
from vidgen_desktop.workers.runner import TaskRunner
from vidgen_desktop.workflow.preflight import ProblemKind

if TYPE_CHECKING:
    from vidgen_desktop.ui.context import AppContext

_OK, _BAD = "#2e7d32", "#c62828"


class SetupDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Set-up")
        self.setObjectName("setup_dialog")
        self.resize(960, 720)
        self.report: SetupReport | None = None
        self.rows: list[DownloadRow] = []
        self.pickers: list[SlotPicker] = []
        self.runner = TaskRunner("setup-check", self)
        self.runner.succeeded.connect(self._show)
        self.runner.failed.connect(self._failed)
        self.runner.done.connect(self._after_check)
        self._again = False

        self.summary = QLabel("Checking Ollama, ComfyUI and the workflows…")
        self.summary.setObjectName("setup_summary")
        self.summary.setWordWrap(True)
        self.servers = QLabel()
        self.servers.setObjectName("setup_servers")
        self.servers.setWordWrap(True)
        self.servers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.check_button = QPushButton("Check again")
        self.check_button.setObjectName("setup_check_again")
        self.check_button.clicked.connect(self.check)
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignTop)

        self.workflows = QWidget()
        self.workflows_layout = QVBoxLayout(self.workflows)
        self.workflows_layout.setContentsMargins(0, 0, 0, 0)
        self.ollama_box = OllamaModelsBox(self._ollama_service)
        self.ollama_box.models_changed.connect(self._ollama_changed)
        self.managed_box = ManagedComfyBox(context)
        self.managed_box.server_changed.connect(self.check)

        self.use_found = QPushButton()
        self.use_found.setObjectName("setup_use_found")
        self.use_found.hide()
        self.use_found.clicked.connect(self._use_found)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(self.servers)
        body_layout.addWidget(self.use_found, 0, Qt.AlignmentFlag.AlignLeft)
        body_layout.addWidget(self.workflows)
        body_layout.addWidget(self.ollama_box)
        body_layout.addWidget(self.managed_box)
        body_layout.addStretch(1)
        self.page = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.verticalScrollBar().rangeChanged.connect(lambda _lo, _hi: self._reveal())
        # the user scrolls: the page stays where they put it
        scroll.verticalScrollBar().actionTriggered.connect(lambda _a: self._drop_focus())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)

    # ---- checking --------------------------------------------------------------------------
    def check(self) -> None:
        if self.runner.is_running():
            self._again = True  # something changed while checking: check again after
            return
        self._again = False
        settings = self.context.settings.model_copy(deep=True)
        self.check_button.setEnabled(False)
        self.check_button.setToolTip("A check is running.")
        self.summary.setText("Checking Ollama, ComfyUI and the workflows…")
        self.managed_box.probe()
        self.runner.start(
            lambda _r, _t: check_setup(
                settings, models_dir=settings.models_dir(), cache=user_header_cache()
            )
        )
        self.ollama_box.refresh()

    def _after_check(self) -> None:
        if self._again:
            self.check()

    def _failed(self, error: object) -> None:
        self.check_button.setEnabled(True)
        self.check_button.setToolTip("")
        text = error.user_text() if isinstance(error, VidGenError) else str(error)
        self.summary.setText(f"<span style='color:{_BAD}'>The check failed: {text}</span>")

    def _show(self, report: object) -> None:
        assert isinstance(report, SetupReport)
        self.report = report
        self.check_button.setEnabled(True)
        self.check_button.setToolTip("")
        ready = report.ready
        self.summary.setText(
            f"<b style='color:{_OK}'>Ready: every shipped workflow can run here.</b>"
            if ready
            else f"<b style='color:{_BAD}'>Not ready yet</b> — what is missing is listed below, "
            "with what to do about it."
        )
        self.servers.setText(
            "<br>".join(_server_line(s) for s in (report.ollama, report.comfy))
            + (
                f"<br>Model files read from {report.models_read_from}."
                if report.models_read_from
                else ""
            )
        )
        found = next((x for x in (report.comfy, report.ollama) if x.found_at), None)
        self.use_found.setVisible(found is not None)
        if found is not None:
            self.use_found.setText(f"Use the {found.name} at {found.found_at}")
        self._clear_workflows()
        for finding in report.workflows:
            self.workflows_layout.addWidget(self._workflow_box(finding, report))
        self._scroll_to_focus()
        self._focus = ""  # once: a later check leaves the page where the user has it

    def _clear_workflows(self) -> None:
        for row in self.rows:
            if row.runner.is_running():
                return  # never drop a download in progress: it re-checks when it ends
        while self.workflows_layout.count():
            item = self.workflows_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows, self.pickers = [], []

    def _workflow_box(self, finding: WorkflowFinding, report: SetupReport) -> QGroupBox:
        wf = finding.workflow
        state = ("can run", _OK) if finding.can_run else ("cannot run yet", _BAD)
        box = QGroupBox(f"{wf.stage.value.title()} · {wf.name}")
        box.setObjectName(f"setup_wf_{wf.path.stem if wf.path else wf.name}")
        layout = QVBoxLayout(box)
        status = QLabel(f"<b style='color:{state[1]}'>{state[0]}</b>")
        status.setObjectName("setup_wf_state")
        layout.addWidget(status)
        for problem in finding.problems:
            if problem.kind is ProblemKind.MISSING_MODEL:
                continue
            label = QLabel(f"• {problem.user_text()}")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        shipped = {(m.node, m.input): m.file for m in wf.manifest.models}
        for s in finding.slots:
            picker = SlotPicker(
                s.slot, shipped.get((s.slot.node, s.slot.input), s.slot.file), report.catalog
            )
            picker.chosen.connect(lambda key, file, name=wf.name: self._choose(name, key, file))
            self.pickers.append(picker)
            layout.addWidget(picker)
            if s.state == "missing":
                model = manifest_model(wf, s.slot)
                dest = target_in(Path(s.target_dir), s.slot.file) if s.target_dir else None
                why = (
                    ""
                    if dest is not None
                    else (
                        f"ComfyUI's {s.slot.folder} folder is not on this machine: put "
                        f"{s.slot.file} into models/{s.slot.folder}/ on the computer ComfyUI runs "
                        "on, or set that folder in Settings if it is shared with this one."
                    )
                )
                url = s.slot.url
                if url and "/resolve/" not in url:
                    why = why or f"{url} is a page, not a file: download it from there by hand."
                source = mirrored(url, self.context.settings.download_mirror) if url else ""
                on_server = (
                    self._on_server(report, s.slot.folder, s.slot.file, source)
                    if dest is None and report.manager is not None and "/resolve/" in url
                    else None
                )
                row = DownloadRow(
                    s.slot.file,
                    s.slot.folder,
                    source,
                    dest,
                    size_text=f"{model.size_gb:.1f} GB" if model and model.size_gb else "",
                    sha256=model.sha256 if model else "",
                    why_not=why,
                    on_server=on_server,
                    partial_bytes=s.partial_bytes,
                )
                row.finished.connect(self._downloaded)
                self.rows.append(row)
                layout.addWidget(row)
        return box

    def _on_server(self, report: SetupReport, folder: str, file: str, url: str):
        """The worker's task: the server's ComfyUI-Manager fetches the file."""
        manager = report.manager
        assert manager is not None
        server = self.context.settings.comfyui_url

        def work(progress, token):
            from vidgen_desktop.comfy.client import ComfyClient
            from vidgen_desktop.pipeline.remote_fetch import fetch_on_server

            client = ComfyClient(server)
            try:
                return fetch_on_server(
                    client,
                    manager,
                    folder=folder,
                    file=file,
                    url=url,
                    report=progress,
                    token=token,
                )
            finally:
                client.close()

        return work

    def focus_on(self, stem: str) -> None:
        """Scroll to one workflow's box (now, or once the check has drawn it)."""
        self._focus = stem
        self._scroll_to_focus()

    def _scroll_to_focus(self) -> None:
        stem = getattr(self, "_focus", "")
        box = self.findChild(QGroupBox, f"setup_wf_{stem}") if stem else None
        self._focus_box = box
        if box is not None:
            QTimer.singleShot(0, self._reveal)

    def _drop_focus(self) -> None:
        self._focus_box = None

    def _reveal(self) -> None:
        """Also on every change of the page's height: the boxes' places (and how far the page
        scrolls) are known only once Qt has laid the new boxes out."""
        box = getattr(self, "_focus_box", None)
        if box is None:
            return
        try:
            self.page.ensureWidgetVisible(box, 0, 0)
        except RuntimeError:  # replaced by a newer check
            self._focus_box = None

    def _use_found(self) -> None:
        report = self.report
        if report is None:
            return
        s = self.context.settings
        if report.comfy.found_at:
            s.comfyui_url = report.comfy.found_at
        elif report.ollama.found_at:
            s.ollama_url = report.ollama.found_at
        self.context.update_settings()
        self.check()

    def _downloaded(self, _file: str) -> None:
        # the stages' client caches /object_info: the new file must show there too
        self.context.client_for(self.context.settings.comfyui_url).refresh()
        self.check()

    def _choose(self, workflow: str, key: str, file: str) -> None:
        self.context.settings.choose_model(workflow, key, file or None)
        self.context.update_settings()

    # ---- Ollama ------------------------------------------------------------------------------
    def _ollama_service(self):
        from vidgen_desktop.ollama_client.service import OllamaService

        return OllamaService(self.context.settings.effective_ollama_url())

    def _ollama_changed(self) -> None:
        signal = getattr(self.context, "ollama_models_changed", None)
        if signal is not None:
            signal.emit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.report is None and not self.runner.is_running():
            self.check()

    def done(self, result: int) -> None:
        for row in self.rows:
            row.shutdown()
        self.ollama_box.shutdown()
        self.managed_box.shutdown()
        self.runner.shutdown(3000)
        super().done(result)


def _server_line(server) -> str:
    if server.reachable:
        extra = server.facts()
        return f"<b>{server.name}</b> {server.version} at {server.url}" + (
            f" · {extra}" if extra else ""
        )
    return f"<b>{server.name}</b> <span style='color:{_BAD}'>is not reachable at {server.url}</span>: {server.error}"


def open_setup(parent: QWidget, context: AppContext) -> SetupDialog:
    dialog = SetupDialog(context, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
