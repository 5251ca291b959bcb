"""Run one ComfyUI stage (image, voice or video) end to end and describe the resulting take.

Order matters for a 12 GB card and for the user's time:
1. preflight against /object_info (nothing is queued if a node pack or model file is missing),
2. the GPU hand-off (Ollama lets go of its model, confirmed via /api/ps),
3. uploads of input files (image / speech / reference clip),
4. bind the workflow's `$title` parameters, run the job, download outputs into the project.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from vidgen_desktop.comfy import ComfyClient, JobOptions, run_job
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidOutput
from vidgen_desktop.core.media_info import duration_seconds
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.core.project import Project, Take, TakeKind
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.gpu import handoff
from vidgen_desktop.pipeline.step_rates import StepRates
from vidgen_desktop.pipeline.types import PreflightFailed, StageOutcome, StageRequest
from vidgen_desktop.workflow import Problem, Workflow, bind, preflight

log = logging.getLogger(__name__)

#: which output kind each stage keeps as its take
STAGE_KIND: dict[str, TakeKind] = {"image": "image", "voice": "audio", "video": "video"}


def check_workflow(client: ComfyClient, workflow: Workflow) -> list[Problem]:
    """Preflight only (for the panel to show problems as soon as a workflow is picked)."""
    return preflight(workflow, client.object_info())


def run_stage(
    client: ComfyClient,
    project: Project,
    request: StageRequest,
    report: ProgressCallback,
    token: CancelToken,
    *,
    settings: Settings,
    step_rates: StepRates | None = None,
    add_to_project: bool = True,
) -> StageOutcome:
    """Blocking; call it from a worker thread or the CLI. Raises VidGenError subclasses."""
    wf = request.workflow
    report(Progress(None, f"Checking ComfyUI has what “{wf.name}” needs…"))
    problems = preflight(wf, client.object_info())
    if problems:
        raise PreflightFailed(wf, problems)
    token.raise_if_cancelled()

    # The hand-off's own fractions would show as the job's progress (100 % before anything is
    # queued): pass its messages on with an unknown fraction (a busy bar) instead.
    # An unconfirmed hand-off arrives as a "warning" report (the CLI prints it, the window keeps
    # it on screen); the job goes on.
    hand = handoff.before_comfy(
        settings.effective_ollama_url(),
        enabled=settings.gpu_handoff,
        report=lambda p: report(replace(p, fraction=None)),
        token=token,
    )

    params = dict(request.params)
    for name, path in request.uploads.items():
        token.raise_if_cancelled()
        report(Progress(None, f"Uploading {Path(path).name} to ComfyUI…"))
        params[name] = client.upload(Path(path)).node_value

    bound = bind(wf, params)
    problems = preflight(wf, client.object_info(), graph=bound.graph)
    if problems:
        raise PreflightFailed(wf, problems)

    kind = STAGE_KIND[request.stage]
    result = run_job(
        client,
        readable_titles(bound.graph),
        report,
        token,
        project,
        request.stage,
        JobOptions(kinds=(kind,)),
    )
    out = result.first(kind)
    if out is None:
        raise InvalidOutput(
            f"“{wf.name}” finished but produced no {kind} file.",
            hint="Check that the workflow's output node saves a file (Save Image / Save Audio / Save Video).",
        )
    steps = _total_steps(bound)
    rate = None
    if step_rates is not None and steps:
        rate = step_rates.record(wf.name, result.elapsed_s, steps)

    take = Take(
        stage=request.stage,
        file=project.relative(out.path),
        kind=kind,
        seed=bound.seed,
        workflow=wf.name,
        settings=dict(request.take_settings),
        duration_s=duration_seconds(out.path) if kind in ("audio", "video") else None,
        made_from=dict(request.made_from),
        info={
            "prompt_id": result.prompt_id,
            "elapsed_s": round(result.elapsed_s, 2),
            "bytes": out.size,
        },
    )
    if kind == "image":
        take.width, take.height = request.params.get("width"), request.params.get("height")
    if add_to_project:
        project.add_take(take)
    return StageOutcome(take, result, bound.seed, hand, rate, sorted(bound.ignored))


def readable_titles(graph: dict[str, Any]) -> dict[str, Any]:
    """Binding titles ("$seed $steps $cfg") mean nothing to a user watching progress; name those
    nodes by their class ("KSampler: step 3/8"). ComfyUI ignores `_meta`, so the job is the same."""
    out: dict[str, Any] = {}
    for node_id, node in graph.items():
        title = str((node.get("_meta") or {}).get("title") or "") if isinstance(node, dict) else ""
        if title.startswith("$"):
            node = dict(
                node, _meta=dict(node.get("_meta") or {}, title=str(node.get("class_type", "")))
            )
        out[node_id] = node
    return out


def _total_steps(bound: Any) -> int:
    video = getattr(bound, "video", None)
    if video is not None and getattr(video, "total_steps", None):
        return int(video.total_steps)
    graph = bound.graph
    return sum(
        int(n["inputs"].get("steps", 0) or 0)
        for n in graph.values()
        if isinstance(n, dict) and isinstance(n.get("inputs", {}).get("steps"), int)
    )
