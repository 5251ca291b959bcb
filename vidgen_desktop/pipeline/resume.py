"""Picking up a project's unfinished GPU work after a quit, a crash or a server restart.

Each unfinished job in the ledger is found again on its server: still queued or running →
re-attached (progress and previews resume); finished while we were away → its outputs come
into the project as the take they would have been; unknown to the server (it restarted) →
marked lost. A lost job is sent again only when the user asks (`resubmit_lost`: the window's
Resume button, `vidgen resume`), under a new prompt id with the very graph it sent. A chunked
render goes on with the chunks still missing, then assembles.

Takes are returned, not added: the GUI adds them on its own thread, the CLI right away.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.comfy.errors import JobLost
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.pipeline.ledger import UNFINISHED, JobRecord, Ledger, RunRecord
from vidgen_desktop.pipeline.recorded_job import new_record, run_recorded, take_from
from vidgen_desktop.pipeline.types import StageRequest

log = logging.getLogger(__name__)

#: the server's client for a URL (one per server: a job is re-attached where it was sent)
ClientFor = Callable[[str], ComfyClient]
STAGE_KINDS = {"image": "image", "voice": "audio", "video": "video"}


@dataclass
class ResumeOutcome:
    takes: list[Take] = field(default_factory=list)
    #: jobs the server no longer knows (it restarted): the user decides whether to send again
    lost: list[JobRecord] = field(default_factory=list)
    #: sentences for the user, in order
    said: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not self.takes and not self.lost and not self.said

    def merge(self, other: ResumeOutcome) -> None:
        self.takes += other.takes
        self.lost += other.lost
        self.said += other.said


@dataclass
class Pending:
    """A stage's work to pick up: loose jobs (one prompt each) and open chunked renders."""

    jobs: list[JobRecord] = field(default_factory=list)
    renders: list[RunRecord] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.jobs or self.renders)

    @property
    def lost(self) -> list[JobRecord]:
        return [j for j in self.jobs if j.state == "lost"]

    def sentence(self, stage: str) -> str:
        if self.renders:
            return f"An unfinished {stage} render is waiting to be finished."
        if self.lost and len(self.lost) == len(self.jobs):
            return f"The {stage} job was lost: ComfyUI restarted before it finished."
        return f"A {stage} job was still on ComfyUI when the app closed."


def pending_work(ledger: Ledger, stage: str | None = None) -> Pending:
    """What is left to pick up for a stage (or all stages)."""
    renders = [r for r in ledger.open_runs(stage) if r.kind == "chunked-video"]
    in_renders = {r.id for r in renders}
    jobs = [
        j
        for j in ledger.data.jobs
        if (stage is None or j.stage == stage)
        and (j.run_id not in in_renders or not j.run_id)
        and (j.state in UNFINISHED or j.state == "lost")
    ]
    return Pending(jobs, renders)


def remember_request(
    ledger: Ledger, run: RunRecord, request: StageRequest, project: Project
) -> None:
    """What a chunked render needs to be built again after a restart (project-relative paths)."""
    wf = request.workflow
    saved = {
        "workflow": wf.name,
        "workflow_path": str(wf.path) if wf.path else "",
        "params": request.params,
        "uploads": {k: project.relative(Path(v)) for k, v in request.uploads.items()},
        "take_settings": request.take_settings,
        "made_from": request.made_from,
    }
    run.spec = dict(run.spec, request=saved)
    ledger.update_run(run.id, spec=run.spec)


def request_from_run(run: RunRecord, project: Project) -> StageRequest:
    from vidgen_desktop.workflow import Stage, load_workflow, named_workflow

    saved = run.spec.get("request") or {}
    if not saved:
        raise InvalidInput(
            "This unfinished render was started by an older version and cannot be continued.",
            hint="Render the video again from the Video stage.",
        )
    path = Path(str(saved.get("workflow_path") or ""))
    if saved.get("workflow_path") and path.is_file():
        wf = load_workflow(path, stage=Stage.VIDEO)
    else:
        wf = named_workflow(str(saved.get("workflow") or run.workflow), Stage.VIDEO)
    uploads = {k: project.root / str(v) for k, v in (saved.get("uploads") or {}).items()}
    return StageRequest(
        "video",
        wf,
        dict(saved.get("params") or {}),
        uploads,
        dict(saved.get("take_settings") or {}),
        dict(saved.get("made_from") or {}),
    )


