"""Typed stage inputs → the job's request, as pure functions (no Qt, no I/O).

The panels map their widgets, the CLI commands their arguments, to these values; everything after
that (which parameters the workflow binds, the defaults, what the take remembers) is decided here
once, so a click in the window and `vidgen voice|image|video|run` build the same job. `None` means
"the default": the one the window shows on a fresh install.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.speech_timing import estimate_seconds
from vidgen_desktop.pipeline.image_sizes import preset_for
from vidgen_desktop.pipeline.types import StageRequest
from vidgen_desktop.workflow import VideoPlan, Workflow, plan_video

DEFAULT_ASPECT = "9:16"
#: the speech length used when there is no text yet to estimate it from
FALLBACK_VOICE_SECONDS = 10.0
VOICE_SUFFIXES = (".wav", ".mp3", ".flac")


#: what each fingerprint means, for "out of date: the text changed"
MADE_FROM_WORDS = {
    "text": "the text",
    "tags": "the tags",
    "voice": "the voice settings",
    "prompt": "the prompt",
    "negative": "the negative prompt",
    "style": "the style",
    "take:image": "the chosen image",
    "take:voice": "the chosen voice take",
}


def fingerprint(value: Any) -> str:
    """A short, stable digest of an input (what a take remembers instead of the text)."""
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(data.encode("utf-8")).hexdigest()[:12]


def changed_inputs(made_from: dict[str, str], now: dict[str, str]) -> list[str]:
    """The inputs a take was made from that are different now (only those both know)."""
    return [MADE_FROM_WORDS.get(k, k) for k, v in made_from.items() if k in now and now[k] != v]


def _positive(name: str, value: float | None) -> None:
    if value is not None and value <= 0:
        raise InvalidInput(f"The {name} must be more than 0.")


# ---- voice ---------------------------------------------------------------------------------------


@dataclass
class VoiceInputs:
    text: str
    tags: str | None = None
    instruct: str | None = None
    speaker: str | None = None
    #: songs: the length to make; speech: the length the text is checked against
    seconds: float | None = None
    steps: int | None = None
    seed: int | None = None
    reference_audio: Path | None = None
    reference_text: str | None = None
    #: who asked ("vidgen run", …), kept with the take
    source: str = ""


def sings(workflow: Workflow) -> bool:
    """A song workflow makes as many seconds as it is told; a speech one speaks at its own pace."""
    return "seconds" in workflow.params


def default_voice_seconds(workflow: Workflow | None, text: str) -> float:
    """Songs keep their own length; speech defaults to the text's spoken length, rounded up."""
    if workflow is not None and sings(workflow) and workflow.default("seconds"):
        return float(workflow.default("seconds"))
    estimate = estimate_seconds(text)
    return float(max(1, math.ceil(estimate))) if estimate > 0 else FALLBACK_VOICE_SECONDS


def default_voice_steps(workflow: Workflow) -> int:
    return int(workflow.default("steps") or 8)


def voice_made_from(text: str, tags: str | None, voice: list[Any]) -> dict[str, str]:
    """Text, tags and the voice (instructions, speaker, reference clip) a take is made from."""
    return {
        "text": fingerprint(text.strip()),
        "tags": fingerprint((tags or "").strip()),
        "voice": fingerprint(voice),
    }


def voice_request(workflow: Workflow, inputs: VoiceInputs) -> StageRequest:
    text = inputs.text.strip()
    if not text:
        raise InvalidInput(
            "There is no text to speak.", hint="Type the spoken text, or generate a script first."
        )
    _positive("length", inputs.seconds)
    _positive("number of steps", inputs.steps)
    wanted = workflow.params
    params: dict[str, Any] = {"text": text, "seed": inputs.seed}
    settings: dict[str, Any] = {"text": text}
    seconds = (
        inputs.seconds if inputs.seconds is not None else default_voice_seconds(workflow, text)
    )
    settings["target length (s)"] = seconds
    if "seconds" in wanted:
        params["seconds"] = seconds
    if "tags" in wanted and inputs.tags is not None:
        params["tags"] = settings["tags"] = inputs.tags.strip()
    if "instruct" in wanted and inputs.instruct is not None:
        params["instruct"] = settings["voice instructions"] = inputs.instruct.strip()
    if "speaker" in wanted and inputs.speaker:
        params["speaker"] = settings["speaker"] = inputs.speaker
    if "steps" in wanted:
        steps = inputs.steps if inputs.steps is not None else default_voice_steps(workflow)
        params["steps"] = settings["steps"] = steps
    if "reference_text" in wanted and inputs.reference_text is not None:
        params["reference_text"] = inputs.reference_text.strip()
    uploads: dict[str, Path] = {}
    if "reference_audio" in wanted:
        ref = inputs.reference_audio
        if ref is None:
            raise InvalidInput(
                f"“{workflow.name}” copies a voice: choose a reference clip first.",
                hint="A clean 5–15 s WAV, MP3 or FLAC of the voice to copy.",
            )
        if Path(ref).suffix.lower() not in VOICE_SUFFIXES:
            raise InvalidInput(f"{Path(ref).name} is not a WAV, MP3 or FLAC file.")
        uploads["reference_audio"] = Path(ref)
        settings["reference clip"] = Path(ref).name
    if inputs.source:
        settings["source"] = inputs.source
    made_from = voice_made_from(text, params.get("tags"), voice_identity(params, uploads))
    return StageRequest("voice", workflow, params, uploads, settings, made_from)


