"""`vidgen image`: scene.json → one image in the project folder, headless, same core as the panel.

Progress goes to stderr, the saved image's path to stdout, so `img=$(vidgen image …)` works.
Exit codes say what failed: 2 bad input, 3 ComfyUI unreachable, 4 server error, 7 disk trouble,
8 the server lacks a node pack / model file (nothing queued) or rejected the workflow,
9 the job failed while running (out of GPU memory included), 130 cancelled (Ctrl+C).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vidgen_desktop.cli.stage_common import (
    StderrProgress,
    add_common_options,
    add_detach_option,
    detach_event,
    open_project,
    read_scene,
    run_comfy_stage,
    settings_from,
)
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.pipeline.draft import draft_request
from vidgen_desktop.pipeline.image_sizes import ASPECTS
from vidgen_desktop.pipeline.inputs import DEFAULT_ASPECT, ImageInputs, image_request
from vidgen_desktop.pipeline.stage_job import choose_workflow
from vidgen_desktop.workflow import Stage

EPILOG = (
    "exit codes: 0 ok, 2 bad input, 3 ComfyUI unreachable, 4 ComfyUI error, 7 disk trouble, "
    "8 missing node pack/model file or workflow rejected, 9 job failed (e.g. out of GPU memory), "
    "130 cancelled"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "image",
        help="generate the scene's still image with ComfyUI",
        description="Generate an image for the scene's image prompt; print the saved file's path.",
        epilog=EPILOG,
    )
    p.add_argument(
        "--scene", type=Path, required=True, help="scene JSON (as `vidgen script` writes)"
    )
    add_common_options(p)
    add_detach_option(p)
    p.add_argument(
        "--draft",
        action="store_true",
        help="a quick preview: half the steps at half the size, same prompt and seed "
        "(kept as a draft take, never chosen)",
    )
    p.add_argument("--workflow", help="workflow file (API format) or a shipped workflow's name")
    p.add_argument(
        "--aspect",
        choices=[a[0] for a in ASPECTS],
        help=f"size preset for the model (default: {DEFAULT_ASPECT})",
    )
    p.add_argument("--width", type=int, help="width in px (overrides --aspect)")
    p.add_argument("--height", type=int, help="height in px (overrides --aspect)")
    p.add_argument("--steps", type=int, help="sampler steps (default: the workflow's)")
    p.add_argument("--cfg", type=float, help="CFG scale (default: the workflow's)")
    p.add_argument("--seed", type=int, help="fixed seed (default: random, printed at the end)")
    p.add_argument("--style", default="", help="style / instructions appended to the prompt")
    p.add_argument("--prompt", help="use this prompt instead of the scene's image prompt")
    p.add_argument("--negative", help="use this negative prompt instead of the scene's")
    p.set_defaults(func=run)


def image_inputs(args: argparse.Namespace, scene: Scene, source: str) -> ImageInputs:
    positive = args.prompt if args.prompt is not None else scene.image.positive_prompt
    negative = args.negative if args.negative is not None else scene.image.negative_prompt
    return ImageInputs(
        positive=positive,
        negative=negative,
        style=args.style or "",
        aspect=args.aspect,
        width=args.width,
        height=args.height,
        steps=args.steps,
        cfg=args.cfg,
        seed=args.seed,
        source=source,
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    scene = read_scene(args.scene)
    project = open_project(args.project)
    if project.data.scene != scene:
        project.set_scene(scene)
    client = ComfyClient(settings.comfyui_url)
    token = CancelToken()
    report = StderrProgress(args.quiet)
    try:
        wf = choose_workflow(
            Stage.IMAGE, args.workflow, settings.workflows.get("image", ""), client
        )
        inputs = image_inputs(args, scene, "vidgen image")
        if args.draft:
            request, notes = draft_request(wf, inputs)
            report.say("Draft: " + "; ".join(notes) + ".")
        else:
            request = image_request(wf, inputs)
        report.say(f"Workflow: {wf.name} · ComfyUI at {settings.comfyui_url}")
        outcome = run_comfy_stage(
            client, project, request, settings, report, token, detach=detach_event(args)
        )
    finally:
        client.close()
    seed = f", seed {outcome.seed}" if outcome.seed is not None else ""
    report.say(f"done in {format_duration(outcome.job.elapsed_s)}{seed}")
    sys.stdout.write(f"{project.path_of(outcome.take)}\n")
    sys.stdout.flush()
    return 0
