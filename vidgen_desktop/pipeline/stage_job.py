"""Run one ComfyUI stage (image, voice or video) end to end and describe the resulting take.

Order matters for a 12 GB card and for the user's time:
1. preflight against /object_info (nothing is queued if a node pack or model file is missing),
2. the GPU hand-off (Ollama lets go of its model, confirmed via /api/ps),
3. uploads of input files (image / speech / reference clip),
4. bind the workflow's `$title` parameters, record the job in the project's ledger, run it,
   download its outputs into the project.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.core.project import Project, TakeKind
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.gpu import handoff
from vidgen_desktop.modelfiles.catalog import user_header_cache
from vidgen_desktop.pipeline.estimate import shape_of
from vidgen_desktop.pipeline.ledger import Ledger, ledger_for
from vidgen_desktop.pipeline.model_fit import chosen_workflow, misfit_problems
from vidgen_desktop.pipeline.recorded_job import (
    file_digest,
    inputs_hash,
    new_record,
    run_recorded,
    take_from,
    take_template,
)
from vidgen_desktop.pipeline.timings import RunTiming, TimingStore, measure
from vidgen_desktop.pipeline.types import PreflightFailed, StageOutcome, StageRequest
from vidgen_desktop.workflow import (
    Problem,
    Stage,
    Workflow,
    availability,
    bind,
    named_workflow,
    plan_video,
    preflight,
    shipped_workflows,
)
from vidgen_desktop.workflow.video import find_base

log = logging.getLogger(__name__)

#: which output kind each stage keeps as its take
STAGE_KIND: dict[str, TakeKind] = {"image": "image", "voice": "audio", "video": "video"}


def check_workflow(client: ComfyClient, workflow: Workflow) -> list[Problem]:
    """Preflight only (for the panel to show problems as soon as a workflow is picked)."""
    return preflight(workflow, client.object_info())


def choose_workflow(
    stage: Stage, spec: str | None, remembered: str, client: ComfyClient
) -> Workflow:
    """A file path or a shipped name; else the app's last choice, else the first the server can run."""
    if spec:
        return named_workflow(spec, stage)
    shipped = shipped_workflows(stage=stage)
    avail = availability(shipped, client.object_info())
    for a in avail:
        if a.workflow.name == remembered and a.usable:
            return a.workflow
    usable = [a.workflow for a in avail if a.usable]
    if usable:
        return usable[0]
    raise PreflightFailed(avail[0].workflow, avail[0].problems)


