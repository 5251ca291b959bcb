"""Run remaining stages: the ComfyUI stages after the one on screen run one after another,
each with the settings its panel shows, while the user walks away. It stops at the first
failure (the stage's own banner says why) and is recorded in the project's ledger as one run:
if the app closes or crashes half-way, opening the project again (or `vidgen resume`) offers to
continue with the stages it had not done.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton

from vidgen_desktop.pipeline.ledger import RunRecord
from vidgen_desktop.ui.stage_panel import StagePanel, StageStatus
from vidgen_desktop.workers.runner import TaskRunner

if TYPE_CHECKING:
    from vidgen_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

COMFY_STAGES = ("voice", "image", "video")


def interrupted_pipelines(root) -> list[RunRecord]:
    """Worker side: the project's unattended runs a quit or a crash interrupted."""
    from vidgen_desktop.pipeline.ledger import ledger_for
    from vidgen_desktop.pipeline.run_all import open_pipelines

    return open_pipelines(ledger_for(root))


class RemainingStages(QObject):
    #: the run started, moved to another stage or ended (the button re-reads itself)
    changed = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window, self.context = window, window.context
        self.todo: list[str] = []
        self.record: RunRecord | None = None
        self.current: StagePanel | None = None
        self.button = QPushButton("Run remaining stages")
        self.button.setObjectName("run_remaining")
        self.button.clicked.connect(self._on_click)
        QShortcut(QKeySequence("Ctrl+Shift+Return"), window, self._on_click)
        self.checker = TaskRunner("pipeline-check", self)
        self.checker.succeeded.connect(self._found_interrupted)
        self._offered: RunRecord | None = None
        window.banner.action_clicked.connect(self._banner_action)
        self.context.project_changed.connect(lambda _p: self.check_interrupted())
        self.context.stages_changed.connect(self.update_button)
        self.context.jobs_changed.connect(self.update_button)
        window.stack.currentChanged.connect(lambda _i: self.update_button())
        QTimer.singleShot(0, self.check_interrupted)
        self.update_button()

    # ---- what would run ------------------------------------------------------------------------
    def stages(self) -> list[str]:
        """The ComfyUI stages after the one on screen; the one on screen too while it has no
        take, or its take is out of date."""
        project = self.context.project
        if project is None:
            return []
        here = self.window.current_panel().key
        order = [p.key for p in self.window.panels]
        after = [k for k in order[order.index(here) + 1 :] if k in COMFY_STAGES]
        panel = self.window.current_panel()
        if here in COMFY_STAGES and (
            project.chosen_take(here) is None or panel.stage_state().status is StageStatus.stale
        ):
            after.insert(0, here)  # nothing (or nothing up to date) to build on yet
        return after

    def reason(self) -> str:
        """Why it cannot start now ("" when it can)."""
        if self.todo:
            return ""
        if self.context.project is None:
            return "Open or create a project first."
        if self.context.scene is None:
            return "Write or generate the script first."
        if any(p.is_busy() for p in self.window.panels):
            return "Wait for the running job to finish."
        if not self.stages():
            return "Nothing after this stage: it is the last one."
        return ""

    def update_button(self) -> None:
        if self.todo:
            self.button.setText("Stop after this stage")
            self.button.setToolTip(f"Still to run: {', '.join(self.todo)}")
            self.button.setEnabled(True)
            return
        reason = self.reason()
        self.button.setText("Run remaining stages")
        self.button.setEnabled(not reason)
        stages = ", ".join(s.capitalize() for s in self.stages())
        self.button.setToolTip(
            reason
            or f"Run {stages} one after another with their current settings "
            "(Ctrl+Shift+Enter); stops at the first failure"
        )

    # ---- running -------------------------------------------------------------------------------
    def _on_click(self) -> None:
        if self.todo:
            self.todo = self.todo[:1]  # finish the stage that runs, then stop
            self.update_button()
        elif not self.reason():
            self.start(self.stages())

    def start(self, stages: list[str], record: RunRecord | None = None) -> None:
        project = self.context.project
        if project is None or not stages:
            return
        if record is None:
            record = RunRecord(
                kind="pipeline",
                stage="pipeline",
                server=self.context.settings.comfyui_url.rstrip("/"),
                spec={"stages": list(stages), "done": []},
            )
            root, new = project.root, record
            self.context.writer.call(lambda: _ledger(root).add_run(new))
        self.record, self.todo = record, list(stages)
        self.window.banner.hide()
        self._next()

    def _next(self) -> None:
        if not self.todo:
            self._end("done", "")
            return
        stage = self.todo[0]
        index = self.window.stage_index(stage)
        panel = self.window.panels[index]
        self.window.show_stage(index)
        self.current = panel
        runner = getattr(panel, "runner", None)
        if runner is None:
            self._end("failed", f"{panel.title} cannot run unattended.")
            return
        if not panel.is_busy() and self._made_during_run(stage):
            # its job, picked up after a restart, finished before the run got here: that take
            # is this stage's result (sending it again would spend the GPU twice)
            self._mark_done(stage)
            QTimer.singleShot(0, self._next)
            return
        runner.succeeded.connect(self._stage_done)
        runner.failed.connect(self._stage_failed)
        runner.cancelled.connect(self._stage_cancelled)
        if not panel.is_busy():  # else: its job (picked up after a restart) is the stage's
            panel.start_primary()
            if not panel.is_busy():
                why = getattr(panel, "disabled_reason", None)
                text = why.text() if why is not None and why.text() else "it could not start"
                self._disconnect()
                self._end("failed", f"Stopped at {panel.title}: {text}")
                return
        self.changed.emit()
        self.update_button()

    def _disconnect(self) -> None:
        runner = getattr(self.current, "runner", None)
        if runner is not None:
            for signal, slot in (
                (runner.succeeded, self._stage_done),
                (runner.failed, self._stage_failed),
                (runner.cancelled, self._stage_cancelled),
            ):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass

    def _made_during_run(self, stage: str) -> bool:
        project, record = self.context.project, self.record
        take = project.chosen_take(stage) if project is not None else None
        return bool(take is not None and record is not None and take.created >= record.created)

    def _stage_done(self, _outcome: object) -> None:
        self._disconnect()
        self._mark_done(self.todo[0])
        QTimer.singleShot(0, self._next)  # after the panel has shown its take

    def _mark_done(self, stage: str) -> None:
        self.todo.remove(stage)
        record = self.record
        if record is not None and self.context.project is not None:
            record.spec = dict(record.spec, done=[*record.spec.get("done", []), stage])
            root, rid, spec = self.context.project.root, record.id, record.spec
            self.context.writer.call(lambda: _ledger(root).update_run(rid, spec=spec))

    def _stage_failed(self, error: object) -> None:
        from vidgen_desktop.comfy.errors import Detached

        self._disconnect()
        if isinstance(error, Detached):  # the window is closing; the run is continued later
            self.todo = []
            return
        title = self.current.title if self.current else "a stage"
        self._end("failed", f"Run remaining stages stopped at {title}: see its message.")

    def _stage_cancelled(self) -> None:
        self._disconnect()
        self._end("failed", "Run remaining stages stopped: the job was cancelled.")

    def _end(self, state: str, text: str) -> None:
        record, project = self.record, self.context.project
        if record is not None and project is not None:
            root, rid, error = project.root, record.id, text
            self.context.writer.call(
                lambda: _ledger(root).update_run(rid, state=state, error=error)
            )
        self.todo, self.record, self.current = [], None, None
        if text:
            self.context.notice.emit("warning", text)
        self.update_button()
        self.changed.emit()

    # ---- after a restart -----------------------------------------------------------------------
    def check_interrupted(self) -> None:
        project = self.context.project
        if project is None or self.todo or self.checker.is_running():
            return
        root = project.root
        self.checker.start(lambda _r, _t: (root, interrupted_pipelines(root)))

    def _found_interrupted(self, result: tuple) -> None:
        root, records = result
        project = self.context.project
        if project is None or project.root != root or not records or self.todo:
            return
        record = records[-1]
        left = [s for s in record.spec.get("stages", []) if s not in record.spec.get("done", [])]
        if not left:
            return
        self._offered = record
        self.window.banner.show_message(
            f"“Run remaining stages” stopped before {left[0].capitalize()} when the app closed "
            f"({', '.join(s.capitalize() for s in left)} still to run). A job that was still in "
            "ComfyUI is picked up by its stage.",
            level="info",
            action="Continue",
        )

    def _banner_action(self) -> None:
        record, self._offered = self._offered, None
        if record is None:
            return
        left = [s for s in record.spec.get("stages", []) if s not in record.spec.get("done", [])]
        self.start(left, record)

    def shutdown(self) -> None:
        self.checker.shutdown(2000)


def _ledger(root):
    from vidgen_desktop.pipeline.ledger import ledger_for

    return ledger_for(root)
