"""What the Image, Voice and Video panels share: a workflow picker that says what a server lacks
before anything is queued, Generate/Cancel in one fixed place, live progress and previews, the
output view and its takes.

Subclasses add their inputs (`build_inputs`), their output view (`build_output`), turn the inputs
into a `StageRequest` (`build_request`, GUI thread, no I/O) and show a take (`show_take`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import InvalidInput, VidGenError
from vidgen_desktop.core.progress import Progress, format_duration
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.pipeline.inputs import changed_inputs
from vidgen_desktop.pipeline.types import PreflightFailed, StageOutcome, StageRequest

if TYPE_CHECKING:
    from vidgen_desktop.pipeline.resume import ResumeOutcome
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.job_queue import JobFn
from vidgen_desktop.ui.stage_panel import StagePanel, StageState, StageStatus, stale_reason
from vidgen_desktop.ui.stages.comfy_stage_hooks import ComfyStageHooks
from vidgen_desktop.ui.stages.input_autosave import InputAutosave
from vidgen_desktop.ui.stages.job_progress import JobProgress
from vidgen_desktop.ui.stages.panel_job import PanelJob
from vidgen_desktop.ui.stages.stage_inputs import confirm_cancel
from vidgen_desktop.ui.stages.stage_layout import action_row, two_panes
from vidgen_desktop.ui.stages.stage_tasks import generate_task, resume_task
from vidgen_desktop.ui.stages.take_importer import TakeImporter
from vidgen_desktop.ui.stages.unfinished_work import UnfinishedWork
from vidgen_desktop.ui.stages.workflow_picker import WorkflowPicker
from vidgen_desktop.ui.widgets.error_banner import ErrorBanner
from vidgen_desktop.ui.widgets.scroll_column import ScrollColumn
from vidgen_desktop.ui.widgets.takes_strip import TakesStrip
from vidgen_desktop.workflow import Availability, Stage, Workflow

log = logging.getLogger(__name__)


class ComfyStagePanel(ComfyStageHooks, StagePanel):
    """Base panel of a ComfyUI stage; see the module docstring for what subclasses provide."""

    stage: Stage
    generate_text: str = "Generate"
    #: long jobs (video) ask before cancelling
    confirm_long_cancel: bool = False
    #: refresh progress text/bars at most this often (ms); 0 = every message. Previews always show.
    progress_interval_ms: int = 0

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setObjectName(f"{self.key}_panel")
        self._last_request: StageRequest | None = None
        self._started_title = ""

        self.banner = ErrorBanner()
        self.banner.setObjectName(f"{self.key}_banner")
        self.banner.action_clicked.connect(self._on_banner_action)
        self._banner_action = ""

        # -- workflow picker -------------------------------------------------------------------
        self.picker = WorkflowPicker(context, self.stage, self.key)
        self.picker.selected.connect(self._workflow_selected)
        self.picker.switched.connect(lambda text: self.banner.show_message(text, level="info"))
        self.picker.own_failed.connect(self._show_input_error)
        self.workflow_combo = self.picker.combo
        self.recheck_button = self.picker.recheck_button
        self.problems_label = self.picker.problems_label
        self.checker = self.picker.checker
        picker_box = self.picker

        # -- inputs (subclass) -------------------------------------------------------------------
        inputs = QWidget()
        self.inputs_layout = QVBoxLayout(inputs)
        self.inputs_layout.setContentsMargins(0, 0, 0, 0)
        self.inputs_layout.addWidget(picker_box)
        self.build_inputs(self.inputs_layout)
        self.inputs_layout.addStretch(1)
        scroll = ScrollColumn(inputs)

        # -- primary action + progress -------------------------------------------------------------
        action, self.generate_button, self.disabled_reason, self.next_button = action_row(
            self.key, self.generate_text
        )
        self.generate_button.clicked.connect(self._on_primary)
        self.draft_button = QPushButton("Draft")
        self.draft_button.setObjectName(f"{self.key}_draft")
        self.draft_button.clicked.connect(lambda: self.generate(draft=True))
        action.insertWidget(1, self.draft_button)
        self.next_button.clicked.connect(self.next_requested)

        # -- output side ------------------------------------------------------------------------
        self.job = JobProgress(self.key, self.progress_interval_ms)
        self.job.head = self.progress_head
        self.job.rendered.connect(lambda p: self.context.job_progress.emit(self._started_title, p))
        self.progress_bar: QProgressBar = self.job.bar
        self.progress_label: QLabel = self.job.label
        self.takes = TakesStrip(self.kind)
        self.take_importer = TakeImporter(
            context, self.key, self.kind, self.validate_import, self.takes, self
        )
        self.take_importer.failed.connect(self._show_input_error)
        self.importer = self.take_importer.runner
        two_panes(
            self,
            [self.banner, scroll, action],
            [self.build_output(), self.job, self.takes],
            scroll.minimumWidth(),
        )

        # -- the job (in the window's queue for the server) --------------------------------------
        self.runner = PanelJob(context, self.key, self)
        self.runner.progress.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.done.connect(self._on_job_done)
        self._job_ended = True
        self.unfinished = UnfinishedWork(self)
        self.unfinished.offer.connect(self._offer)

        self.autosave = InputAutosave(
            self.key,
            lambda: self.context.project,
            self.input_values,
            self.restore_input_values,
            self,
        )
        context.project_changed.connect(lambda _p: self.refresh_takes())
        context.project_changed.connect(lambda _p: self.autosave.restore())
        context.project_changed.connect(lambda _p: self.unfinished.check())
        context.project_closing.connect(self.autosave.flush)
        self.autosave.changed.connect(self.state_changed)
        context.scene_changed.connect(lambda _s: self._inputs_changed())
        context.takes_changed.connect(self._on_any_takes_changed)
        context.settings_changed.connect(self.refresh_workflows)
        self.refresh_takes()
        self.update_actions()
        QTimer.singleShot(0, self.refresh_workflows)
        QTimer.singleShot(0, self.unfinished.check)  # the project the window opened with

    # ---- staleness ---------------------------------------------------------------------------
    def made_from_now(self) -> dict[str, str]:
        """What a take made now would be made from ({} when the inputs are incomplete)."""
        wf = self.current_workflow()
        if wf is None or self.missing_inputs():
            return {}
        try:
            return self.request_for(wf).made_from
        except (VidGenError, ValueError):
            return {}

    def out_of_date(self, take: Take) -> list[str]:
        """What changed since `take` was made (empty: up to date, or made before we kept track)."""
        if not take.made_from:
            return []
        return changed_inputs(take.made_from, self.made_from_now())

    # ---- helpers for subclasses ------------------------------------------------------------------
    def current_workflow(self) -> Workflow | None:
        return self.picker.current()

    @property
    def available(self) -> dict[str, Availability]:
        return self.picker.available

    @property
    def server_message(self) -> str:
        return self.picker.server_message

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
        chosen = self.project.chosen_take(self.key) if self.project is not None else None
        if chosen is not None:
            changed = self.out_of_date(chosen)
            if changed:
                return StageState(StageStatus.stale, stale_reason(changed, self.generate_text))
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
        self.autosave.flush()
        self.unfinished.shutdown()
        self.runner.shutdown(5000)
        self.take_importer.shutdown()
        self.picker.shutdown()
        self.takes.shutdown()

    # ---- workflows -----------------------------------------------------------------------------
    def refresh_workflows(self, fresh: bool = False) -> None:
        self.picker.refresh(fresh)

    def recheck_server(self) -> None:
        """Re-check button: ask ComfyUI again, not the cached node list."""
        self.picker.refresh(fresh=True)

    def attach_comfy_monitor(self, monitor: Any) -> None:
        """Re-check by itself when ComfyUI comes up (or goes away), so Generate follows the server."""
        monitor.reachability_changed.connect(lambda _up: self.picker.refresh(fresh=True))

    def add_own_workflow(self, path: Path) -> None:
        self.banner.hide()
        self.picker.add_own(path)

    def _workflow_selected(self, workflow: Workflow | None) -> None:
        self.workflow_changed(workflow)
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
        self.draft_button.setEnabled(not running and not reason)
        self.draft_button.setToolTip(
            reason or ("Wait for the running job" if running else self.draft_tooltip)
        )
        self.generate_button.setToolTip(
            reason or ("Stop this job (Esc)" if running else f"{self.generate_text} (Ctrl+Enter)")
        )
        self.disabled_reason.setText(reason)
        chosen = self.project.chosen_take(self.key) if self.project else None
        self.next_button.setEnabled(chosen is not None and not running)
        self.next_button.setToolTip("" if chosen else "Generate or import a take first.")

    def _on_primary(self) -> None:
        if self.runner.is_running():
            self.cancel()
        else:
            self.generate()

    def generate(self, draft: bool = False) -> None:
        wf = self.current_workflow()
        if wf is None or self.project is None or self.runner.is_running():
            return
        try:
            if draft:
                from vidgen_desktop.pipeline.draft import draft_request

                request, _notes = draft_request(wf, self.inputs_for(wf))
            else:
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
        server = self.context.server_for(self.key, wf.name)
        task = generate_task(
            self.context, self.project, request, self.postprocess, self.prepare_preview, server
        )
        what = f"{self.title} draft" if draft else self.title
        if len(self.context.settings.comfy_servers()) > 1:
            what += f" on {self.context.settings.server_label(server)}"
        self._start_job(
            f"{what}: {wf.name}", task, "Starting…", server=server, estimate_s=request.estimate_s
        )

    def _start_job(
        self,
        title: str,
        task: JobFn,
        first: str,
        server: str | None = None,
        estimate_s: float | None = None,
    ) -> None:
        self._started_title = title
        self.job.start(first)
        self._job_ended = False
        self.runner.start(title, task, server, estimate_s)
        self.update_actions()
        self.state_changed.emit()

    def start_resume(self, resubmit_lost: bool) -> None:
        """Pick up this stage's unfinished work (re-attach; with resubmit_lost also send again
        what the server forgot, and go on with a stopped chunked render)."""
        project = self.project
        if project is None or self.runner.is_running():
            return
        task = resume_task(self.context, project, self.key, self.prepare_preview, resubmit_lost)
        self._start_job(f"{self.title}: picking up", task, "Finding the job again in ComfyUI…")

    def _offer(self, level: str, text: str, action: str) -> None:
        self._banner_action = {"Resume render": "resume", "Send again": "resubmit"}.get(action, "")
        self.banner.show_message(text, level=level, action=action)

    def cancel(self) -> None:
        if self._job_ended:
            return  # the job already finished; its thread is only winding down
        if self.confirm_long_cancel and not confirm_cancel(self):
            return
        self.progress_label.setText("Cancelling…")
        self.generate_button.setEnabled(False)
        self.runner.cancel()

    # ---- job signals -----------------------------------------------------------------------------
    def _on_progress(self, p: Progress) -> None:
        if p.kind == "preview" and p.preview:
            self.show_preview(p.extra.get("prepared", p.preview))
            return
        if p.kind == "warning":
            # e.g. the GPU hand-off could not be confirmed: on screen in the stage and the status
            # bar while the job goes on
            self.banner.show_message(p.message, level="warning")
            self.context.notice.emit("warning", f"{self.title}: {p.message}")
            return
        self.job.report(p)

    def _finish(self, text: str, status: str) -> None:
        took = self.job.elapsed_s()
        self.job.finish(text)
        at = datetime.now().strftime("%H:%M")
        self.context.job_finished.emit(
            f"{self.title} {status} at {at} (took {format_duration(took)})"
        )

    def _on_succeeded(self, outcome: StageOutcome | ResumeOutcome) -> None:
        self._job_ended = True
        if self.project is None:
            return
        if not isinstance(outcome, StageOutcome):
            self._on_picked_up(outcome)
            return
        self.project.add_take(outcome.take)
        seed = f" · seed {outcome.seed}" if outcome.seed is not None else ""
        self._finish(f"Done in {format_duration(outcome.job.elapsed_s)}{seed}", "done")
        self.context.notify_takes(self.key)

    def _on_picked_up(self, outcome: ResumeOutcome) -> None:
        """Unfinished work found again after a restart: its takes, and what is left to decide."""
        assert self.project is not None
        for take in outcome.takes:
            self.project.add_take(take)
        self._finish("Picked up." if outcome.takes else "", "picked up")
        self._offer(*self.unfinished.outcome_text(outcome))
        self.context.notify_takes(self.key)

    def _on_failed(self, error: VidGenError) -> None:
        self._job_ended = True
        from vidgen_desktop.comfy.errors import Detached

        if isinstance(error, Detached):  # the window is closing and the user kept the job
            self._finish("Still running in ComfyUI; opening the project again picks it up.", "left")
            return
        self._finish("Failed.", "failed")
        self._show_error(error)

    def _on_cancelled(self) -> None:
        self._job_ended = True
        self._finish("Cancelled. Nothing was kept from this run.", "cancelled")

    def _on_job_done(self) -> None:
        if self.job.running:  # ended without an outcome signal (the runner was shut down)
            self.job.finish("")
        self.update_actions()
        self.state_changed.emit()

    def _show_error(self, error: VidGenError) -> None:
        if isinstance(error, PreflightFailed):
            self._banner_action = "recheck"
            self.banner.show_message(error.message, detail=error.detail, action="Re-check server")
            self.picker.show_problems("Before this can run:\n" + error.detail)
            return
        from vidgen_desktop.comfy.errors import WorkflowRejected

        if isinstance(error, WorkflowRejected) and error.problems:
            # per input, next to the workflow they belong to (the banner has the summary)
            self.picker.show_problems(
                "ComfyUI refused these inputs:\n"
                + "\n".join(f"• {p.message}" for p in error.problems)
            )
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
        elif self._banner_action in ("resume", "resubmit"):
            self.start_resume(resubmit_lost=True)

    # ---- takes ---------------------------------------------------------------------------------
    def refresh_takes(self) -> None:
        project = self.project
        if project is None:
            return
        chosen = project.chosen_take(self.key)
        self.takes.set_takes(
            project.takes_for(self.key),
            chosen.id if chosen else None,
            project.root,
            project.missing,
        )
        if chosen is not None and project.is_missing(chosen):
            self.banner.show_message(
                f"The chosen take's file is missing: {project.path_of(chosen)}. It was moved or "
                "deleted outside the app; put it back, or choose another take.",
                level="warning",
            )
        self.show_take(chosen, project.path_of(chosen) if chosen else None)
        self.update_actions()

    def _on_any_takes_changed(self, stage: str) -> None:
        if stage == self.key:
            self.refresh_takes()
        self._inputs_changed()

    def import_files(self, paths: list[str]) -> None:
        """Copy the files into the project off the GUI thread; each becomes a take."""
        self.take_importer.start(self.project, paths)
