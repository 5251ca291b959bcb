"""`vidgen video`: the chosen image + voice takes → a talking MP4, headless, same core as the panel.

Every Video panel setting is an option. Before queueing it prints the cost (chunks, frames, steps,
and a time estimate only once this machine has a measured step rate). Progress goes to stderr,
the MP4's path to stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vidgen_desktop.cli.stage_common import (
    REASONS,
    StderrProgress,
    add_common_options,
    add_detach_option,
    detach_event,
    open_project,
    parse_size,
    positive,
    read_scene,
    run_comfy_stage,
    settings_from,
    step_rates,
)
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.media_info import duration_seconds
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.pipeline import StageOutcome
from vidgen_desktop.pipeline.inputs import VideoInputs, video_request
from vidgen_desktop.pipeline.stage_job import choose_workflow
from vidgen_desktop.workflow import Stage, VideoPlan, Workflow

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
        "--no-lora", dest="lora", action="store_false", help="no LoRA (default: the workflow's)"
    )
    p.set_defaults(func=run)


def _input_file(project: Project, given: Path | None, stage: str, option: str) -> Path:
    if given is not None:
        if not Path(given).is_file():
            raise InvalidInput(f"{given} is not a file.")
        return Path(given)
    take = project.chosen_take(stage)
    if take is None:
        raise InvalidInput(
            f"The project has no chosen {stage} take.",
            hint=f"Run `vidgen {stage} --project …` first, or pass {option} FILE.",
        )
    return project.path_of(take)


def video_inputs(
    project: Project,
    scene: Scene | None,
    values: dict[str, Any],
    source: str,
    size_option: str = "--size",
) -> VideoInputs:
    """Options → typed inputs; values: image, audio, positive, negative, seconds, size, steps, fps,
    seed, lora (None = the chosen take / the scene / the workflow's default)."""
    for name in ("seconds", "steps", "fps"):
        positive(name, values.get(name))
    image = _input_file(project, values.get("image"), "image", "--image")
    audio = _input_file(project, values.get("audio"), "voice", "--audio")
    image_take = project.chosen_take("image") if values.get("image") is None else None
    voice_take = project.chosen_take("voice") if values.get("audio") is None else None
    seconds = values.get("seconds")
    if seconds is None:
        seconds = (
            voice_take.duration_s
            if voice_take is not None and voice_take.duration_s
            else duration_seconds(audio)
        )
        if not seconds:
            raise InvalidInput(f"The length of {audio.name} is unknown.", hint="Pass --seconds.")
    prompt = values.get("positive") or (scene.video.positive_prompt if scene else "")
    if not prompt.strip():
        raise InvalidInput(
            "The video prompt is empty.", hint="Pass --positive or give the project a scene."
        )
    negative = values.get("negative")
    if negative is None:
        negative = scene.video.negative_prompt if scene else ""
    size = parse_size(values.get("size"), size_option)
    return VideoInputs(
        image=image,
        audio=audio,
        positive=prompt,
        negative=negative,
        seconds=float(seconds),
        width=size[0] if size else None,
        height=size[1] if size else None,
        steps=values.get("steps"),
        fps=values.get("fps"),
        seed=values.get("seed"),
        lora=values.get("lora"),
        image_take=image_take.id if image_take else None,
        voice_take=voice_take.id if voice_take else None,
        source=source,
    )


def cost_lines(wf: Workflow, plan: VideoPlan) -> list[str]:
    rate = step_rates().get(wf.name)
    estimate = plan.estimate_seconds(rate)
    when = (
        f"about {format_duration(estimate)} (measured {rate:.1f} s/step here)"
        if estimate is not None
        else "unknown until the first run on this machine"
    )
    return [f"Cost: {plan.summary()}", f"Estimated time: {when}"]


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
    client = ComfyClient(settings.comfyui_url)
    try:
        wf = choose_workflow(
            Stage.VIDEO, args.workflow, settings.workflows.get("video", ""), client
        )
        request, plan = video_request(wf, video_inputs(project, scene, vars(args), "vidgen video"))
        report.say(f"Workflow: {wf.name} · ComfyUI at {settings.comfyui_url}")
        for line in cost_lines(wf, plan):
            report.say(line)
        outcome = run_comfy_stage(
            client, project, request, settings, report, detach=detach_event(args)
        )
    finally:
        client.close()
    if check_sound(project, outcome) is False:
        print(f"warning: {NO_SOUND}", file=sys.stderr)
    seed = f", seed {outcome.seed}" if outcome.seed is not None else ""
    report.say(f"done: {plan.chunks} chunk(s) in {format_duration(outcome.job.elapsed_s)}{seed}")
    sys.stdout.write(f"{project.path_of(outcome.take)}\n")
    sys.stdout.flush()
    return 0
