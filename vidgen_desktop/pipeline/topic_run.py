"""One topic through every stage, unattended: the script from Ollama, then voice, image and
video as one recorded run (pipeline.run_all), with the options a command or a batch item gives.

`vidgen run`, `vidgen batch` and the window's Batch page all run topics through this, so an
option means the same everywhere and a typo is refused before the first stage runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.pipeline.image_sizes import ASPECTS
from vidgen_desktop.pipeline.inputs import ImageInputs, image_request
from vidgen_desktop.pipeline.option_inputs import (
    length_warning,
    parse_size,
    positive,
    video_inputs,
    video_report_for,
    voice_request_for,
)
from vidgen_desktop.pipeline.run_all import PipelineRun, StageHooks
from vidgen_desktop.pipeline.script_job import SceneOutcome, ScriptInputs, options_from, write_scene
from vidgen_desktop.pipeline.timings import TimingStore
from vidgen_desktop.pipeline.types import StageOutcome, StageRequest
from vidgen_desktop.workflow import Stage, Workflow, named_workflow

#: a batch item's option that is true or false, as a CSV cell writes it
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


class RunOptions(BaseModel):
    """Every stage's options (None = what the window would use). The names are `vidgen run`'s
    flags without the dashes; a batch item may write them with "-" or "_"."""

    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    seed: int | None = None
    voice_workflow: str | None = None
    voice_seconds: float | None = None
    voice_steps: int | None = None
    voice_instruct: str | None = None
    voice_speaker: str | None = None
    voice_reference_audio: Path | None = None
    voice_reference_text: str | None = None
    image_workflow: str | None = None
    image_size: str | None = None
    aspect: str | None = None
    image_steps: int | None = None
    image_cfg: float | None = None
    image_style: str = ""
    video_workflow: str | None = None
    video_size: str | None = None
    video_steps: int | None = None
    lora: bool | None = None

    @classmethod
    def from_values(cls, values: dict[str, Any], *, base: RunOptions | None = None) -> RunOptions:
        """`base` with `values` over it; an unknown or bad option is an InvalidInput naming it."""
        merged = dict(base.model_dump() if base is not None else {})
        for key, value in values.items():
            name = str(key).strip().lstrip("-").replace("-", "_")
            if name == "no_lora":
                name, value = "lora", not _truth(value)
            elif name == "lora" and value is not None:
                value = _truth(value)
            merged[name] = None if value == "" and name != "image_style" else value
        try:
            options = cls.model_validate(merged)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "options"
            why = "is not an option" if first["type"] == "extra_forbidden" else first["msg"]
            raise InvalidInput(f"--{where.replace('_', '-')} {why}.") from exc
        options.check()
        return options

    def check(self) -> None:
        """What can be told before anything runs: sizes, the clip, the named workflows."""
        for name in ("voice_seconds", "voice_steps", "image_steps", "image_cfg", "video_steps"):
            positive(name, getattr(self, name))
        parse_size(self.image_size, "--image-size", multiple=8)
        parse_size(self.video_size, "--video-size")
        if self.image_size and self.aspect:
            raise InvalidInput("--image-size and --aspect say the same thing: give one.")
        if self.aspect and self.aspect not in [a[0] for a in ASPECTS]:
            raise InvalidInput(
                f"--aspect {self.aspect} is not one of {', '.join(a[0] for a in ASPECTS)}."
            )
        clip = self.voice_reference_audio
        if clip is not None and not clip.is_file():
            raise InvalidInput(f"{clip} is not a file.")
        for stage, spec in self.workflow_specs().items():
            if spec:
                named_workflow(spec, Stage(stage))

    def workflow_specs(self) -> dict[str, str | None]:
        return {
            "voice": self.voice_workflow,
            "image": self.image_workflow,
            "video": self.video_workflow,
        }


def _truth(value: Any) -> bool:
    text = str(value).strip().lower()
    if value is True or text in _TRUE:
        return True
    if value is False or text in _FALSE:
        return False
    raise InvalidInput(f"--lora {value!r}: say yes or no.")


def _noop(*_args: Any) -> None:
    pass


@dataclass
class TopicRun:
    """A topic's run in one project: `script` then `comfy_stages`. Hooks say what happens."""

    settings: Settings
    project: Project
    options: RunOptions
    client: ComfyClient
    report_for: Callable[[str], ProgressCallback]
    token: CancelToken = field(default_factory=CancelToken)
    started: Callable[[str, Workflow], None] = _noop
    finished: Callable[[str, StageOutcome], None] = _noop
    timings: TimingStore | None = None
    detach: threading.Event | None = None
    #: True: each stage uses what the project keeps (what the window last used), not options
    keep_project_settings: bool = False
    config_dir: Path | None = None

    def script(self, topic: str) -> SceneOutcome:
        report = self.report_for("script")
        inputs = ScriptInputs(
            topic, self.options.model or "", options_from(self.settings, seed=self.options.seed)
        )
        outcome = write_scene(self.settings, inputs, report, self.token, self.config_dir)
        for warning in outcome.warnings:
            report(Progress(message=warning, kind="warning"))
        self.project.set_scene(outcome.scene, raw_reply=outcome.raw, topic=topic)
        return outcome

    def comfy_stages(self, stages: list[str]) -> dict[str, StageOutcome]:
        named = {
            stage: named_workflow(spec, Stage(stage))
            for stage, spec in self.options.workflow_specs().items()
            if spec
        }
        hooks = StageHooks(
            report_for=self.report_for,
            workflow_for=lambda stage: named.get(stage),
            request_for=None if self.keep_project_settings else self.request_for,
            started=self.started,
            finished=self.finished,
        )
        runner = PipelineRun(
            self.client,
            self.project,
            self.settings,
            hooks,
            token=self.token,
            timings=self.timings,
            detach=self.detach,
        )
        return runner.run(stages)

    def scene(self) -> Scene:
        if self.project.data.scene is None:
            raise InvalidInput("The project has no script yet.", hint="Run the script stage.")
        return self.project.data.scene

    def request_for(self, stage: str, wf: Workflow) -> StageRequest:
        """The options → the stage's request (None = what the window would use)."""
        o, report = self.options, self.report_for(stage)
        if stage == "voice":
            values = {
                "seed": o.seed,
                "seconds": o.voice_seconds,
                "steps": o.voice_steps,
                "instruct": o.voice_instruct,
                "speaker": o.voice_speaker,
                "reference_audio": o.voice_reference_audio,
                "reference_text": o.voice_reference_text,
            }
            request = voice_request_for(
                wf, self.scene(), values, "vidgen run", "--voice-reference-audio"
            )
            warning = length_warning(request.params["text"], o.voice_seconds)
            if warning:
                report(Progress(message=warning, kind="warning"))
            return request
        if stage == "image":
            scene, size = self.scene(), parse_size(o.image_size, "--image-size", multiple=8)
            inputs = ImageInputs(
                positive=scene.image.positive_prompt,
                negative=scene.image.negative_prompt,
                aspect=o.aspect,
                width=size[0] if size else None,
                height=size[1] if size else None,
                steps=o.image_steps,
                cfg=o.image_cfg,
                style=o.image_style,
                seed=o.seed,
                source="vidgen run",
            )
            return image_request(wf, inputs)
        values = {"seed": o.seed, "size": o.video_size, "steps": o.video_steps, "lora": o.lora}
        inputs_v = video_inputs(self.project, self.scene(), values, "vidgen run", "--video-size")
        plan = video_report_for(wf, inputs_v, self.settings, self.timings or _no_timings())
        for line in plan.lines():
            report(Progress(None, line, kind="status"))
        return plan.request

    def last_file(self, until: str | None, video: Path | None) -> Path | None:
        """What the run ends with: the MP4, or with `until` the last stage's take (the
        project file for the script)."""
        if until in (None, "video"):
            return video
        if until == "script":
            return self.project.root / "project.json"
        take = self.project.chosen_take(until)
        return self.project.path_of(take) if take is not None else None


def _no_timings() -> TimingStore:
    from vidgen_desktop.paths import user_paths

    return TimingStore(user_paths().data_dir / "timings.json")
