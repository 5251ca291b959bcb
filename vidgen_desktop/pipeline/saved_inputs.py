"""A stage's request from what the project keeps: the inputs the window autosaved for it (its
workflow, text, sizes, steps, seed…), else the defaults the window shows on a fresh install.

This is how work goes on without the window: `vidgen run --from`, and `vidgen resume`
continuing a "run remaining stages" that a quit or a crash interrupted. It builds the same
request a Generate click would, because both go through pipeline.inputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.media_info import duration_seconds
from vidgen_desktop.core.project import Project
from vidgen_desktop.pipeline.inputs import (
    ImageInputs,
    VideoInputs,
    VoiceInputs,
    image_request,
    video_request,
    voice_request,
)
from vidgen_desktop.pipeline.types import StageRequest
from vidgen_desktop.workflow import Workflow

SOURCE = "run remaining stages"


def saved_workflow_name(project: Project, stage: str) -> str:
    """The workflow the stage last used in this project ("" when it never ran or was set)."""
    return str(project.data.stage_inputs.get(stage, {}).get("workflow") or "")


def _seed(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and value >= 0 else None


def saved_request(project: Project, stage: str, workflow: Workflow) -> StageRequest:
    """The request the stage's saved inputs make now (raises InvalidInput saying what is missing)."""
    scene = project.data.scene
    if scene is None:
        raise InvalidInput(
            "The project has no script yet.", hint="Generate or write one (Script stage) first."
        )
    saved = project.data.stage_inputs.get(stage, {})
    if stage == "voice":
        ref = saved.get("reference")
        return voice_request(
            workflow,
            VoiceInputs(
                text=saved.get("text") or scene.audio.lyrics,
                tags=saved["tags"]
                if saved.get("tags") is not None
                else ", ".join(scene.audio.tags),
                instruct=saved.get("instruct"),
                speaker=saved.get("speaker") or None,
                seconds=saved.get("seconds"),
                steps=saved.get("steps"),
                seed=_seed(saved.get("seed")),
                reference_audio=project.root / str(ref) if ref else None,
                reference_text=saved.get("reference_text"),
                source=SOURCE,
            ),
        )
    if stage == "image":
        return image_request(
            workflow,
            ImageInputs(
                positive=saved.get("positive") or scene.image.positive_prompt,
                negative=saved["negative"]
                if saved.get("negative") is not None
                else scene.image.negative_prompt,
                style=str(saved.get("style") or ""),
                aspect=saved.get("aspect"),
                steps=saved.get("steps"),
                cfg=saved.get("cfg"),
                seed=_seed(saved.get("seed")) if saved.get("seed_mode") != "random" else None,
                source=SOURCE,
            ),
        )
    if stage == "video":
        image, voice = project.chosen_take("image"), project.chosen_take("voice")
        if image is None or voice is None:
            missing = [n for n, t in (("an image", image), ("a voice take", voice)) if t is None]
            raise InvalidInput(f"The video needs {' and '.join(missing)} chosen first.")
        audio = project.path_of(voice)
        seconds = saved.get("seconds") or voice.duration_s or duration_seconds(Path(audio))
        if not seconds:
            raise InvalidInput(f"The length of {audio.name} is unknown.")
        size = saved.get("size") if saved.get("workflow") == workflow.name else None
        request, _plan = video_request(
            workflow,
            VideoInputs(
                image=project.path_of(image),
                audio=audio,
                positive=saved.get("positive") or scene.video.positive_prompt,
                negative=saved["negative"]
                if saved.get("negative") is not None
                else scene.video.negative_prompt,
                seconds=float(seconds),
                width=int(size[0]) if size else None,
                height=int(size[1]) if size else None,
                steps=saved.get("steps") if saved.get("workflow") == workflow.name else None,
                seed=_seed(saved.get("seed")),
                lora=saved.get("lora") if saved.get("workflow") == workflow.name else None,
                image_take=image.id,
                voice_take=voice.id,
                source=SOURCE,
            ),
        )
        return request
    raise InvalidInput(f"{stage} is not a ComfyUI stage.")
