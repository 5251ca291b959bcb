"""Drafts: a cheap preview of the real job, to see that it will look (or sound) right before the
hours are spent. Same inputs and seed, less work:

- video: the first chunk only, at about 288 px on the short side (a multiple of 16, the
  aspect kept), with the 4-step LoRA at cfg 1 where the workflow has a LoRA slot;
- image: half the steps, half the size (multiples of 8, at least 256 px);
- voice: songs at most 15 s; speech only its first sentences (about 8 s).

A draft's take is marked as one (badge, `draft-` file name), is never chosen by itself, and its
timing feeds the estimate of the real render.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from vidgen_desktop.pipeline.inputs import (
    ImageInputs,
    VideoInputs,
    VoiceInputs,
    image_request,
    image_size,
    sings,
    video_request,
    video_sizes,
    voice_request,
)
from vidgen_desktop.pipeline.types import StageRequest
from vidgen_desktop.workflow import Workflow

T = TypeVar("T")

DRAFT_SHORT_SIDE = 288
IMAGE_MIN_SIDE = 256
SONG_DRAFT_SECONDS = 15.0
SPEECH_DRAFT_WORDS = 20
FILE_PREFIX = "draft-"


@dataclass
class Draft(Generic[T]):
    inputs: T
    #: what the draft does differently, in the user's words
    notes: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        return "Draft: " + "; ".join(self.notes) + "."


def _multiple(value: float, of: int, least: int = 0) -> int:
    return max(least, of, int(round(value / of)) * of)


def draft_size(width: int, height: int) -> tuple[int, int]:
    """About DRAFT_SHORT_SIDE px on the short side, multiples of 16, the aspect kept."""
    short = min(width, height)
    if short <= DRAFT_SHORT_SIDE:
        return width, height
    scale = DRAFT_SHORT_SIDE / short
    return _multiple(width * scale, 16), _multiple(height * scale, 16)


def video_draft(workflow: Workflow, inputs: VideoInputs) -> Draft[VideoInputs]:
    info = workflow.manifest.video
    fps = inputs.fps or workflow.default("fps") or workflow.manifest.fps or 16
    chunk_frames = int(info.chunk_frames if info else 77)
    first_chunk = chunk_frames / float(fps)
    notes = []
    seconds = inputs.seconds
    if seconds > first_chunk:
        seconds = math.floor(first_chunk * 100) / 100
        notes.append(f"the first {seconds:g} s (one chunk) of {inputs.seconds:g} s")
    width, height = inputs.width, inputs.height
    if (width is None or height is None) and (sizes := video_sizes(workflow)):
        width, height = sizes[0]
    if width and height and {"width", "height"} <= workflow.params:
        width, height = draft_size(width, height)
        notes.append(f"{width}×{height} px")
    lora, steps = inputs.lora, inputs.steps
    if "lora" in workflow.params:
        lora, steps = True, None  # the LoRA's own steps and cfg
        lora_steps = info.lora_steps if info and info.lora_steps else 4
        notes.append(f"the fast 4-step LoRA ({lora_steps} steps at cfg 1)")
    else:
        default = inputs.steps or workflow.default("steps")
        notes.append(
            f"“{workflow.name}” has no LoRA slot, so the draft keeps its {default or 'own'} steps"
        )
    notes.append("same image, speech, prompts and seed")
    return Draft(
        replace(inputs, seconds=seconds, width=width, height=height, lora=lora, steps=steps),
        notes,
    )


def image_draft(workflow: Workflow, inputs: ImageInputs) -> Draft[ImageInputs]:
    notes = []
    steps = inputs.steps if inputs.steps is not None else workflow.default("steps")
    if steps and "steps" in workflow.params:
        fewer = max(2, math.ceil(int(steps) / 2))
        if fewer < int(steps):
            notes.append(f"{fewer} of {int(steps)} steps")
        steps = fewer
    width, height = inputs.width, inputs.height
    if {"width", "height"} <= workflow.params:
        w, h, _aspect = image_size(workflow, inputs)
        width, height = _multiple(w / 2, 8, IMAGE_MIN_SIDE), _multiple(h / 2, 8, IMAGE_MIN_SIDE)
        notes.append(f"{width}×{height} px instead of {w}×{h}")
    notes.append("same prompt and seed")
    return Draft(replace(inputs, steps=steps, width=width, height=height), notes)


def first_sentences(text: str, words: int = SPEECH_DRAFT_WORDS) -> str:
    """The first sentences of `text`, about `words` words (at least one whole sentence)."""
    sentences = re.split(r"(?<=[.!?…])\s+", text.strip())
    kept: list[str] = []
    for sentence in sentences:
        if kept and len(" ".join([*kept, sentence]).split()) > words:
            break
        kept.append(sentence)
    return " ".join(kept)


def voice_draft(workflow: Workflow, inputs: VoiceInputs) -> Draft[VoiceInputs]:
    notes = []
    if sings(workflow):
        seconds = min(inputs.seconds or SONG_DRAFT_SECONDS, SONG_DRAFT_SECONDS)
        notes.append(f"the first {seconds:g} s of the song")
        draft = replace(inputs, seconds=seconds)
    else:
        text = first_sentences(inputs.text)
        if text != inputs.text.strip():
            notes.append(f"only the first {len(text.split())} words")
        draft = replace(inputs, text=text, seconds=None)
    notes.append("same voice and seed")
    return Draft(draft, notes)


def draft_request(
    workflow: Workflow, inputs: VideoInputs | ImageInputs | VoiceInputs
) -> tuple[StageRequest, list[str]]:
    """The draft's request (marked as one) and what it changes, for any stage's inputs."""
    if isinstance(inputs, VideoInputs):
        video = video_draft(workflow, inputs)
        request, _plan = video_request(workflow, video.inputs)
        notes = video.notes
    elif isinstance(inputs, ImageInputs):
        image = image_draft(workflow, inputs)
        request, notes = image_request(workflow, image.inputs), image.notes
    else:
        voice = voice_draft(workflow, inputs)
        request, notes = voice_request(workflow, voice.inputs), voice.notes
    request.draft = True
    request.take_settings["draft"] = "; ".join(notes)
    return request, notes
