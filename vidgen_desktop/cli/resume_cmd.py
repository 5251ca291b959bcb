"""`vidgen resume --project DIR`: pick up everything unfinished in a project and see it through.

Jobs still queued or running on ComfyUI are re-attached (progress on stderr), ones that finished
while nobody watched are downloaded as takes, ones the server forgot (it restarted) are sent
again with the graph they sent, an interrupted chunked render renders only its missing chunks
and assembles, and an interrupted `vidgen run` / "Run remaining stages" goes on with the stages
it had not done. Exit 0 once every output is in the project (or there was nothing to do).
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from vidgen_desktop.cli.stage_common import (
    StderrProgress,
    add_common_options,
    add_detach_option,
    cancellable,
    detach_event,
    open_project,
    settings_from,
    timings,
)
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.pipeline.ledger import ledger_for
from vidgen_desktop.pipeline.resume import ResumeOutcome, pending_work, resume_stage
from vidgen_desktop.pipeline.run_all import (
    COMFY_STAGES,
    PipelineRun,
    StageFailed,
    StageHooks,
    next_stage,
    open_pipelines,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "resume",
        help="finish a project's unfinished jobs (after a quit, a crash or a server restart)",
        description="Re-attach to, collect or resubmit every unfinished job of the project; "
        "finish interrupted chunked renders and interrupted runs. Exit 0 once the outputs are "
        "in the project.",
    )
    add_common_options(p)
    add_detach_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    project = open_project(Path(args.project), remind_unfinished=False)
    ledger = ledger_for(project.root)
    pipelines = open_pipelines(ledger)
    if not pending_work(ledger) and not pipelines:
        print(f"Nothing to resume in {project.root}.", file=sys.stderr)
        return 0
    clients: dict[str, ComfyClient] = {}

    def client_for(url: str) -> ComfyClient:
        # a job is found again on the server it was sent to, unless --comfyui names another
        url = settings.comfyui_url if getattr(args, "comfyui", None) else url
        if url not in clients:
            clients[url] = ComfyClient(url)
        return clients[url]

    token, detach = CancelToken(), detach_event(args)
    outcome = ResumeOutcome()
    resumed: set[str] = set()
    try:
        for stage in COMFY_STAGES:
            if not pending_work(ledger, stage):
                continue
            report = StderrProgress(args.quiet, prefix=f"  {stage}: ")
            part = cancellable(
                stage,
                partial(
                    resume_stage,
                    client_for,
                    project,
                    ledger,
                    stage,
                    report,
                    token,
                    resubmit_lost=True,
                    detach=detach,
                ),
                token,
            )
            for take in part.takes:
                project.add_take(take)
                resumed.add(stage)
                sys.stdout.write(f"{project.path_of(take)}\n")
            for sentence in part.said:
                report.say(sentence)
            outcome.merge(part)
        for record in pipelines:
            first = next_stage(record, resumed)
            if first is None:
                continue
            print(f"Continuing the interrupted run from {first}…", file=sys.stderr)
            runner = PipelineRun(
                client_for(record.server or settings.comfyui_url),
                project,
                settings,
                StageHooks(report_for=lambda s: StderrProgress(args.quiet, prefix=f"  {s}: ")),
                token=token,
                timings=timings(),
                detach=detach,
            )
            results = cancellable("run", partial(runner.go_on, record, resumed), token)
            for result in results.values():
                sys.stdout.write(f"{project.path_of(result.take)}\n")
    except StageFailed as failed:
        print(
            f"error: the {failed.stage} stage failed: {failed.error.user_text('cli')}",
            file=sys.stderr,
        )
        return failed.exit_code
    except VidGenError:
        raise
    finally:
        for client in clients.values():
            client.close()
    sys.stdout.flush()
    left = pending_work(ledger)
    if left:
        print(
            f"Still unfinished: {len(left.jobs)} job(s), {len(left.renders)} render(s); "
            "run `vidgen resume` again once ComfyUI is back.",
            file=sys.stderr,
        )
        return 9
    return 0
