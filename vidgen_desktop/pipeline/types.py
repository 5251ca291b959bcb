"""The values a stage job takes and gives back, kept apart from the job itself so the GUI can
import them at start-up without loading the ComfyUI client and the workflow machinery."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.project import Take

if TYPE_CHECKING:
    from vidgen_desktop.comfy import JobResult
    from vidgen_desktop.gpu.handoff import HandoffResult
    from vidgen_desktop.pipeline.timings import RunTiming
    from vidgen_desktop.workflow import Problem, Workflow


class PreflightFailed(VidGenError):
    """The server lacks something the workflow needs; nothing was queued."""

    exit_code = 8

    def __init__(self, workflow: Workflow, problems: list[Problem]) -> None:
        lines = [p.user_text() for p in problems]
        super().__init__(
            f"ComfyUI cannot run “{workflow.name}” yet: "
            + lines[0]
            + (f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""),
            detail="\n".join(lines),
            hint="Install what is missing ({setup_place}), restart ComfyUI, then try again.",
        )
        self.problems = problems
        self.workflow = workflow


@dataclass
class StageRequest:
    stage: str  # "image" | "voice" | "video"
    workflow: Workflow
    #: bind parameters (see workflow.STAGE_PARAMS); upload names are filled in by run_stage
    params: dict[str, Any]
    #: bind parameter → local file to upload first (image, audio, reference_audio)
    uploads: dict[str, Path] = field(default_factory=dict)
    #: what the user chose, stored with the take (shown in its tooltip, restored on "reuse")
    take_settings: dict[str, Any] = field(default_factory=dict)
    #: what the take will be made from (pipeline.inputs.*_made_from): out of date when it changes
    made_from: dict[str, str] = field(default_factory=dict)
    #: a cheap preview of the real job (pipeline.draft): its take is marked and never chosen
    draft: bool = False
    #: what the estimate said before it ran (kept with its timing: how far off estimates are)
    estimate_s: float | None = None
    #: the estimate itself (pipeline.estimate.Estimate): the live ETA covers the whole render
    estimate: Any = None


@dataclass
class StageOutcome:
    take: Take
    job: JobResult
    seed: int | None
    handoff: HandoffResult | None
    #: measured seconds per sampler step of this run, if the workflow has steps
    step_rate: float | None = None
    ignored_params: list[str] = field(default_factory=list)
    #: what each part of the run took here (stored for the next estimate)
    timing: RunTiming | None = None
