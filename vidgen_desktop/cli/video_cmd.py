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
    choose_workflow,
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
from vidgen_desktop.core.mp4_tracks import has_audio_track
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.pipeline import StageOutcome, StageRequest
from vidgen_desktop.workflow import Stage, VideoPlan, Workflow, plan_video

NO_SOUND = "this workflow's video has no sound (its MP4 has no audio track); the take is kept as it is"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "video", help="animate the chosen image with the chosen voice take (talking video)",
        description="Render the talking video for the project; print the MP4's path.",
        epilog=f"exit codes: {REASONS}")
    add_common_options(p)
    p.add_argument("--workflow", help="workflow file (API format) or a shipped workflow's name")
    p.add_argument("--scene", type=Path, help="scene JSON to use (default: the project's scene)")
    p.add_argument("--image", type=Path, help="portrait image (default: the project's chosen image take)")
    p.add_argument("--audio", type=Path, help="speech audio (default: the project's chosen voice take)")
    p.add_argument("--positive", "--prompt", dest="positive", help="video prompt (default: the scene's)")
    p.add_argument("--negative", help="negative prompt (default: the scene's)")
    p.add_argument("--seconds", type=float, help="length in seconds (default: the voice take's length)")
    p.add_argument("--size", metavar="WxH", help="resolution, multiples of 16 (default: the workflow's)")
    p.add_argument("--steps", type=int, help="sampler steps per chunk")
    p.add_argument("--fps", type=float, help="frames per second (default: the workflow's)")
    p.add_argument("--seed", type=int, help="fixed seed (default: random, printed at the end)")
    lora = p.add_mutually_exclusive_group()
    lora.add_argument("--lora", dest="lora", action="store_true", default=None,
                      help="use the 4-step LoRA (4 steps, cfg 1)")
    lora.add_argument("--no-lora", dest="lora", action="store_false", help="no LoRA (the default)")
    p.set_defaults(func=run)


def _input_file(project: Project, given: Path | None, stage: str, option: str) -> Path:
    if given is not None:
        if not Path(given).is_file():
            raise InvalidInput(f"{given} is not a file.")
        return Path(given)
    take = project.chosen_take(stage)
    if take is None:
        raise InvalidInput(f"The project has no chosen {stage} take.",
                           hint=f"Run `vidgen {stage} --project …` first, or pass {option} FILE.")
    return project.path_of(take)


def video_request(wf: Workflow, scene: Scene | None, project: Project,
                  values: dict[str, Any]) -> tuple[StageRequest, VideoPlan]:
    """Panel-equivalent parameters and the plan they cost. values: image, audio, positive, negative,
    seconds, size, steps, fps, seed, lora (None = take / scene / workflow default)."""
    image = _input_file(project, values.get("image"), "image", "--image")
    audio = _input_file(project, values.get("audio"), "voice", "--audio")
    for name in ("seconds", "steps", "fps"):
        positive(name, values.get(name))
    seconds = values.get("seconds")
    if seconds is None:
        voice = project.chosen_take("voice")
        use_take = values.get("audio") is None and voice is not None and voice.duration_s
        seconds = voice.duration_s if use_take else duration_seconds(audio)
        if not seconds:
            raise InvalidInput(f"The length of {audio.name} is unknown.", hint="Pass --seconds.")
    prompt = values.get("positive") or (scene.video.positive_prompt if scene else "")
    if not prompt.strip():
        raise InvalidInput("The video prompt is empty.", hint="Pass --positive or give the project a scene.")
    negative = values.get("negative")
    if negative is None:
        negative = scene.video.negative_prompt if scene else ""
    params: dict[str, Any] = {"positive": prompt.strip(), "negative": negative.strip(),
                              "seconds": float(seconds), "seed": values.get("seed")}
    size = parse_size(values.get("size"))
    if size is not None:
        params["width"], params["height"] = size
    for name in ("steps", "fps", "lora"):
        if values.get(name) is not None:
            params[name] = values[name]
    info = wf.manifest.video
    steps = params.get("steps")
    if steps is None and params.get("lora") and info is not None and info.lora_steps:
        steps = info.lora_steps
    plan = plan_video(wf, seconds=float(seconds), fps=params.get("fps"), steps=steps)
    settings = {"prompt": params["positive"], "length (s)": plan.seconds, "chunks": plan.chunks,
                "source": "vidgen video"}
    return StageRequest("video", wf, params, {"image": image, "audio": audio}, settings), plan


def cost_lines(wf: Workflow, plan: VideoPlan) -> list[str]:
    rate = step_rates().get(wf.name)
    estimate = plan.estimate_seconds(rate)
    when = (f"about {format_duration(estimate)} (measured {rate:.1f} s/step here)" if estimate is not None
            else "unknown until the first run on this machine")
    return [f"Cost: {plan.summary()}", f"Estimated time: {when}"]


def check_sound(project: Project, outcome: StageOutcome) -> bool | None:
    has_audio = has_audio_track(project.path_of(outcome.take))
    outcome.take.info["has_audio"] = has_audio
    project.save()
    return has_audio


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    project = Project.create(args.project)
    scene = read_scene(args.scene) if args.scene else project.data.scene
    if args.scene and project.data.scene != scene:
        project.set_scene(scene)
    report = StderrProgress(args.quiet)
    client = ComfyClient(settings.comfyui_url)
    try:
        wf = choose_workflow(Stage.VIDEO, args.workflow, settings.workflows.get("video", ""), client)
        request, plan = video_request(wf, scene, project, vars(args))
        report.say(f"Workflow: {wf.name} · ComfyUI at {settings.comfyui_url}")
        for line in cost_lines(wf, plan):
            report.say(line)
        outcome = run_comfy_stage(client, project, request, settings, report)
    finally:
        client.close()
    if check_sound(project, outcome) is False:
        print(f"warning: {NO_SOUND}", file=sys.stderr)
    seed = f", seed {outcome.seed}" if outcome.seed is not None else ""
    report.say(f"done: {plan.chunks} chunk(s) in {format_duration(outcome.job.elapsed_s)}{seed}")
    sys.stdout.write(f"{project.path_of(outcome.take)}\n")
    sys.stdout.flush()
    return 0