def voice_identity(params: dict[str, Any], uploads: dict[str, Path]) -> list[Any]:
    clip = uploads.get("reference_audio")
    return [params.get("instruct"), params.get("speaker"), clip.name if clip else None]


# ---- image ---------------------------------------------------------------------------------------


@dataclass
class ImageInputs:
    positive: str
    negative: str = ""
    style: str = ""
    #: a size preset ("9:16"…); an explicit width/height wins over it
    aspect: str | None = None
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    cfg: float | None = None
    seed: int | None = None
    source: str = ""


def image_size(workflow: Workflow, inputs: ImageInputs) -> tuple[int, int, str | None]:
    """(width, height, aspect label or None): explicit size > preset for the aspect > 9:16."""
    if inputs.width is not None and inputs.height is not None:
        return inputs.width, inputs.height, inputs.aspect
    preset = preset_for(workflow, inputs.aspect or DEFAULT_ASPECT)
    return inputs.width or preset.width, inputs.height or preset.height, preset.aspect


def image_made_from(positive: str, negative: str, style: str) -> dict[str, str]:
    return {
        "prompt": fingerprint(positive.strip()),
        "negative": fingerprint(negative.strip()),
        "style": fingerprint(style.strip()),
    }


def image_request(workflow: Workflow, inputs: ImageInputs) -> StageRequest:
    positive = inputs.positive.strip()
    if not positive:
        raise InvalidInput(
            "The prompt is empty: describe what the image should show.",
            hint="Or use the script's image prompt.",
        )
    for name, value in (
        ("width", inputs.width),
        ("height", inputs.height),
        ("number of steps", inputs.steps),
    ):
        _positive(name, value)
    if inputs.cfg is not None and inputs.cfg < 0:
        raise InvalidInput("The CFG scale cannot be negative.")
    wanted = workflow.params
    params: dict[str, Any] = {"positive": positive, "seed": inputs.seed}
    settings: dict[str, Any] = {"prompt": positive}
    negative = inputs.negative.strip()
    if "negative" in wanted:
        params["negative"] = negative
        if negative:
            settings["negative"] = negative
    style = inputs.style.strip()
    if style:
        params["style"] = settings["style"] = style
    if {"width", "height"} <= wanted:
        width, height, aspect = image_size(workflow, inputs)
        params["width"], params["height"] = width, height
        settings["size"] = f"{width}×{height} px" + (f" ({aspect})" if aspect else "")
    steps = inputs.steps if inputs.steps is not None else workflow.default("steps")
    if "steps" in wanted and steps is not None:
        params["steps"] = settings["steps"] = int(steps)
    cfg = inputs.cfg if inputs.cfg is not None else workflow.default("cfg")
    if "cfg" in wanted and cfg is not None:
        params["cfg"] = settings["cfg"] = round(float(cfg), 2)
    settings["seed mode"] = "fixed" if inputs.seed is not None else "random"
    if inputs.source:
        settings["source"] = inputs.source
    made_from = image_made_from(positive, negative if "negative" in wanted else "", style)
    return StageRequest("image", workflow, params, take_settings=settings, made_from=made_from)


# ---- video ---------------------------------------------------------------------------------------


@dataclass
class VideoInputs:
    image: Path
    audio: Path
    positive: str
    seconds: float
    negative: str = ""
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    fps: float | None = None
    seed: int | None = None
    #: the fast 4-step LoRA; None = the default for the card (see default_lora)
    lora: bool | None = None
    #: the GPU's memory in bytes, when known (it decides the LoRA's default)
    card_bytes: int | None = None
    #: which takes the inputs are (kept with the take: what it was made from)
    image_take: str | None = None
    voice_take: str | None = None
    source: str = ""


def video_sizes(workflow: Workflow) -> list[tuple[int, int]]:
    """The sizes offered for this workflow, the default first (multiples of 16: the S2V latent)."""
    sizes = [(w, h) for w, h in workflow.manifest.sizes_12gb if w % 16 == 0 and h % 16 == 0]
    if not sizes and workflow.default("width") and workflow.default("height"):
        sizes = [(int(workflow.default("width")), int(workflow.default("height")))]
    return sizes


