"""What the Image, Voice and Video panels share: a workflow picker that says what a server lacks
before anything is queued, Generate/Cancel in one fixed place, live progress and previews, the
output view and its takes.

Subclasses add their inputs (`build_inputs`), their output view (`build_output`), turn the inputs
into a `StageRequest` (`build_request`, GUI thread, no I/O) and show a take (`show_take`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import InvalidInput, VidGenError
from vidgen_desktop.core.progress import Progress, format_duration
from vidgen_desktop.core.project import Project, Take, TakeKind
from vidgen_desktop.pipeline.inputs import changed_inputs
from vidgen_desktop.pipeline.types import PreflightFailed, StageOutcome, StageRequest
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.stage_panel import StagePanel, StageState, StageStatus, stale_reason
from vidgen_desktop.ui.stages.input_autosave import InputAutosave
from vidgen_desktop.ui.stages.job_progress import JobProgress
from vidgen_desktop.ui.stages.stage_inputs import confirm_cancel
from vidgen_desktop.ui.stages.stage_layout import action_row, two_panes
from vidgen_desktop.ui.stages.take_importer import TakeImporter, check_kind
from vidgen_desktop.ui.stages.workflow_picker import WorkflowPicker
from vidgen_desktop.ui.widgets.error_banner import ErrorBanner
from vidgen_desktop.ui.widgets.scroll_column import ScrollColumn
from vidgen_desktop.ui.widgets.takes_strip import TakesStrip
from vidgen_desktop.workers.runner import TaskRunner
from vidgen_desktop.workflow import Availability, Stage, Workflow

log = logging.getLogger(__name__)


class ComfyStagePanel(StagePanel):
    """Base panel of a ComfyUI stage; see the module docstring for what subclasses provide."""

    stage: Stage
    kind: TakeKind = "image"  # the take kind
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

        # -- workers ---------------------------------------------------------------------------
        self.runner = TaskRunner(f"{self.key}-job", self)
        self.runner.progress.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.done.connect(self._on_job_done)
        self._job_ended = True

        self.autosave = InputAutosave(
            self.key,
            lambda: self.context.project,
            self.input_values,
            self.restore_input_values,
            self,
        )
        context.project_changed.connect(lambda _p: self.refresh_takes())
        context.project_changed.connect(lambda _p: self.autosave.restore())
        context.project_closing.connect(self.autosave.flush)
        self.autosave.changed.connect(self.state_changed)
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

    def request_for(self, workflow: Workflow) -> StageRequest:
        """The request the inputs make now, with no side effects (GUI thread, no I/O); raises
        InvalidInput with a readable message."""
        raise NotImplementedError

    def build_request(self, workflow: Workflow) -> StageRequest:
        """The request for a Generate click (subclasses also remember the user's choices)."""
        return self.request_for(workflow)

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

    def show_take(self, take: Take | None, path: Path | None) -> None:
        raise NotImplementedError

    def missing_inputs(self) -> str:
        """Why this stage cannot run yet ("" when its inputs exist)."""
        return ""

    def validate_import(self, path: Path) -> dict[str, Any] | None:
        """Worker side: refuse a file that is not this stage's kind (subclasses check deeper).

        May return extra Take fields learnt while checking (e.g. {"width": .., "height": ..}).
        """
        check_kind(path, self.kind)
        return None

    def prepare_preview(self, data: bytes) -> Any:
        """Worker side: turn a preview frame into what show_preview wants (e.g. a decoded QImage).
        The default passes the JPEG/PNG bytes through unchanged."""
        return data

    def show_preview(self, data: bytes) -> None:
        """A live preview frame while sampling (image/video stages override); it receives what
        prepare_preview returned (bytes unless the panel overrides that)."""

    def workflow_changed(self, workflow: Workflow | None) -> None:
        """Show only the controls the chosen workflow binds; fill in its defaults."""

    def input_values(self) -> dict[str, Any]:
        """Everything the user set on this stage, as the project keeps it (JSON values)."""
        return {}

    def restore_input_values(self, values: dict[str, Any]) -> None:
        """Put back what input_values() gave (a project reopened); unknown keys are ignored."""

    def progress_head(self, p: Progress) -> str:
        """The first part of the progress line for a report (the video panel names the chunk)."""
        return p.message

    def postprocess(self, outcome: StageOutcome, project: Project) -> StageOutcome:
        """Worker side, right after run_stage (no widgets here): inspect or annotate the take."""
        return outcome

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

        def task(report, token) -> StageOutcome:
            def relay(p: Progress) -> None:  # decode previews here, not in the GUI thread
                if p.kind == "preview" and p.preview:
                    p = replace(p, extra=dict(p.extra, prepared=prepare(p.preview)))
                report(p)

            from vidgen_desktop.pipeline.stage_job import run_stage  # loads the ComfyUI client

            outcome = run_stage(
                client,
                project,
                request,
                relay,
                token,
                settings=settings,
                step_rates=context.step_rates,
                add_to_project=False,
            )
            return post(outcome, project)

        self._started_title = f"{self.title}: {wf.name}"
        self.job.start("Starting…")
        self._job_ended = False
        self.runner.start(task)
        self.update_actions()
        self.state_changed.emit()

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

    def _on_succeeded(self, outcome: StageOutcome) -> None:
        self._job_ended = True
        if self.project is None:
            return
        self.project.add_take(outcome.take)
        seed = f" · seed {outcome.seed}" if outcome.seed is not None else ""
        self._finish(f"Done in {format_duration(outcome.job.elapsed_s)}{seed}", "done")
        self.context.notify_takes(self.key)

    def _on_failed(self, error: VidGenError) -> None:
        self._job_ended = True
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
