"""What a video render will be before it is queued: the request (a draft's, if asked), its plan
(chunks, frames, steps, size, LoRA), and how long it will take here. The Video panel's cost box,
`vidgen video` and `vidgen video --dry-run [--json]` all show this same report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vidgen_desktop.pipeline.draft import video_draft
from vidgen_desktop.pipeline.estimate import Estimate, accuracy, estimate, shape_of
from vidgen_desktop.pipeline.inputs import VideoInputs, video_request
from vidgen_desktop.pipeline.timings import RenderShape, RunTiming
from vidgen_desktop.pipeline.types import StageRequest
from vidgen_desktop.workflow import VideoPlan, Workflow


@dataclass
class VideoReport:
    request: StageRequest
    plan: VideoPlan
    shape: RenderShape
    estimate: Estimate
    draft_notes: list[str] = field(default_factory=list)
    #: how far past estimates were from the real time here ("" before any)
    accuracy: str = ""

    @property
    def lora(self) -> bool:
        return bool(self.request.params.get("lora"))

    def lines(self) -> list[str]:
        p, shape = self.plan, self.shape
        size = f" at {shape.width}×{shape.height}" if shape.width and shape.height else ""
        lora = " with the 4-step LoRA" if self.lora else ""
        out = []
        if self.draft_notes:
            out.append("Draft: " + "; ".join(self.draft_notes) + ".")
        out.append(f"Cost: {p.summary()}{size}{lora}")
        out.append(f"Estimated time: {self.estimate.sentence()}")
        if self.accuracy:
            out.append(self.accuracy)
        return out

    def as_json(self) -> dict[str, Any]:
        est = self.estimate
        return {
            "workflow": self.request.workflow.name,
            "draft": self.request.draft,
            "seconds": self.plan.seconds,
            "fps": self.plan.fps,
            "chunks": self.plan.chunks,
            "frames": self.plan.frames,
            "steps": self.plan.steps_per_chunk,
            "total_steps": self.plan.total_steps,
            "width": self.shape.width or None,
            "height": self.shape.height or None,
            "lora": self.lora,
            "estimate_s": round(est.seconds, 1) if est.seconds is not None else None,
            "estimate_low_s": round(est.low, 1) if est.low is not None else None,
            "estimate_high_s": round(est.high, 1) if est.high is not None else None,
            "estimate_basis": est.basis,
            "draft_changes": self.draft_notes,
        }


def video_report(
    workflow: Workflow, inputs: VideoInputs, runs: list[RunTiming], *, draft: bool = False
) -> VideoReport:
    """The request for these inputs (or their draft) and what it will cost here."""
    notes: list[str] = []
    if draft:
        made = video_draft(workflow, inputs)
        inputs, notes = made.inputs, made.notes
    request, plan = video_request(workflow, inputs)
    request.draft = draft
    if draft:
        request.take_settings["draft"] = "; ".join(notes)
    shape = shape_of(request)
    est = estimate(runs, shape)
    request.estimate_s, request.estimate = est.seconds, est
    return VideoReport(request, plan, shape, est, notes, accuracy(runs))