#: cards with this much memory or less render with the fast path by default
FAST_PATH_MAX_BYTES = 16 * 1024**3


def default_lora(workflow: Workflow, card_bytes: int | None = None) -> bool:
    """The fast 4-step LoRA on cards of 16 GB or less (hours become minutes there), the full
    path on bigger ones; the workflow's own default while the card is unknown."""
    if "lora" not in workflow.params:
        return False
    if card_bytes is not None and card_bytes > 0:
        return card_bytes <= FAST_PATH_MAX_BYTES
    return bool(workflow.default("lora") or False)


def card_reason(workflow: Workflow, card_bytes: int | None) -> str:
    """One line on why the Video stage's default is what it is ("" when the card is unknown)."""
    if "lora" not in workflow.params or not card_bytes:
        return ""
    gb = card_bytes / 1024**3
    info = workflow.manifest.video
    steps = info.lora_steps if info and info.lora_steps else 4
    full = int(workflow.default("steps") or 20)
    if card_bytes <= FAST_PATH_MAX_BYTES:
        return (
            f"Your GPU has {gb:.0f} GB: the fast path ({steps}-step LoRA at cfg 1) is the "
            f"default, about {full * 2 // steps}× less sampling than {full} steps."
        )
    return f"Your GPU has {gb:.0f} GB: the full {full}-step path is the default."


def video_steps(
    workflow: Workflow, steps: int | None, lora: bool | None, card_bytes: int | None = None
) -> int | None:
    """Explicit steps > the LoRA's step count when it is on > the workflow's default."""
    if steps is not None:
        return steps
    info = workflow.manifest.video
    use_lora = default_lora(workflow, card_bytes) if lora is None else lora
    if use_lora and info is not None and info.lora_steps:
        return int(info.lora_steps)
    default = workflow.default("steps")
    return int(default) if default is not None else None


def video_plan(workflow: Workflow, inputs: VideoInputs) -> VideoPlan:
    steps = video_steps(workflow, inputs.steps, inputs.lora, inputs.card_bytes)
    return plan_video(
        workflow,
        seconds=float(inputs.seconds),
        fps=inputs.fps,
        steps=steps if "steps" in workflow.params else None,
    )


def video_made_from(
    positive: str, image_take: str | None, voice_take: str | None
) -> dict[str, str]:
    """The prompt and the two takes a video is made from (the takes by id)."""
    made = {"prompt": fingerprint(positive.strip())}
    if image_take:
        made["take:image"] = image_take
    if voice_take:
        made["take:voice"] = voice_take
    return made


def video_request(workflow: Workflow, inputs: VideoInputs) -> tuple[StageRequest, VideoPlan]:
    positive = inputs.positive.strip()
    if not positive:
        raise InvalidInput("The video prompt is empty.", hint="Describe what the person does.")
    for name, value in (
        ("length", inputs.seconds),
        ("number of steps", inputs.steps),
        ("frame rate", inputs.fps),
    ):
        _positive(name, value)
    plan = video_plan(workflow, inputs)
    wanted = workflow.params
    params: dict[str, Any] = {
        "positive": positive,
        "negative": inputs.negative.strip(),
        "seconds": float(inputs.seconds),
        "seed": inputs.seed,
    }
    settings: dict[str, Any] = {
        "prompt": positive,
        "length (s)": plan.seconds,
        "chunks": plan.chunks,
    }
    if {"width", "height"} <= wanted:
        size: tuple[int, int] | None = None
        if inputs.width is not None and inputs.height is not None:
            size = (inputs.width, inputs.height)
        elif sizes := video_sizes(workflow):
            size = sizes[0]
        if size is not None:
            if size[0] % 16 or size[1] % 16:
                raise InvalidInput(
                    f"{size[0]}×{size[1]}: width and height must be multiples of 16."
                )
            params["width"], params["height"] = size
            settings["size"] = f"{size[0]}×{size[1]}"
    if "steps" in wanted and plan.steps_per_chunk:
        params["steps"] = settings["steps"] = plan.steps_per_chunk
    if "lora" in wanted:
        params["lora"] = settings["4-step LoRA"] = (
            default_lora(workflow, inputs.card_bytes) if inputs.lora is None else inputs.lora
        )
    if inputs.fps is not None:
        params["fps"] = inputs.fps
    if inputs.image_take:
        settings["image take"] = inputs.image_take
    if inputs.voice_take:
        settings["voice take"] = inputs.voice_take
    if inputs.source:
        settings["source"] = inputs.source
    uploads = {"image": Path(inputs.image), "audio": Path(inputs.audio)}
    made_from = video_made_from(positive, inputs.image_take, inputs.voice_take)
    return StageRequest("video", workflow, params, uploads, settings, made_from), plan
