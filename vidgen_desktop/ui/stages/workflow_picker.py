"""The workflow picker of a ComfyUI stage: which workflows exist, which this server can run, and
why not, said before anything is queued.

It checks the server off the GUI thread (the shipped workflows, the user's own files, then
/object_info), keeps the user's choice, and when that choice can no longer run here (the server
lost a node pack or a model file) it switches to one that can and says so, instead of changing
under the user's hands.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.workers.runner import TaskRunner
from vidgen_desktop.workflow import Availability, Stage, Workflow, availability, load_workflow
from vidgen_desktop.workflow import shipped_workflows as load_shipped

if TYPE_CHECKING:
    from vidgen_desktop.comfy.client import ComfyClient
    from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.servers.stage_server import StageServerRow

log = logging.getLogger(__name__)

OWN_FILE = "Use my own file…"
_OWN_ROLE = "own"


def check_server(clients: list[ComfyClient], stage: Stage, extra: list[Path], fresh: bool = False):
    """Worker side: load the stage's workflows, then ask the servers what they can run (a
    workflow is usable when one of them can run it; otherwise the first server's problems).

    `fresh` drops each client's cached /object_info first (the user installed models or packs).
    """

    def task(report: Any, token: Any) -> tuple[list[Workflow], list[Availability] | None, str]:
        workflows = load_shipped(stage=stage)
        for path in extra:
            try:
                workflows.append(load_workflow(path, stage=stage))
            except VidGenError as exc:
                log.warning("own workflow %s no longer loads: %s", path, exc.message)

        def ask(client: ComfyClient) -> list[Availability] | str:
            if fresh:
                client.refresh()
            try:
                return availability(workflows, client.object_info())
            except VidGenError as exc:
                return exc.user_text()

        with ThreadPoolExecutor(max_workers=max(1, len(clients))) as pool:
            replies = list(pool.map(ask, clients))  # all at once: a slow one holds up no other
        answers = [r for r in replies if not isinstance(r, str)]
        first_error = next((r for r in replies if isinstance(r, str)), "")
        if not answers:
            return workflows, None, first_error
        merged = [
            next((a[i] for a in answers if a[i].usable), answers[0][i])
            for i in range(len(workflows))
        ]
        return workflows, merged, ""

    return task


class WorkflowPicker(QGroupBox):
    """Signals: `selected(workflow or None)` after every change of the current workflow;
    `switched(str)` with the sentence to show when the user's choice was replaced; `own_failed`
    when a user's file did not load."""

    selected = Signal(object)
    switched = Signal(str)
    own_failed = Signal(object)

    def __init__(
        self, context: AppContext, stage: Stage, key: str, parent: QWidget | None = None
    ) -> None:
        super().__init__("Workflow", parent)
        self.context = context
        self.stage = stage
        self.key = key
        self.workflows: list[Workflow] = []
        self.available: dict[str, Availability] = {}
        self.server_message = ""

        self.combo = QComboBox()
        self.combo.setObjectName(f"{key}_workflow")
        self.combo.setMinimumContentsLength(16)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.addItem("Loading workflows…")
        self.combo.setEnabled(False)
        self.combo.activated.connect(self._on_activated)
        self.recheck_button = QPushButton("Re-check")
        self.recheck_button.setObjectName(f"{key}_recheck")
        self.recheck_button.setToolTip("Ask ComfyUI again which nodes and model files it has")
        self.recheck_button.clicked.connect(lambda: self.refresh(fresh=True))
        self.models_button = QPushButton("Models…")
        self.models_button.setObjectName(f"{key}_models")
        self.models_button.setToolTip(
            "What each model file of this workflow really is, pick another one, or download what "
            "is missing (Help › Set-up…)"
        )
        self.models_button.clicked.connect(self._open_models)
        self.info = QLabel()
        self.info.setObjectName(f"{key}_workflow_info")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label = QLabel()
        self.problems_label.setObjectName(f"{key}_problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label.setStyleSheet("color: #b26a00;")
        self.problems_label.hide()
        self.server_row = StageServerRow(context, key)
        self.server_row.changed.connect(lambda: self.refresh())
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.recheck_button)
        row.addWidget(self.models_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.server_row)
        layout.addWidget(self.info)
        layout.addWidget(self.problems_label)

        self._setup_followed: object = None
        self.checker = TaskRunner(f"{key}-check", self)
        self.checker.succeeded.connect(self._on_checked)
        self.checker.failed.connect(self._on_check_failed)
        self.checker.done.connect(self._after_check)
        self._own_runner: TaskRunner | None = None
        self._again = False
        self._again_fresh = False

    # ---- state -------------------------------------------------------------------------------
    def current(self) -> Workflow | None:
        data = self.combo.currentData()
        if isinstance(data, int) and 0 <= data < len(self.workflows):
            return self.workflows[data]
        return None

    def availability_of(self, workflow: Workflow | None) -> Availability | None:
        return self.available.get(workflow.name) if workflow is not None else None

    def show_problems(self, text: str) -> None:
        self.problems_label.setText(text)
        self.problems_label.setVisible(bool(text))

    # ---- checking ----------------------------------------------------------------------------
    def _open_models(self) -> None:
        window = self.window()
        opener = getattr(window, "open_setup", None)
        if opener is None:
            return
        wf = self.current()
        stem = wf.path.stem if wf is not None and wf.path is not None else ""
        dialog = opener(focus=stem)
        if dialog is not None and dialog is not self._setup_followed:
            # picked or downloaded files show here as soon as the page closes
            dialog.finished.connect(lambda _r: self.refresh(fresh=True))
            self._setup_followed = dialog

    def refresh(self, fresh: bool = False) -> None:
        if self.checker.is_running():
            self._again = True
            self._again_fresh = self._again_fresh or fresh
            return
        extra = [Path(p) for p in self._own_paths()]
        self.recheck_button.setEnabled(False)
        clients = [self.context.client_for(url) for url in self.server_row.servers_to_check()]
        self.checker.start(check_server(clients, self.stage, extra, fresh))

    def _after_check(self) -> None:
        self.recheck_button.setEnabled(True)
        if self._again:
            fresh, self._again, self._again_fresh = self._again_fresh, False, False
            self.refresh(fresh)

    def _own_paths(self) -> list[str]:
        own = self.context.settings.stage_values.get(f"{self.key}.own_workflows", [])
        return [p for p in own if isinstance(p, str)] if isinstance(own, list) else []

    def _on_checked(self, result: tuple[list[Workflow], list[Availability] | None, str]) -> None:
        workflows, avail, message = result
        previous = self.current()
        wanted = self.context.settings.workflows.get(self.key) or (
            previous.name if previous else ""
        )
        self.workflows = workflows
        self.available = {a.workflow.name: a for a in avail} if avail is not None else {}
        self.server_message = message
        combo = self.combo
        combo.blockSignals(True)
        combo.clear()
        first_usable = -1
        for i, wf in enumerate(workflows):
            a = self.available.get(wf.name)
            combo.addItem(wf.name if a is None or a.usable else f"{wf.name} — needs setup", i)
            tip = wf.manifest.description or wf.name
            if a is not None and not a.usable:
                tip += "\n\nNot usable on this server yet:\n" + a.reason()
            combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            if first_usable < 0 and (a is None or a.usable):
                first_usable = combo.count() - 1
        combo.addItem(OWN_FILE, _OWN_ROLE)
        combo.setItemData(
            combo.count() - 1,
            "Pick a workflow you exported from ComfyUI with "
            "“Export (API)” and titled as workflows/README.md explains",
            Qt.ItemDataRole.ToolTipRole,
        )
        index, notice = self._choose(wanted, first_usable)
        combo.setCurrentIndex(index)
        combo.blockSignals(False)
        combo.setEnabled(True)
        self._selected()
        if notice:
            self.switched.emit(notice)

    def _choose(self, wanted: str, first_usable: int) -> tuple[int, str]:
        """The index to show, and what to tell the user when it is not what they chose."""
        fallback = max(first_usable, 0)
        if not wanted:
            return fallback, ""
        position = next((i for i, wf in enumerate(self.workflows) if wf.name == wanted), None)
        if position is None:
            if first_usable < 0:
                return fallback, ""
            return fallback, (
                f"“{wanted}”, the workflow you used last time, is no longer in the list "
                f"(its file is gone); switched to “{self.workflows[first_usable].name}”."
            )
        a = self.available.get(wanted)
        if a is None or a.usable or first_usable < 0:
            return self.combo.findData(position), ""
        switched_to = self.workflows[first_usable].name  # combo rows follow the list's order
        return fallback, (
            f"“{wanted}” cannot run on this ComfyUI any more ({a.reason()}); switched "
            f"to “{switched_to}”. Pick it again once the server has what it needs."
        )

    def _on_check_failed(self, error: VidGenError) -> None:
        self.server_message = error.user_text()
        self.combo.setEnabled(True)
        self.selected.emit(self.current())

    # ---- choosing ------------------------------------------------------------------------------
    def _on_activated(self, index: int) -> None:
        if self.combo.itemData(index) == _OWN_ROLE:
            self._pick_own()
            return
        wf = self.current()
        if wf is not None:
            self.context.settings.workflows[self.key] = wf.name
            self.context.update_settings()
        self._selected()

    def _pick_own(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Choose a ComfyUI workflow (API format)",
            str(Path.home()),
            "Workflow JSON (*.json)",
        )
        if not path:
            self.restore_selection()
            return
        self.add_own(Path(path))

    def add_own(self, path: Path) -> None:
        """Load a user's exported workflow off the GUI thread; a rejected file is explained."""
        stage = self.stage

        def task(report: Any, token: Any) -> Workflow:
            return load_workflow(path, stage=stage)

        runner = TaskRunner(f"{self.key}-own", self)
        runner.succeeded.connect(lambda wf: self._on_own_loaded(path, wf))
        runner.failed.connect(self._on_own_failed)
        runner.done.connect(self._forget_own_runner)
        runner.done.connect(runner.deleteLater)
        self._own_runner = runner
        runner.start(task)

    def _forget_own_runner(self) -> None:
        self._own_runner = None

    def _on_own_loaded(self, path: Path, wf: Workflow) -> None:
        own = self._own_paths()
        if str(path) not in own:
            own.append(str(path))
        self.context.settings.stage_values[f"{self.key}.own_workflows"] = own
        self.context.settings.workflows[self.key] = wf.name
        self.context.update_settings()  # also re-checks the server, which re-lists the workflows

    def _on_own_failed(self, error: VidGenError) -> None:
        self.restore_selection()
        self.own_failed.emit(error)

    def restore_selection(self) -> None:
        name = self.context.settings.workflows.get(self.key, "")
        for i, wf in enumerate(self.workflows):
            if wf.name == name:
                self.combo.setCurrentIndex(self.combo.findData(i))
                return
        self.combo.setCurrentIndex(0)

    def _selected(self) -> None:
        wf = self.current()
        info = ""
        if wf is not None:
            parts = [wf.manifest.description or ""]
            if wf.inferred:
                parts.append(f"Your own workflow ({wf.path.name if wf.path else ''}).")
            info = " ".join(p for p in parts if p)
        self.info.setText(info)
        a = self.availability_of(wf)
        self.show_problems(
            "Before this can run:\n" + a.reason() if a is not None and not a.usable else ""
        )
        self.selected.emit(wf)

    def shutdown(self) -> None:
        self.checker.shutdown(5000)
        if self._own_runner is not None:
            self._own_runner.shutdown(5000)
