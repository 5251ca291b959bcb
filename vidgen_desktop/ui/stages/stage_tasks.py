"""The work a stage panel hands to the job queue, as functions that run on the job's thread and
touch no widget: a Generate (pipeline.stage_job) and a pick-up of unfinished work
(pipeline.resume). Previews are decoded here too, never in the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.core.project import Project
from vidgen_desktop.pipeline.types import StageOutcome, StageRequest
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.job_queue import JobFn


def preparing(report: ProgressCallback, prepare: Callable[[bytes], Any]) -> ProgressCallback:
    """Reports with each preview frame already turned into what the panel shows."""

    def relay(p: Progress) -> None:
        if p.kind == "preview" and p.preview:
            p = replace(p, extra=dict(p.extra, prepared=prepare(p.preview)))
        report(p)

    return relay


def generate_task(
    context: AppContext,
    project: Project,
    request: StageRequest,
    post: Callable[[StageOutcome, Project], StageOutcome],
    prepare: Callable[[bytes], Any],
    server: str,
) -> JobFn:
    """The job starts on `server` (context.server_for); on "automatic" it may move on."""
    client_for = context.client_for
    settings = context.settings.model_copy(deep=True)  # the job keeps the settings it began with

    def task(report, token, detach) -> StageOutcome:
        from vidgen_desktop.pipeline.failover import run_stage_anywhere  # loads the client
        from vidgen_desktop.pipeline.ledger import ledger_for

        outcome = run_stage_anywhere(
            client_for,
            project,
            request,
            preparing(report, prepare),
            token,
            settings=settings,
            server=server,
            timings=context.timings,
            add_to_project=False,
            ledger=ledger_for(project.root),
            detach=detach,
        )
        return post(outcome, project)

    return task


def resume_task(
    context: AppContext,
    project: Project,
    stage: str,
    prepare: Callable[[bytes], Any],
    resubmit_lost: bool,
) -> JobFn:
    client_for = context.client_for

    def task(report, token, detach) -> Any:
        from vidgen_desktop.pipeline.ledger import ledger_for
        from vidgen_desktop.pipeline.resume import resume_stage

        return resume_stage(
            client_for,
            project,
            ledger_for(project.root),
            stage,
            preparing(report, prepare),
            token,
            resubmit_lost=resubmit_lost,
            detach=detach,
        )

    return task
