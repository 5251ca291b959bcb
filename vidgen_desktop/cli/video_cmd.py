"""`vidgen video`: the chosen image + voice takes → a talking MP4, headless, same core as the panel.

Every Video panel setting is an option. Before queueing it prints the cost (chunks, frames, steps,
size, LoRA) and the time estimate from earlier runs here (pipeline.estimate; "unknown" with none);
`--dry-run [--json]` prints only that, `--draft` renders the cheap preview. Progress goes to
stderr, the MP4's path to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vidgen_desktop.cli.stage_common import (
    REASONS,
    StderrProgress,
    add_common_options,
    add_detach_option,
    detach_event,
    open_project,
    read_scene,
    run_comfy_stage,
    settings_from,
    timings,
)
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.errors import InvalidInput, ServerUnavailable
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.pipeline import StageOutcome
from vidgen_desktop.pipeline.inputs import VideoInputs
from vidgen_desktop.pipeline.option_inputs import video_inputs, video_report_for
from vidgen_desktop.pipeline.stage_job import choose_workflow
from vidgen_desktop.pipeline.video_plan import VideoReport
from vidgen_desktop.workflow import Stage, Workflow, named_workflow, shipped_workflows

NO_SOUND = (
    "this workflow's video has no sound (its MP4 has no audio track); the take is kept as it is"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "video",
        help="animate the chosen image with the chosen voice take (talking video)",
        description="Render the talking video for the project; print the MP4's path.",
        epilog=f"exit codes: {REASONS}",
    )
    add_common_options(p)
    add_detach_option(p)
    p.add_argument("--workflow", help="workflow file (API format) or a shipped workflow's name")
    p.add_argument("--scene", type=Path, help="scene JSON to use (default: the project's scene)")
    p.add_argument(
        "--image", type=Path, help="portrait image (default: the project's chosen image take)"
    )
    p.add_argument(
        "--audio", type=Path, help="speech audio (default: the project's chosen voice take)"
    )
    p.add_argument(
        "--positive", "--prompt", dest="positive", help="video prompt (default: the scene's)"
    )
    p.add_argument("--negative", help="negative prompt (default: the scene's)")
    p.add_argument(
        "--seconds", type=float, help="length in seconds (default: the voice take's length)"
    )
    p.add_argument(
        "--size", metavar="WxH", help="resolution, multiples of 16 (default: the workflow's)"
    )
    p.add_argument("--steps", type=int, help="sampler steps per chunk")
    p.add_argument("--fps", type=float, help="frames per second (default: the workflow's)")
    p.add_argument("--seed", type=int, help="fixed seed (default: random, printed at the end)")
    lora = p.add_mutually_exclusive_group()
    lora.add_argument(
        "--lora",
        dest="lora",
        action="store_true",
        default=None,
        help="use the 4-step LoRA (4 steps, cfg 1)",
    )
    lora.add_argument(
        "--no-lora",
        dest="lora",
        action="store_false",
        help="no LoRA (default: the LoRA on GPUs of 16 GB or less, else none)",
    )
    p.add_argument(
        "--draft",
        action="store_true",
        help="a cheap preview: the first chunk at about 288 px on the short side with the 4-step "
        "LoRA, same image, speech, prompts and seed (kept as a draft take, never chosen)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan and the time estimate; queue nothing",
    )
    p.add_argument("--json", action="store_true", help="with --dry-run: one JSON object on stdout")
    p.set_defaults(func=run)


def report_for(
    wf: Workflow, inputs: VideoInputs, settings: Settings, *, draft: bool = False
) -> VideoReport:
    """The request and what it costs here (the card's memory decides the LoRA's default)."""
    return video_report_for(wf, inputs, settings, timings(), draft=draft)


def dry_workflow(args: argparse.Namespace, settings: Settings) -> Workflow:
    """The workflow a run would use, without needing the server (it may be down)."""
    if args.workflow:
        return named_workflow(args.workflow, Stage.VIDEO)
    client = ComfyClient(settings.comfyui_url)
    try:
        return choose_workflow(Stage.VIDEO, None, settings.workflows.get("video", ""), client)
    except ServerUnavailable:
        remembered = settings.workflows.get("video", "")
        return (
            named_workflow(remembered, Stage.VIDEO)
            if remembered
            else shipped_workflows(stage=Stage.VIDEO)[0]
        )
    finally:
        client.close()


def check_sound(project: Project, outcome: StageOutcome) -> bool | None:
    """Whether the MP4 has a sound track (the take knows: pipeline.recorded_job)."""
    has_audio = outcome.take.info.get("has_audio")
    return bool(has_audio) if has_audio is not None else None


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    project = open_project(args.project)
    scene = read_scene(args.scene) if args.scene else project.data.scene
    if args.scene and project.data.scene != scene:
        project.set_scene(scene)
    report = StderrProgress(args.quiet)
    if args.json and not args.dry_run:
        raise InvalidInput("--json goes with --dry-run (a render prints its file's path).")
    if args.dry_run:
        wf = dry_workflow(args, settings)
        inputs = video_inputs(project, scene, vars(args), "vidgen video")
        plan_report = report_for(wf, inputs, settings, draft=args.draft)
        if args.json:
            sys.stdout.write(json.dumps(plan_report.as_json(), indent=2) + "\n")
        else:
            print(f"Workflow: {wf.name} (dry run: nothing is queued)", file=sys.stderr)
            sys.stdout.write("\n".join(plan_report.lines()) + "\n")
        return 0
    client = ComfyClient(settings.comfyui_url)
    try:
        wf = choose_workflow(
            Stage.VIDEO, args.workflow, settings.workflows.get("video", ""), client
        )
        inputs = video_inputs(project, scene, vars(args), "vidgen video")
        plan_report = report_for(wf, inputs, settings, draft=args.draft)
        request, plan = plan_report.request, plan_report.plan
        report.say(f"Workflow: {wf.name} · ComfyUI at {settings.comfyui_url}")
        for line in plan_report.lines():
            report.say(line)
        outcome = run_comfy_stage(
            client, project, request, settings, report, detach=detach_event(args)
        )
    finally:
        client.close()
    if check_sound(project, outcome) is False:
        print(f"warning: {NO_SOUND}", file=sys.stderr)
    seed = f", seed {outcome.seed}" if outcome.seed is not None else ""
    what = "draft" if args.draft else f"{plan.chunks} chunk(s)"
    report.say(f"done: {what} in {format_duration(outcome.job.elapsed_s)}{seed}")
    if args.draft and outcome.seed is not None and args.seed is None:
        report.say(f"the full render matches this draft with --seed {outcome.seed}")
    sys.stdout.write(f"{project.path_of(outcome.take)}\n")
    sys.stdout.flush()
    return 0
