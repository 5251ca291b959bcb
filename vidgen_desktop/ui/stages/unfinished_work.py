"""A stage's unfinished GPU work, found again when its project opens.

The ledger is read off the GUI thread. A job that was still queued or running in ComfyUI when
the app closed (or crashed) is re-attached at once: the panel shows its progress as if it had
never left, and its take lands when it is done. Work that cannot simply be followed (a job the
server forgot in a restart, a chunked render that stopped between chunks or ran out of memory)
is offered in the stage's banner; the user decides whether to spend the GPU on it again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from vidgen_desktop.workers.runner import TaskRunner

if TYPE_CHECKING:
    from vidgen_desktop.pipeline.resume import Pending, ResumeOutcome
    from vidgen_desktop.ui.stages.comfy_stage import ComfyStagePanel

log = logging.getLogger(__name__)


def read_pending(root: Path, stage: str) -> tuple[Path, Pending, bool]:
    """Worker side: (project root, what is pending, whether any of it is still on a server)."""
    from vidgen_desktop.pipeline.ledger import UNFINISHED, forget_ledger, ledger_for
    from vidgen_desktop.pipeline.resume import pending_work

    forget_ledger(root)  # read what is on disk now (the CLI may have changed it)
    ledger = ledger_for(root)
    pending = pending_work(ledger, stage)
    live = any(j.state in UNFINISHED for j in pending.jobs) or any(
        j.state in UNFINISHED for r in pending.renders for j in ledger.jobs_of(r.id)
    )
    return root, pending, live


def render_progress(root: Path, stage: str) -> str:
    """Worker side: "2 of 3 chunks are done" for the stage's open render ("" when none)."""
    from vidgen_desktop.pipeline.ledger import ledger_for

    for run in ledger_for(root).open_runs(stage):
        if run.kind == "chunked-video":
            done = sum(1 for f in run.chunk_files.values() if (root / f).is_file())
            return f"{done} of {run.spec.get('chunks', '?')} chunks are done"
    return ""


class UnfinishedWork(QObject):
    #: (level, text, action) for the panel's banner; action "" = none
    offer = Signal(str, str, str)

    def __init__(self, panel: ComfyStagePanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.checker = TaskRunner(f"{panel.key}-unfinished", self)
        self.checker.succeeded.connect(self._found)
        self.reattached = False

    def check(self) -> None:
        """Look in the ledger (the project just opened, or the user asked)."""
        project = self.panel.project
        if project is None or self.panel.runner.is_running() or self.checker.is_running():
            return
        root, key = project.root, self.panel.key
        self.checker.start(
            lambda _report, _token: (*read_pending(root, key), render_progress(root, key))
        )

    def _found(self, result: tuple[Path, Pending, bool, str]) -> None:
        root, pending, live, chunks = result
        project = self.panel.project
        if project is None or project.root != root or not pending or self.panel.runner.is_running():
            return
        title = self.panel.title
        if live:
            self.reattached = True
            self.offer.emit(
                "info",
                f"Re-attached to the {title.lower()} job that was still in ComfyUI when the app "
                "closed: its progress continues here and its take lands when it is done.",
                "",
            )
            self.panel.start_resume(resubmit_lost=False)
        elif pending.renders:
            done = f" ({chunks})" if chunks else ""
            self.offer.emit(
                "warning",
                f"An unfinished video render is waiting{done}. Resuming renders only the "
                "missing chunks, then assembles the video.",
                "Resume render",
            )
        else:
            self.offer.emit(
                "warning",
                f"{pending.sentence(title.lower())} Nothing of it reached the project. Send the "
                "same job again (same inputs, same seed)?",
                "Send again",
            )

    def outcome_text(self, outcome: ResumeOutcome) -> tuple[str, str, str]:
        """The banner after a resume: what happened, and what is still to decide."""
        if outcome.lost:
            return (
                "warning",
                " ".join(outcome.said)
                + " Send it again (same inputs, same seed), or generate anew.",
                "Send again",
            )
        return "info", " ".join(outcome.said) or "Nothing was left to pick up.", ""

    def shutdown(self) -> None:
        self.checker.shutdown(2000)
