"""`vidgen voice`: the project's scene → a speech (or song) take, headless, same core as the panel.

Every Voice panel setting is an option. Progress goes to stderr, the take's path to stdout.
"""

from __future__ import annotations

import argparse
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
)
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.pipeline.draft import draft_request
from vidgen_desktop.pipeline.option_inputs import length_warning, voice_inputs
from vidgen_desktop.pipeline.option_inputs import voice_request_for as cli_voice_request
from vidgen_desktop.pipeline.stage_job import choose_workflow
from vidgen_desktop.workflow import Stage


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "voice",
        help="speak (or sing) the scene's text with a ComfyUI voice workflow",
        description="Generate a voice take for the project's scene; print the saved file's path.",
        epilog=f"exit codes: {REASONS}",
    )
    add_common_options(p)
    add_detach_option(p)
    p.add_argument(
        "--draft",
        action="store_true",
        help="a quick preview: only the first sentences (a song: its first 15 s), same voice "
        "and seed (kept as a draft take, never chosen)",
    )
    p.add_argument("--workflow", help="workflow file (API format) or a shipped workflow's name")
    p.add_argument("--scene", type=Path, help="scene JSON to use (default: the project's scene)")
    p.add_argument("--text", help="the words to speak (default: the scene's lyrics)")
    p.add_argument(
        "--tags", help="style tags, comma separated (song workflows; default: the scene's)"
    )
    p.add_argument(
        "--instruct",
        "--voice-instructions",
        dest="instruct",
        help="free-text style instruction, e.g. 'calm, low, slow'",
    )
    p.add_argument("--speaker", help="preset speaker (Qwen3-TTS: Ryan, Serena, …)")
    p.add_argument(
        "--seconds",
        type=float,
        help="length in seconds: a song is made this long, speech is checked against it "
        "(default: the song workflow's length; for speech the text's spoken length)",
    )
    p.add_argument("--steps", type=int, help="sampler steps where the workflow has them")
    p.add_argument("--seed", type=int, help="fixed seed (default: random, printed at the end)")
    p.add_argument(
        "--reference-audio", type=Path, help="voice clip to copy (WAV/MP3/FLAC; cloning workflows)"
    )
    p.add_argument("--reference-text", help="what the reference clip says")
    p.set_defaults(func=run)


def scene_for(project: Project, scene_file: Path | None) -> Scene:
    if scene_file is not None:
        scene = read_scene(scene_file)
        if project.data.scene != scene:
            project.set_scene(scene)
        return scene
    if project.data.scene is None:
        raise InvalidInput(
            f"The project {project.root} has no scene yet.",
            hint="Run `vidgen script --topic … --out scene.json` and pass --scene, "
            "or use `vidgen run`.",
        )
    return project.data.scene


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    project = open_project(args.project)
    scene = scene_for(project, args.scene) if args.text is None else project.data.scene
    report = StderrProgress(args.quiet)
    client = ComfyClient(settings.comfyui_url)
    try:
        wf = choose_workflow(
            Stage.VOICE, args.workflow, settings.workflows.get("voice", ""), client
        )
        request = cli_voice_request(wf, scene, vars(args), "vidgen voice")
        if args.draft:
            request, notes = draft_request(wf, voice_inputs(scene, vars(args), "vidgen voice"))
            report.say("Draft: " + "; ".join(notes) + ".")
        warning = length_warning(request.params["text"], args.seconds)
        if warning:
            report.warn(warning)
        report.say(f"Workflow: {wf.name} · ComfyUI at {settings.comfyui_url}")
        outcome = run_comfy_stage(
            client, project, request, settings, report, detach=detach_event(args)
        )
    finally:
        client.close()
    take = outcome.take
    length = f"{take.duration_s:.1f} s of audio" if take.duration_s else "audio of unknown length"
    seed = f", seed {outcome.seed}" if outcome.seed is not None else ""
    report.say(f"done: {length} in {format_duration(outcome.job.elapsed_s)}{seed}")
    sys.stdout.write(f"{project.path_of(take)}\n")
    sys.stdout.flush()
    return 0
