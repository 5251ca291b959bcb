"""The title convention: which `$name` a node may carry and which of its inputs that name sets.

Why a table per class: a user titles a node `$seed`, but the seed lives in `KSampler.seed`,
`TextEncodeAceStepAudio1.5.seed` or `FB_Qwen3TTSCustomVoice.seed`. Keeping the mapping as data
lets workflows/README.md document exactly what the app will touch, and lets preflight say
"this title is on a node we do not know how to set" instead of silently doing nothing.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Stage(StrEnum):
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"


#: Parameters each stage understands. A workflow may bind any subset; `REQUIRED` says which
#: ones it must bind for the stage to make sense at all.
STAGE_PARAMS: dict[Stage, tuple[str, ...]] = {
    Stage.IMAGE: ("positive", "negative", "width", "height", "steps", "cfg", "seed", "output"),
    Stage.VOICE: (
        "text",
        "tags",
        "instruct",
        "speaker",
        "seconds",
        "seed",
        "steps",
        "cfg",
        "reference_audio",
        "reference_text",
        "output",
    ),
    Stage.VIDEO: (
        "image",
        "audio",
        "positive",
        "negative",
        "width",
        "height",
        "seconds",
        "frames",
        "steps",
        "cfg",
        "seed",
        "fps",
        "lora",
        "output",
    ),
}

REQUIRED: dict[Stage, tuple[str, ...]] = {
    Stage.IMAGE: ("positive", "seed", "output"),
    Stage.VOICE: ("text", "output"),
    Stage.VIDEO: ("image", "audio", "positive", "seed", "fps", "output"),
}

#: Titles that only describe a node (`$output` marks the node whose files are the result).
MARKER_PARAMS = frozenset({"output"})

#: Aliases users are likely to type; folded onto the canonical name.
ALIASES: dict[str, str] = {
    "prompt": "positive",
    "lyrics": "text",
    "speech": "text",
    "voice_instructions": "instruct",
    "duration": "seconds",
    "length": "seconds",
    "size": "size",
    "ref_audio": "reference_audio",
    "ref_text": "reference_text",
}

#: class_type -> {param: input name}. `size` is expanded to width + height.
CLASS_BINDINGS: dict[str, dict[str, str]] = {
    "CLIPTextEncode": {"positive": "text", "negative": "text"},
    "KSampler": {"seed": "seed", "steps": "steps", "cfg": "cfg"},
    "KSamplerAdvanced": {"seed": "noise_seed", "steps": "steps", "cfg": "cfg"},
    "RandomNoise": {"seed": "noise_seed"},
    "EmptyLatentImage": {"width": "width", "height": "height"},
    "EmptySD3LatentImage": {"width": "width", "height": "height"},
    "EmptyFlux2LatentImage": {"width": "width", "height": "height"},
    "LoadImage": {"image": "image"},
    "LoadAudio": {"audio": "audio", "reference_audio": "audio"},
    "TextEncodeAceStepAudio": {"tags": "tags", "text": "lyrics"},
    "TextEncodeAceStepAudio1.5": {
        "tags": "tags",
        "text": "lyrics",
        "seed": "seed",
        "seconds": "duration",
    },
    "EmptyAceStepLatentAudio": {"seconds": "seconds"},
    "EmptyAceStep1.5LatentAudio": {"seconds": "seconds"},
    "FB_Qwen3TTSCustomVoice": {
        "text": "text",
        "instruct": "instruct",
        "speaker": "speaker",
        "seed": "seed",
    },
    "FB_Qwen3TTSVoiceClone": {
        "text": "target_text",
        "reference_text": "ref_text",
        "seed": "seed",
    },
    "FB_Qwen3TTSVoiceDesign": {"text": "text", "instruct": "instruct", "seed": "seed"},
    "WanSoundImageToVideo": {"width": "width", "height": "height"},
    "CreateVideo": {"fps": "fps"},
    "TrimAudioDuration": {"seconds": "duration"},
    "EmptyAudio": {"seconds": "duration"},
    "ImageFromBatch": {"frames": "length"},
    "LoraLoaderModelOnly": {"lora": "strength_model"},
    "PrimitiveInt": {p: "value" for p in ("width", "height", "steps", "seed", "frames")},
    "PrimitiveFloat": {p: "value" for p in ("cfg", "seconds", "fps")},
    "PrimitiveString": {p: "value" for p in ("positive", "negative", "text", "tags", "instruct")},
    "PrimitiveStringMultiline": {
        p: "value" for p in ("positive", "negative", "text", "tags", "instruct")
    },
}

#: Output nodes we accept as a stage's result (`$output`), by stage.
OUTPUT_CLASSES: dict[Stage, frozenset[str]] = {
    Stage.IMAGE: frozenset({"SaveImage"}),
    Stage.VOICE: frozenset({"SaveAudio", "SaveAudioMP3", "SaveAudioOpus", "SaveAudioAdvanced"}),
    Stage.VIDEO: frozenset({"SaveVideo", "SaveWEBM", "SaveAnimatedWEBP"}),
}

_TITLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


def parse_title(title: str | None) -> list[str]:
    """`"$positive"` -> ["positive"]; `"$width $height"` or `"$size"` -> ["width", "height"].

    Several names may share one title, separated by spaces or commas. Words that do not start
    with `$` are ignored so a user can keep a readable title ("Prompt $positive").
    """
    if not title:
        return []
    names: list[str] = []
    for word in re.split(r"[\s,]+", title.strip()):
        match = _TITLE.match(word)
        if not match:
            continue
        name = ALIASES.get(match.group(1).lower(), match.group(1).lower())
        for expanded in ("width", "height") if name == "size" else (name,):
            if expanded not in names:
                names.append(expanded)
    return names


def input_for(class_type: str, param: str) -> str | None:
    """Name of the input `param` sets on a `class_type` node, or None if we do not know it."""
    return CLASS_BINDINGS.get(class_type, {}).get(param)


def stage_guess(params: set[str], output_classes: set[str]) -> Stage | None:
    """Infer a manifest-less workflow's stage from its titles and output nodes."""
    for stage in (Stage.VIDEO, Stage.VOICE, Stage.IMAGE):
        if output_classes & OUTPUT_CLASSES[stage]:
            return stage
    if {"image", "audio"} <= params:
        return Stage.VIDEO
    if params & {"text", "tags", "instruct", "speaker", "reference_audio"}:
        return Stage.VOICE
    if "positive" in params:
        return Stage.IMAGE
    return None
