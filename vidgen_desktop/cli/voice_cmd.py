"""`vidgen voice`: the project's scene → a speech (or song) take, headless, same core as the panel.

Every Voice panel setting is an option. Progress goes to stderr, the take's path to stdout.
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
    positive,
    read_scene,
    run_comfy_stage,
    settings_from,
)
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.speech_timing import check_length
from vidgen_desktop.pipeline import StageRequest
from vidgen_desktop.pipeline.draft import draft_request
from vidgen_desktop.pipeline.inputs import VoiceInputs, voice_request
from vidgen_desktop.pipeline.stage_job import choose_workflow
from vidgen_desktop.workflow import Stage, Workflow


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


def cli_voice_request(
    wf: Workflow,
    scene: Scene | None,
    values: dict[str, Any],
    source: str,
    clip_option: str = "--reference-audio",
) -> StageRequest:
    """The request for these options; a missing reference clip is asked for by its option."""
    if "reference_audio" in wf.params and values.get("reference_audio") is None:
        raise InvalidInput(
            f"“{wf.name}” copies a voice: pass {clip_option} CLIP.",
            hint="A clean 5–15 s WAV, MP3 or FLAC of the voice to copy.",
        )
    return voice_request(wf, voice_inputs(scene, values, source))


def voice_inputs(scene: Scene | None, values: dict[str, Any], source: str) -> VoiceInputs:
    """Options → typed inputs; values: text, tags, instruct, speaker, seconds, steps, seed,
    reference_audio, reference_text (None = the scene's text and tags / the workflow's default)."""
    for name in ("seconds", "steps"):
        positive(name, values.get(name))
    text = values.get("text") or (scene.audio.lyrics if scene else "") or ""
    tags = values.get("tags")
    if tags is None and scene is not None:
        tags = ", ".join(scene.audio.tags)
    ref = values.get("reference_audio")
    if ref is not None and not Path(ref).is_file():
        raise InvalidInput(f"{ref} is not a file.")
    return VoiceInputs(
        text=text,
        tags=tags,
        instruct=values.get("instruct"),
        speaker=values.get("speaker"),
        seconds=values.get("seconds"),
        steps=values.get("steps"),
        seed=values.get("seed"),
        reference_audio=Path(ref) if ref is not None else None,
        reference_text=values.get("reference_text"),
        source=source,
    )


def length_warning(text: str, seconds: float | None) -> str:
    if not seconds:
        return ""
    check = check_length(text, seconds)
    return check.message if check.level == "warn" else ""


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
