"""What each ComfyUI stage panel (Image, Voice, Video) provides to the shared base, with the
defaults a stage that needs nothing special gets. ComfyStagePanel calls these; the panels
override them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from vidgen_desktop.core.progress import Progress
from vidgen_desktop.core.project import Project, Take, TakeKind
from vidgen_desktop.pipeline.types import StageOutcome, StageRequest
from vidgen_desktop.ui.stages.take_importer import check_kind
from vidgen_desktop.workflow import Workflow


class ComfyStageHooks:
    kind: TakeKind = "image"  # the take kind
    #: what the Draft button does on this stage (its tooltip)
    draft_tooltip: str = "A quick, cheap preview with the same inputs and seed"

    def inputs_for(self, workflow: Workflow) -> Any:
        """The typed inputs (pipeline.inputs) the widgets hold now; raises InvalidInput."""
        raise NotImplementedError

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
