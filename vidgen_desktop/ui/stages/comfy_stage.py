"""What the Image, Voice and Video panels share: a workflow picker that says what a server lacks
before anything is queued, Generate/Cancel in one fixed place, live progress and previews, the
output view and its takes.

Subclasses add their inputs (`build_inputs`), their output view (`build_output`), turn the inputs
into a `StageRequest` (`build_request`, GUI thread, no I/O) and show a take (`show_take`).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import InvalidInput, StorageError, VidGenError
from vidgen_desktop.core.media_info import duration_seconds, media_kind
from vidgen_desktop.core.progress import Progress, format_duration
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.pipeline.types import PreflightFailed, StageOutcome, StageRequest
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.stage_panel import StagePanel, StageState, StageStatus
from vidgen_desktop.ui.widgets.error_banner import ErrorBanner
from vidgen_desktop.ui.widgets.takes_strip import TakesStrip
from vidgen_desktop.workers.runner import TaskRunner
from vidgen_desktop.workflow import Availability, Stage, Workflow, availability, load_workflow
from vidgen_desktop.workflow import shipped_workflows as load_shipped

if TYPE_CHECKING:
    from vidgen_desktop.comfy.client import ComfyClient

log = logging.getLogger(__name__)

OWN_FILE = "Use my own file…"
_OWN_ROLE = "own"


def _check_server(client: ComfyClient, stage: Stage, extra: list[Path], fresh: bool = False):  # noqa: ANN202
    """Worker side: load the stage's workflows, then ask the server what it can run.

    `fresh` drops the client's cached /object_info first (the user installed models or packs).
    """

    def task(report, token) -> tuple[list[Workflow], list[Availability] | None, str]:  # noqa: ANN001
        if fresh:
            client.refresh()
        workflows = load_shipped(stage=stage)
        for path in extra:
            try:
                workflows.append(load_workflow(path, stage=stage))
            except VidGenError as exc:
                log.warning("own workflow %s no longer loads: %s", path, exc.message)
        try:
            info = client.object_info()
        except VidGenError as exc:
            return workflows, None, exc.user_text()
        return workflows, availability(workflows, info), ""

    return task


class ComfyStagePanel(StagePanel):
    """Base panel of a ComfyUI stage; see the module docstring for what subclasses provide."""

    stage: Stage
    kind: str = "image"  # image | audio | video (the take kind)
    generate_text: str = "Generate"
    #: long jobs (video) ask before cancelling
    confirm_long_cancel: bool = False
    #: refresh progress text/bars at most this often (ms); 0 = every message. Previews always show.
    progress_interval_ms: int = 0

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setObjectName(f"{self.key}_panel")
        self.workflows: list[Workflow] = []
        self.available: dict[str, Availability] = {}
        self.server_message = ""
        self._last_request: StageRequest | None = None
        self._started_title = ""

        self.banner = ErrorBanner()
        self.banner.setObjectName(f"{self.key}_banner")
        self.banner.action_clicked.connect(self._on_banner_action)
        self._banner_action = ""

        # -- workflow picker -------------------------------------------------------------------
        self.workflow_combo = QComboBox()
        self.workflow_combo.setObjectName(f"{self.key}_workflow")
        self.workflow_combo.setMinimumContentsLength(28)
        self.workflow_combo.addItem("Loading workflows…")
        self.workflow_combo.setEnabled(False)
        self.workflow_combo.activated.connect(self._on_workflow_activated)
        self.recheck_button = QPushButton("Re-check server")
        self.recheck_button.setToolTip("Ask ComfyUI again which nodes and model files it has")
        self.recheck_button.clicked.connect(self.recheck_server)
        self.workflow_info = QLabel()
        self.workflow_info.setObjectName(f"{self.key}_workflow_info")
        self.workflow_info.setWordWrap(True)
        self.workflow_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label = QLabel()
        self.problems_label.setObjectName(f"{self.key}_problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label.setStyleSheet("color: #b26a00;")
        self.problems_label.hide()

        picker_row = QHBoxLayout()
        picker_row.addWidget(self.workflow_combo, 1)
        picker_row.addWidget(self.recheck_button)
        picker_box = QGroupBox("Workflow")
        picker_layout = QVBoxLayout(picker_box)
        picker_layout.addLayout(picker_row)
        picker_layout.addWidget(self.workflow_info)
        picker_layout.addWidget(self.problems_label)

        # -- inputs (subclass) -------------------------------------------------------------------
        inputs = QWidget()
        self.inputs_layout = QVBoxLayout(inputs)
        self.inputs_layout.setContentsMargins(0, 0, 0, 0)
        self.inputs_layout.addWidget(picker_box)
        self.build_inputs(self.inputs_layout)
        self.inputs_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inputs)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        # -- primary action + progress -------------------------------------------------------------
        self.generate_button = QPushButton(self.generate_text)
        self.generate_button.setObjectName(f"{self.key}_generate")
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumWidth(140)
        self.generate_button.clicked.connect(self._on_primary)
        self.disabled_reason = QLabel()
        self.disabled_reason.setObjectName(f"{self.key}_disabled_reason")
        self.disabled_reason.setWordWrap(True)
        self.disabled_reason.setStyleSheet("color: palette(placeholder-text);")
        self.next_button = QPushButton("Next →")
        self.next_button.setObjectName(f"{self.key}_next")
        self.next_button.clicked.connect(self.next_requested)
        action_row = QHBoxLayout()
        action_row.addWidget(self.disabled_reason, 1)
        action_row.addWidget(self.next_button)
        action_row.addWidget(self.generate_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        left_layout.addWidget(self.banner)
        left_layout.addWidget(scroll, 1)
        left_layout.addLayout(action_row)

        # -- output side ------------------------------------------------------------------------
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName(f"{self.key}_progress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName(f"{self.key}_progress_text")
        self.progress_label.setWordWrap(True)
        self.takes = TakesStrip(self.kind)
        self.takes.chosen.connect(self._on_take_chosen)
        self.takes.import_requested.connect(self._on_import_clicked)
        self.takes.files_dropped.connect(self.import_files)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.build_output(), 1)
        right_layout.addWidget(self.progress_bar)
        right_layout.addWidget(self.progress_label)
        right_layout.addWidget(self.takes)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        # -- workers ---------------------------------------------------------------------------
        self.runner = TaskRunner(f"{self.key}-job", self)
        self.runner.progress.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.done.connect(self._on_job_done)
        self.checker = TaskRunner(f"{self.key}-check", self)
        self.checker.succeeded.connect(self._on_checked)
        self.checker.failed.connect(self._on_check_failed)
        self.checker.done.connect(self._after_check)
        self._recheck_wanted = False
        self._recheck_fresh = False
        self._job_ended = True
        self._pending_progress: Progress | None = None
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(max(self.progress_interval_ms, 1))
        self._progress_timer.timeout.connect(self._flush_progress)
        self.importer = TaskRunner(f"{self.key}-import", self)
        self.importer.succeeded.connect(self._on_imported)
        self.importer.failed.connect(self._show_input_error)

        context.project_changed.connect(lambda _p: self.refresh_takes())
        context.scene_changed.connect(lambda _s: self._inputs_changed())
        context.takes_changed.connect(self._on_any_takes_changed)
        context.settings_changed.connect(self.refresh_workflows)
        self.refresh_takes()
        self.update_actions()
        QTimer.singleShot(0, self.refresh_workflows)

    # ---- for subclasses ------------------------------------------------------------------------
    def build_inputs(self, layout: QVBoxLayout) -> None:
        raise NotImplementedError

    def build_output(self) -> QWidget:
        raise NotImplementedError

    def build_request(self, workflow: Workflow) -> StageRequest:
        """Collect the inputs (GUI thread, no I/O); raise InvalidInput with a readable message."""
        raise NotImplementedError

    def show_take(self, take: Take | None, path: Path | None) -> None:
        raise NotImplementedError

    def missing_inputs(self) -> str:
        """Why this stage cannot run yet ("" when its inputs exist)."""
        return ""

    def validate_import(self, path: Path) -> dict[str, Any] | None:
        """Worker side: refuse a file that is not this stage's kind (subclasses check deeper).

        May return extra Take fields learnt while checking (e.g. {"width": .., "height": ..}).
        """
        if not path.is_file():
            raise InvalidInput(f"{path} is not a file.")
        if media_kind(path) != self.kind:
            raise InvalidInput(f"{path.name} is not {'an' if self.kind == 'image' else 'a'} "
                               f"{self.kind} file this stage can use.")

    def prepare_preview(self, data: bytes) -> Any:
        """Worker side: turn a preview frame into what show_preview wants (e.g. a decoded QImage).
        The default passes the JPEG/PNG bytes through unchanged."""
        return data

    def show_preview(self, data: bytes) -> None:
        """A live preview frame while sampling (image/video stages override); it receives what
        prepare_preview returned (bytes unless the panel overrides that)."""

    def workflow_changed(self, workflow: Workflow | None) -> None:
        """Show only the controls the chosen workflow binds; fill in its defaults."""

    def postprocess(self, outcome: StageOutcome, project: Project) -> StageOutcome:
        """Worker side, right after run_stage (no widgets here): inspect or annotate the take."""
        return outcome

    # ---- helpers for subclasses ------------------------------------------------------------------
    @staticmethod
    def form_group(title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return box, form

    def current_workflow(self) -> Workflow | None:
        data = self.workflow_combo.currentData()
        if isinstance(data, int) and 0 <= data < len(self.workflows):
            return self.workflows[data]
        return None

    def remember(self, name: str, value: Any) -> None:
        self.context.settings.stage_values[f"{self.key}.{name}"] = value

    def recalled(self, name: str, default: Any) -> Any:
        return self.context.settings.stage_values.get(f"{self.key}.{name}", default)

    @property
    def project(self) -> Project | None:
        return self.context.project

    # ---- StagePanel ------------------------------------------------------------------------------
    def stage_state(self) -> StageState:
        if self.runner.is_running():
            return StageState(StageStatus.running, self.progress_label.text())
        missing = self.missing_inputs()
        if missing:
            return StageState(StageStatus.locked, missing)
        if self.project is not None and self.project.chosen_take(self.key) is not None:
            return StageState(StageStatus.done, "A take is chosen; generate more to compare.")
        return StageState(StageStatus.ready, "Ready to generate.")

    def is_busy(self) -> bool:
        return self.runner.is_running()

    def busy_description(self) -> str:
        return self.progress_label.text() or "generating"

    def start_primary(self) -> None:
        if not self.runner.is_running() and self.generate_button.isEnabled():
            self.generate()

    def stop(self) -> None:
        if self.runner.is_running():
            self.cancel()

    def shutdown(self) -> None:
        for runner in (self.runner, self.checker, self.importer):
            runner.shutdown(5000)
        self.takes.shutdown()

    # ---- workflows -----------------------------------------------------------------------------
    def refresh_workflows(self, fresh: bool = False) -> None:
        if self.checker.is_running():
            self._recheck_wanted = True
            self._recheck_fresh = self._recheck_fresh or fresh
            return
        extra = [Path(p) for p in self._own_paths()]
        self.recheck_button.setEnabled(False)
        self.checker.start(_check_server(self.context.comfy_client(), self.stage, extra, fresh))

    def recheck_server(self) -> None:
        """Re-check button: ask ComfyUI again, not the cached node list."""
        self.refresh_workflows(fresh=True)

    def attach_comfy_monitor(self, monitor) -> None:  # noqa: ANN001 - ui.comfy_monitor.ComfyMonitor
        """Re-check by itself when ComfyUI comes up (or goes away), so Generate follows the server."""
        monitor.reachability_changed.connect(lambda _up: self.refresh_workflows(fresh=True))

    def _own_paths(self) -> list[str]:
        own = self.context.settings.stage_values.get(f"{self.key}.own_workflows", [])
        return [p for p in own if isinstance(p, str)]

    def _after_check(self) -> None:
        self.recheck_button.setEnabled(True)
        if self._recheck_wanted:
            fresh, self._recheck_wanted, self._recheck_fresh = self._recheck_fresh, False, False
            self.refresh_workflows(fresh)

    def _on_checked(self, result: tuple[list[Workflow], list[Availability] | None, str]) -> None:
        workflows, avail, message = result
        previous = self.current_workflow()
        wanted = self.context.settings.workflows.get(self.key) or (previous.name if previous else "")
        self.workflows = workflows
        self.available = {a.workflow.name: a for a in avail} if avail is not None else {}
        self.server_message = message
        combo = self.workflow_combo
        combo.blockSignals(True)
        combo.clear()
        first_usable = -1
        for i, wf in enumerate(workflows):
            a = self.available.get(wf.name)
            label = wf.name if a is None or a.usable else f"{wf.name} — needs setup"
            combo.addItem(label, i)
            tip = wf.manifest.description or wf.name
            if a is not None and not a.usable:
                tip += "\n\nNot usable on this server yet:\n" + a.reason()
            combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            if first_usable < 0 and (a is None or a.usable):
                first_usable = combo.count() - 1
        combo.addItem(OWN_FILE, _OWN_ROLE)
        combo.setItemData(combo.count() - 1, "Pick a workflow you exported from ComfyUI with "
                          "“Export (API)” and titled as workflows/README.md explains",
                          Qt.ItemDataRole.ToolTipRole)
        index = next((combo.findData(i) for i, wf in enumerate(workflows) if wf.name == wanted), -1)
        combo.setCurrentIndex(index if index >= 0 else max(first_usable, 0))
        combo.blockSignals(False)
        combo.setEnabled(True)
        self._workflow_selected()

    def _on_check_failed(self, error: VidGenError) -> None:
        self.server_message = error.user_text()
        self.workflow_combo.setEnabled(True)
        self.update_actions()

    def _on_workflow_activated(self, index: int) -> None:
        if self.workflow_combo.itemData(index) == _OWN_ROLE:
            self._pick_own_workflow()
            return
        wf = self.current_workflow()
        if wf is not None:
            self.context.settings.workflows[self.key] = wf.name
            self.context.update_settings()
        self._workflow_selected()

    def _pick_own_workflow(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a ComfyUI workflow (API format)", str(Path.home()), "Workflow JSON (*.json)"
        )
        if not path:
            self._restore_selection()
            return
        self.add_own_workflow(Path(path))

    def add_own_workflow(self, path: Path) -> None:
        """Load a user's exported workflow off the GUI thread; a rejected file is explained."""
        stage = self.stage

        def task(report, token) -> Workflow:  # noqa: ANN001
            return load_workflow(path, stage=stage)

        runner = TaskRunner(f"{self.key}-own", self)
        runner.succeeded.connect(lambda wf: self._on_own_loaded(path, wf))
        runner.failed.connect(self._on_own_failed)
        runner.done.connect(runner.deleteLater)
        self._own_runner = runner
        runner.start(task)

    def _on_own_loaded(self, path: Path, wf: Workflow) -> None:
        own = self._own_paths()
        if str(path) not in own:
            own.append(str(path))
        self.context.settings.stage_values[f"{self.key}.own_workflows"] = own
        self.context.settings.workflows[self.key] = wf.name
        self.context.update_settings()  # also re-checks the server, which re-lists the workflows
        self.banner.hide()

    def _on_own_failed(self, error: VidGenError) -> None:
        self._restore_selection()
        self._show_input_error(error)

    def _restore_selection(self) -> None:
        wf_name = self.context.settings.workflows.get(self.key, "")
        for i, wf in enumerate(self.workflows):
            if wf.name == wf_name:
                self.workflow_combo.setCurrentIndex(self.workflow_combo.findData(i))
                return
        self.workflow_combo.setCurrentIndex(0)

    def _workflow_selected(self) -> None:
        wf = self.current_workflow()
        info = ""
        if wf is not None:
            parts = [wf.manifest.description or ""]
            if wf.inferred:
                parts.append(f"Your own workflow ({wf.path.name if wf.path else ''}).")
            info = " ".join(p for p in parts if p)
        self.workflow_info.setText(info)
        a = self.available.get(wf.name) if wf is not None else None
        if a is not None and not a.usable:
            self.problems_label.setText("Before this can run:\n" + a.reason())
            self.problems_label.show()
        else:
            self.problems_label.hide()
        self.workflow_changed(wf)
        self.update_actions()

    # ---- actions ------------------------------------------------------------------------------
    def _inputs_changed(self) -> None:
        self.update_actions()
        self.state_changed.emit()

    def update_actions(self) -> None:
        """Enable Generate only when it can work; otherwise say why, next to the button."""
        running = self.runner.is_running()
        reason = ""
        wf = self.current_workflow()
        a = self.available.get(wf.name) if wf is not None else None
        if running:
            reason = ""
        elif self.missing_inputs():
            reason = self.missing_inputs()
        elif self.server_message:
            reason = f"ComfyUI: {self.server_message}"
        elif wf is None:
            reason = "Choose a workflow first."
        elif a is not None and not a.usable:
            reason = "The chosen workflow needs setup on the server (see above)."
        self.generate_button.setText("Cancel" if running else self.generate_text)
        self.generate_button.setEnabled(running or not reason)
        self.generate_button.setToolTip(reason or ("Stop this job (Esc)" if running
                                                   else f"{self.generate_text} (Ctrl+Enter)"))
        self.disabled_reason.setText(reason)
        chosen = self.project.chosen_take(self.key) if self.project else None
        self.next_button.setEnabled(chosen is not None and not running)
        self.next_button.setToolTip("" if chosen else "Generate or import a take first.")

    def _on_primary(self) -> None:
        if self.runner.is_running():
            self.cancel()
        else:
            self.generate()

    def generate(self) -> None:
        wf = self.current_workflow()
        if wf is None or self.project is None:
            return
        try:
            request = self.build_request(wf)
        except InvalidInput as exc:
            self._show_input_error(exc)  # an input to fix: no "Retry" that would fail the same way
            return
        self.banner.hide()
        a = self.available.get(wf.name)
        if a is None or a.usable:
            self.problems_label.hide()  # old refusals no longer apply to this attempt
        self._last_request = request
        self.context.settings.workflows[self.key] = wf.name
        # Only persist: settings_changed would make every panel and monitor re-ask the servers
        # at the very moment the job starts (a 50-90 ms GUI stall measured on the click).
        self.context.save_settings()
        context, project = self.context, self.project
        client = context.comfy_client()
        settings = context.settings.model_copy(deep=True)

        post, prepare = self.postprocess, self.prepare_preview

        def task(report, token) -> StageOutcome:  # noqa: ANN001
            def relay(p: Progress) -> None:  # decode previews here, not in the GUI thread
                if p.kind == "preview" and p.preview:
                    p = replace(p, extra=dict(p.extra, prepared=prepare(p.preview)))
                report(p)

            from vidgen_desktop.pipeline.stage_job import run_stage  # loads the ComfyUI client

            outcome = run_stage(client, project, request, relay, token, settings=settings,
                                step_rates=context.step_rates, add_to_project=False)
            return post(outcome, project)

        self._started_title = f"{self.title}: {wf.name}"
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.progress_label.setText("Starting…")
        self._job_ended = False
        self.runner.start(task)
        self.update_actions()
        self.state_changed.emit()

    def cancel(self) -> None:
        if self._job_ended:
            return  # the job already finished; its thread is only winding down
        if self.confirm_long_cancel:
            from PySide6.QtWidgets import QMessageBox

            answer = QMessageBox.question(
                self, "Cancel this job?",
                "The job has been running for a while; cancelling throws away its progress.\n"
                "Cancel it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.progress_label.setText("Cancelling…")
        self.generate_button.setEnabled(False)
        self.runner.cancel()

    # ---- job signals -----------------------------------------------------------------------------
    def _on_progress(self, p: Progress) -> None:
        if p.kind == "preview" and p.preview:
            self.show_preview(p.extra.get("prepared", p.preview))
            return
        # 50 step messages a second relayout labels and repaint both progress bars each time:
        # panels may show the newest at most every `progress_interval_ms` (the first at once,
        # the final 100 % at once).
        self._pending_progress = p
        final = p.fraction is not None and p.fraction >= 1.0
        if self.progress_interval_ms <= 0 or final:
            self._progress_timer.stop()
            self._apply_progress()
        elif not self._progress_timer.isActive():
            self._apply_progress()
            self._progress_timer.start()

    def _flush_progress(self) -> None:
        if self._pending_progress is not None and self.runner.is_running() and not self._job_ended:
            self._apply_progress()
            self._progress_timer.start()

    def _apply_progress(self) -> None:
        p, self._pending_progress = self._pending_progress, None
        if p is None:
            return
        if p.fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(max(0.0, min(1.0, p.fraction)) * 1000))
        parts = [p.message] if p.message else []
        if p.elapsed_s is not None:
            parts.append(f"elapsed {format_duration(p.elapsed_s)}")
        if p.eta_s is not None:
            parts.append(f"about {format_duration(p.eta_s)} left")
        if parts:
            self.progress_label.setText(" · ".join(parts))
        self.context.job_progress.emit(self._started_title, p)

    def _on_succeeded(self, outcome: StageOutcome) -> None:
        self._job_ended = True
        if self.project is None:
            return
        self.project.add_take(outcome.take)
        self.progress_label.setText(
            f"Done in {format_duration(outcome.job.elapsed_s)} · seed {outcome.seed}"
            if outcome.seed is not None else f"Done in {format_duration(outcome.job.elapsed_s)}")
        self.context.job_finished.emit(f"{self.title} done")
        if outcome.handoff is not None and outcome.handoff.performed and not outcome.handoff.confirmed:
            self.banner.show_message(outcome.handoff.message, level="warning")
        self.context.notify_takes(self.key)

    def _on_failed(self, error: VidGenError) -> None:
        self._job_ended = True
        self.progress_label.setText("Failed.")
        self.context.job_finished.emit(f"{self.title} failed")
        self._show_error(error)

    def _on_cancelled(self) -> None:
        self._job_ended = True
        self.progress_label.setText("Cancelled. Nothing was kept from this run.")
        self.context.job_finished.emit(f"{self.title} cancelled")

    def _on_job_done(self) -> None:
        self._progress_timer.stop()
        self._pending_progress = None
        self.progress_bar.hide()
        self.update_actions()
        self.state_changed.emit()

    def _show_error(self, error: VidGenError) -> None:
        if isinstance(error, PreflightFailed):
            self._banner_action = "recheck"
            self.banner.show_message(error.message, detail=error.detail, action="Re-check server")
            self.problems_label.setText("Before this can run:\n" + error.detail)
            self.problems_label.show()
            return
        from vidgen_desktop.comfy.errors import WorkflowRejected

        if isinstance(error, WorkflowRejected) and error.problems:
            # per input, next to the workflow they belong to (the banner has the summary)
            self.problems_label.setText("ComfyUI refused these inputs:\n"
                                        + "\n".join(f"• {p.message}" for p in error.problems))
            self.problems_label.show()
        self._banner_action = "retry" if self._last_request is not None else ""
        self.banner.show_error(error, action="Retry" if self._banner_action else "")

    def _show_input_error(self, error: VidGenError) -> None:
        self._banner_action = ""
        self.banner.show_error(error)

    def _on_banner_action(self) -> None:
        self.banner.hide()
        if self._banner_action == "recheck":
            self.recheck_server()
        elif self._banner_action == "retry":
            self.generate()

    # ---- takes ---------------------------------------------------------------------------------
    def refresh_takes(self) -> None:
        project = self.project
        if project is None:
            return
        chosen = project.chosen_take(self.key)
        self.takes.set_takes(project.takes_for(self.key), chosen.id if chosen else None, project.root)
        self.show_take(chosen, project.path_of(chosen) if chosen else None)
        self.update_actions()

    def _on_any_takes_changed(self, stage: str) -> None:
        if stage == self.key:
            self.refresh_takes()
        self._inputs_changed()

    def _on_take_chosen(self, take_id: str) -> None:
        if self.project is None:
            return
        self.project.choose(self.key, take_id)
        self.context.notify_takes(self.key)

    def _on_import_clicked(self) -> None:
        filters = {
            "image": "Images (*.png *.jpg *.jpeg *.webp)",
            "audio": "Audio (*.wav *.flac *.mp3 *.ogg)",
            "video": "Video (*.mp4 *.webm *.mov)",
        }[self.kind]
        paths, _ = QFileDialog.getOpenFileNames(self, f"Import {self.kind}", str(Path.home()), filters)
        if paths:
            self.import_files(paths)

    def import_files(self, paths: list[str]) -> None:
        """Copy the files into the project off the GUI thread; each becomes a take."""
        project, stage, kind, validate = self.project, self.key, self.kind, self.validate_import
        if project is None or self.importer.is_running():
            return

        def task(report, token) -> list[Take]:  # noqa: ANN001
            takes = []
            for src in map(Path, paths):
                token.raise_if_cancelled()
                fields = validate(src) or {}
                target = project.unique_path(stage, src.name)
                try:
                    shutil.copyfile(src, target)
                except OSError as exc:
                    raise StorageError(f"Could not copy {src.name} into the project.",
                                       detail=str(exc)) from exc
                duration = duration_seconds(target) if kind in ("audio", "video") else None
                takes.append(Take(stage=stage, file=project.relative(target), kind=kind,  # type: ignore[arg-type]
                                  source="imported", duration_s=duration,
                                  settings={"imported from": src.name}, **fields))
            return takes

        self.importer.start(task)

    def _on_imported(self, takes: list[Take]) -> None:
        if self.project is None or not takes:
            return
        for take in takes:
            self.project.add_take(take)
        self.context.notify_takes(self.key)