def resume_stage(
    client_for: ClientFor,
    project: Project,
    ledger: Ledger,
    stage: str,
    report: ProgressCallback,
    token: CancelToken,
    *,
    resubmit_lost: bool = False,
    detach: threading.Event | None = None,
) -> ResumeOutcome:
    """Find the stage's unfinished work again and carry it to its files (see the module doc)."""
    out = ResumeOutcome()
    pending = pending_work(ledger, stage)
    for job in pending.jobs:
        token.raise_if_cancelled()
        if job.state == "lost":
            if not resubmit_lost:
                out.lost.append(job)
                continue
            out.said.append(f"Sent the lost {stage} job again.")
            out.takes.append(
                _resubmit(client_for(job.server), project, ledger, job, report, token, detach)
            )
            continue
        take = _attach(client_for(job.server), project, ledger, job, report, token, detach, out)
        if take is None and resubmit_lost:  # the server forgot it: send it again now
            out.lost.remove(job)
            out.said.append(f"Sent the lost {stage} job again.")
            take = _resubmit(client_for(job.server), project, ledger, job, report, token, detach)
        if take is not None:
            out.takes.append(take)
    for run in pending.renders:
        token.raise_if_cancelled()
        lost = [j for j in ledger.jobs_of(run.id) if j.state == "lost"]
        if lost and not resubmit_lost:
            out.lost.extend(lost)
            continue
        from vidgen_desktop.pipeline.chunked_render import ChunkedRender

        render = ChunkedRender(
            client_for(run.server),
            project,
            ledger,
            request_from_run(run, project),
            report,
            token,
            detach,
        )
        try:
            take, _result = render.run(resubmit_lost=resubmit_lost)
        except JobLost:
            out.lost.extend(j for j in ledger.jobs_of(run.id) if j.state == "lost")
            out.said.append(
                "A chunk of the video render was lost: ComfyUI restarted before it finished. "
                "The finished chunks are kept."
            )
            continue
        out.said.append(f"The {run.spec.get('chunks', '?')}-chunk video render is finished.")
        out.takes.append(take)
    return out


def _attach(
    client: ComfyClient,
    project: Project,
    ledger: Ledger,
    job: JobRecord,
    report: ProgressCallback,
    token: CancelToken,
    detach: threading.Event | None,
    out: ResumeOutcome,
) -> Take | None:
    kind = str(job.take.get("kind") or STAGE_KINDS.get(job.stage, "image"))
    report(Progress(None, f"Finding the {job.stage} job again in ComfyUI…", kind="status"))
    try:
        result = run_recorded(
            client,
            project,
            ledger,
            job,
            None,
            report,
            token,
            kinds=(kind,),
            detach=detach,
            attach=True,
        )
    except JobLost:
        out.lost.append(job)
        out.said.append(f"The {job.stage} job was lost: ComfyUI restarted before it finished.")
        return None
    out.said.append(f"The {job.stage} job that was running when the app closed is done.")
    return take_from(job, result, project)


def _resubmit(
    client: ComfyClient,
    project: Project,
    ledger: Ledger,
    job: JobRecord,
    report: ProgressCallback,
    token: CancelToken,
    detach: threading.Event | None,
) -> Take:
    """Send a lost job's recorded graph again, under a new prompt id (same inputs, same seed)."""
    graph: dict[str, Any] | None = ledger.graph_of(job.prompt_id)
    if graph is None:
        ledger.update(job.prompt_id, "failed", error="lost, and its graph is missing")
        raise InvalidInput(
            f"The lost {job.stage} job cannot be sent again: its graph is missing from the ledger.",
            hint="Generate it again from the stage.",
        )
    ledger.update(job.prompt_id, "failed", error="lost; sent again as a new job")
    record = new_record(
        client,
        job.stage,
        job.workflow,
        job.inputs_hash,
        take=job.take,
        run_id=job.run_id,
        chunk=job.chunk,
    )
    kind = str(job.take.get("kind") or STAGE_KINDS.get(job.stage, "image"))
    result = run_recorded(
        client, project, ledger, record, graph, report, token, kinds=(kind,), detach=detach
    )
    return take_from(record, result, project)


def forget_lost(ledger: Ledger, stage: str) -> int:
    """The user chose not to send the lost jobs again: they stop being offered."""
    pending = pending_work(ledger, stage)
    for job in pending.lost:
        ledger.update(job.prompt_id, "failed", error="lost; the user chose not to send it again")
    for run in pending.renders:
        if any(j.state == "lost" for j in ledger.jobs_of(run.id)):
            ledger.update_run(run.id, state="failed", error="lost; not continued")
    return len(pending.lost)


def project_has_work(root: Path) -> bool:
    """Cheap: is there anything to pick up in this project?"""
    return bool(pending_work(Ledger(root)))
