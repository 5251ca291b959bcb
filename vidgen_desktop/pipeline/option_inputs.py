"""Options (a command's flags, a batch item's fields) → the typed inputs of a stage, checked
before anything runs. Shared by the CLI commands and the batch run (CLI and window)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.media_info import duration_seconds
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.pipeline.inputs import VideoInputs, VoiceInputs, voice_request
from vidgen_desktop.pipeline.timings import TimingStore
from vidgen_desktop.pipeline.types import StageRequest
from vidgen_desktop.pipeline.video_plan import VideoReport, video_report
from vidgen_desktop.workflow import Workflow


def positive(name: str, value: float | None) -> None:
    if value is not None and value <= 0:
        raise InvalidInput(f"--{name.replace('_', '-')} must be more than 0.")


def parse_size(
    text: str | None, option: str = "--size", multiple: int = 16
) -> tuple[int, int] | None:
    """ "480x832" → (480, 832); the S2V latent wants multiples of 16, an image latent of 8."""
    if not text:
        return None
    try:
        w, h = (int(v) for v in text.lower().replace("×", "x").split("x"))
    except ValueError as exc:
        raise InvalidInput(f"{option} {text!r} is not WIDTHxHEIGHT, e.g. 480x832.") from exc
    if w <= 0 or h <= 0 or w % multiple or h % multiple:
        raise InvalidInput(
            f"{option} {w}x{h}: width and height must be positive multiples of {multiple}."
        )
    return w, h


def voice_request_for(
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
    """The user's length for speech that will not fit it ("" when it fits or is not given)."""
    if not seconds:
        return ""
    from vidgen_desktop.core.speech_timing import check_length

    check = check_length(text, seconds)
    return check.message if check.level == "warn" else ""


def input_file(project: Project, given: Path | None, stage: str, option: str) -> Path:
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
    image = input_file(project, values.get("image"), "image", "--image")
    audio = input_file(project, values.get("audio"), "voice", "--audio")
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


def video_report_for(
    wf: Workflow,
    inputs: VideoInputs,
    settings: Settings,
    timings: TimingStore,
    *,
    draft: bool = False,
) -> VideoReport:
    """The request and what it costs on the settings' server (the card's memory decides the
    LoRA's default)."""
    from vidgen_desktop.gpu.readings import card_memory

    if inputs.lora is None and "lora" in wf.params:
        inputs.card_bytes = card_memory(settings.comfyui_url)
    return video_report(wf, inputs, timings.runs(wf.name, settings.comfyui_url), draft=draft)