def run_stage(
    client: ComfyClient,
    project: Project,
    request: StageRequest,
    report: ProgressCallback,
    token: CancelToken,
    *,
    settings: Settings,
    timings: TimingStore | None = None,
    add_to_project: bool = True,
    ledger: Ledger | None = None,
    detach: threading.Event | None = None,
) -> StageOutcome:
    """Blocking; call it from a worker thread or the CLI. Raises VidGenError subclasses.

    Every prompt is recorded in the project's ledger before it is sent. A video of several
    chunks is rendered one chunk per prompt (pipeline.chunked_render), resuming a render of the
    same inputs that a crash or a restart interrupted."""
    ledger = ledger or ledger_for(project.root)
    request = replace(request, workflow=chosen_workflow(request.workflow, settings))
    wf = request.workflow
    report(Progress(None, f"Checking ComfyUI has what “{wf.name}” needs…"))
    problems = preflight(wf, client.object_info())
    problems = problems or misfit_problems(client, wf, settings, user_header_cache())
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
        comfy_url=client.base_url,
    )
    kind = STAGE_KIND[request.stage]
    if request.stage == "video" and chunked(wf, request):
        from vidgen_desktop.pipeline.chunked_render import render_chunked

        render = render_chunked(client, project, ledger, request, report, token, detach=detach)
        take, result = render.take, render.result
        timing = _keep_timing(
            timings, client, request, render.graphs, render.results, result.elapsed_s
        )
        if add_to_project:
            project.add_take(take)
        rate = timing.step_s if timing else None
        return StageOutcome(take, result, take.seed, hand, rate, [], timing)

    report = _whole_render_eta(report, request)
    params = dict(request.params)
    digests = {}
    for name, path in request.uploads.items():
        token.raise_if_cancelled()
        report(Progress(None, f"Uploading {Path(path).name} to ComfyUI…"))
        params[name] = client.upload(Path(path)).node_value
        digests[name] = file_digest(Path(path))

    bound = bind(wf, params)
    problems = preflight(wf, client.object_info(), graph=bound.graph)
    if problems:
        raise PreflightFailed(wf, problems)
    width, height = (
        (request.params.get("width"), request.params.get("height"))
        if kind == "image"
        else (None, None)
    )
    template = take_template(
        request.stage,
        kind,
        wf.name,
        bound.seed,
        dict(request.take_settings),
        dict(request.made_from),
        width,
        height,
        draft=request.draft,
    )
    digest = inputs_hash(request.stage, wf.name, bound.values, digests)
    graph = readable_titles(bound.graph)
    running = ledger.active_for(digest)
    if running is not None and running.server == client.base_url:
        # the very same job is already on this server (a reopened window, a second click):
        # follow it instead of spending the GPU twice
        report(Progress(None, "The same job is already queued in ComfyUI: following it…"))
        record, attach = running, True
    else:
        record, attach = new_record(client, request.stage, wf.name, digest, take=template), False
    result = run_recorded(
        client,
        project,
        ledger,
        record,
        graph,
        report,
        token,
        kinds=(kind,),
        detach=detach,
        attach=attach,
    )
    take = take_from(record, result, project)
    timing = _keep_timing(timings, client, request, [graph], [result], result.elapsed_s)
    if add_to_project:
        project.add_take(take)
    rate = timing.step_s if timing else None
    return StageOutcome(take, result, bound.seed, hand, rate, sorted(bound.ignored), timing)


def _whole_render_eta(report: ProgressCallback, request: StageRequest) -> ProgressCallback:
    """With an estimate, the time left covers the decode and the save too, not only sampling."""
    from vidgen_desktop.pipeline.estimate import render_eta

    est = request.estimate
    if est is None or est.seconds is None:
        return report
    try:
        shape = shape_of(request)
    except VidGenError:
        return report

    def relay(p: Progress) -> None:
        if p.eta_s is not None:
            whole = render_eta(
                est, shape, shape.calls, p.extra.get("step"), p.extra.get("steps"), p.eta_s
            )
            if whole is not None:
                p = replace(p, eta_s=whole)
        report(p)

    return relay


def _keep_timing(
    timings: TimingStore | None,
    client: ComfyClient,
    request: StageRequest,
    graphs: list[dict[str, Any]],
    results: list[Any],
    total_s: float,
) -> RunTiming | None:
    """What this run took here, part by part, stored for the next estimate."""
    try:
        shape = shape_of(request)
    except VidGenError:
        return None
    timing = measure(
        graphs,
        results,
        workflow=request.workflow.name,
        server=client.base_url,
        stage=request.stage,
        shape=shape,
        total_s=total_s,
        draft=request.draft,
        estimate_s=request.estimate_s,
    )
    if timings is not None:
        timings.add(timing)
    return timing


def chunked(workflow: Workflow, request: StageRequest) -> bool:
    """A shipped-style S2V graph of more than one chunk renders one chunk per prompt; a user's
    own single-prompt video workflow (or one chaining its own extends) runs as it is."""
    if find_base(workflow.api_graph()) is None:
        return False
    try:
        plan = plan_video(
            workflow,
            seconds=float(request.params.get("seconds") or 0),
            fps=request.params.get("fps"),
            steps=request.params.get("steps"),
        )
    except VidGenError:
        return False
    return plan.chunks > 1 and not plan.prebuilt


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
