"""Topic → scene: the one flow the GUI and `vidgen script` share.

It streams the reply (so the user sees progress), parses it tolerantly, and when the reply does
not validate it asks once more with the exact field errors fed back (small models usually fix
what they are told). A field can be regenerated alone: the model sees the other fields so the new
value still fits them.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidOutput
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.core.scene import Scene, scene_json_schema
from vidgen_desktop.core.scene_parse import FieldError, InvalidSceneReply, parse_scene
from vidgen_desktop.core.template import PromptTemplate
from vidgen_desktop.ollama_client.models import (
    ChatResult,
    ChatStats,
    GenerationOptions,
    context_warnings,
)

if TYPE_CHECKING:  # the GUI imports this module at start; `ollama` + httpx load with the worker
    from vidgen_desktop.ollama_client.service import OllamaService


class SceneOutcome(BaseModel):
    scene: Scene
    raw: str
    stats: ChatStats
    warnings: list[str] = Field(default_factory=list)
    attempts: int = 1
    #: the model that wrote it (kept with the scene's version)
    model: str = ""
    #: seconds spent handing the GPU over before the generation (the run's timing table)
    handoff_s: float = 0.0


class _Streamer:
    """Turns streamed text into `token` Progress reports with live counters.

    Every piece is reported at once: a piece held back for batching would stay invisible while
    the server pauses (e.g. a slow token), and a few hundred queued signals a second are cheap.
    """

    def __init__(self, report: ProgressCallback, attempt: int) -> None:
        self.report = report
        self.attempt = attempt
        self.started = time.monotonic()
        self.pending: list[str] = []
        self.chunks = 0
        self.last_flush = 0.0

    def on_text(self, text: str) -> None:
        self.pending.append(text)
        self.chunks += 1
        self.flush()

    def flush(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.last_flush = now
        elapsed = now - self.started
        text = "".join(self.pending)
        self.pending.clear()
        self.report(
            Progress(
                kind="token",
                text=text,
                elapsed_s=elapsed,
                message=f"{self.chunks} tokens",
                extra={
                    "attempt": self.attempt,
                    "tokens": self.chunks,
                    "tokens_per_s": self.chunks / elapsed if elapsed > 0 else None,
                },
            )
        )


def _status(report: ProgressCallback, message: str, **extra: Any) -> None:
    report(Progress(kind="status", message=message, extra=extra))


def _stream(
    service: OllamaService,
    model: str,
    messages: list[dict[str, str]],
    options: GenerationOptions,
    fmt: dict[str, Any],
    think: bool | None,
    report: ProgressCallback,
    token: CancelToken,
    attempt: int,
) -> ChatResult:
    streamer = _Streamer(report, attempt)
    result = service.stream_chat(
        model, messages, options, token, streamer.on_text, fmt=fmt, think=think
    )
    streamer.flush()
    report(
        Progress(
            kind="status",
            message="reply complete",
            elapsed_s=result.elapsed_s,
            extra={"attempt": attempt, "stats": result.stats.model_dump(), "tokens": result.chunks},
        )
    )
    return result


def _think_setting(service: OllamaService, model: str) -> bool | None:
    # Thinking models would otherwise think unconstrained first (slow, and it has broken schemas);
    # sending think=false to a model without the capability is needless, so only send it when known.
    return False if "thinking" in service.capabilities(model) else None


def repair_message(errors: list[FieldError]) -> str:
    listed = "\n".join(f"- {e.path}: {e.message}" for e in errors)
    return (
        "Your reply could not be used. These fields are wrong:\n"
        f"{listed}\n"
        "Reply again with only the corrected JSON object, with every field filled "
        "(audio.lyrics, audio.tags as a list of strings, video and image positive_prompt and "
        "negative_prompt)."
    )


def generate_scene(
    service: OllamaService,
    template: PromptTemplate,
    topic: str,
    model: str,
    options: GenerationOptions,
    report: ProgressCallback,
    token: CancelToken,
) -> SceneOutcome:
    """Stream a scene; repair once with the errors fed back; raise InvalidSceneReply if still bad."""
    prompt = template.render(topic)
    _status(report, f"asking {model}…")
    think = _think_setting(service, model)
    schema = scene_json_schema()
    messages = [{"role": "user", "content": prompt}]
    first = _stream(service, model, messages, options, schema, think, report, token, attempt=1)
    warnings = context_warnings(first.stats, options)
    try:
        scene = parse_scene(first.text)
        return SceneOutcome(scene=scene, raw=first.text, stats=first.stats, warnings=warnings)
    except InvalidSceneReply as exc:
        errors = exc.errors
    _status(
        report, "the reply did not fit the scene format; asking the model to fix it", repair=True
    )
    messages += [
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": repair_message(errors)},
    ]
    second = _stream(service, model, messages, options, schema, think, report, token, attempt=2)
    warnings = _merge(warnings, context_warnings(second.stats, options))
    try:
        scene = parse_scene(second.text)
    except InvalidSceneReply as exc:
        exc.warnings = warnings
        exc.stats = second.stats
        raise
    return SceneOutcome(
        scene=scene, raw=second.text, stats=second.stats, warnings=warnings, attempts=2
    )


def _merge(a: list[str], b: list[str]) -> list[str]:
    return a + [w for w in b if w not in a]


# -- one field ----------------------------------------------------------------------------------


class FieldOutcome(BaseModel):
    section: str
    key: str
    value: str | list[str]
    raw: str
    stats: ChatStats
    warnings: list[str] = Field(default_factory=list)


def _field_schema(key: str) -> dict[str, Any]:
    if key == "tags":
        value: dict[str, Any] = {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
        }
    else:
        value = {"type": "string", "minLength": 1}
    return {
        "type": "object",
        "properties": {"value": value},
        "required": ["value"],
        "additionalProperties": False,
    }


def field_prompt(
    template: PromptTemplate, topic: str, current: dict[str, Any], section: str, key: str
) -> str:
    context = json.dumps(current, ensure_ascii=False, indent=2)
    kind = "a JSON list of short strings" if key == "tags" else "a string"
    return (
        f"{template.render(topic)}\n\n"
        f"Here is the scene so far:\n{context}\n\n"
        f"Write a new, different value for only the field {section}.{key}. It must fit the other "
        f'fields above. Reply with a JSON object {{"value": ...}} where value is {kind}.'
    )


def _read_field(raw: str, key: str) -> str | list[str]:
    try:
        data, _ = _decode_first_object(raw)
    except (ValueError, RecursionError):
        data = None
    value: Any = data.get("value", data.get(key)) if isinstance(data, dict) else None
    if value is None and raw.strip() and not raw.strip().startswith("{"):
        value = raw.strip()
    if key == "tags":
        if isinstance(value, str):
            value = [t.strip() for t in value.replace(";", ",").split(",") if t.strip()]
        if isinstance(value, list):
            value = [str(v).strip() for v in value if str(v).strip()]
        if value:
            return value
    elif isinstance(value, str) and value.strip():
        return value.strip()
    raise InvalidSceneReply(raw, [FieldError(path=key, message="the model gave no usable value")])


def _decode_first_object(raw: str) -> tuple[Any, int]:
    start = raw.find("{")
    if start == -1:
        return None, 0
    return json.JSONDecoder().raw_decode(raw, start)


def regenerate_field(
    service: OllamaService,
    template: PromptTemplate,
    topic: str,
    current: dict[str, Any],
    section: str,
    key: str,
    model: str,
    options: GenerationOptions,
    report: ProgressCallback,
    token: CancelToken,
) -> FieldOutcome:
    """New value for one field; `current` is the whole scene as the user has it now (maybe partial)."""
    if (section, key) not in Scene.FIELDS:
        raise InvalidOutput(f"Unknown scene field {section}.{key}.")
    _status(report, f"rewriting {section}.{key} with {model}…")
    think = _think_setting(service, model)
    messages = [{"role": "user", "content": field_prompt(template, topic, current, section, key)}]
    result = _stream(
        service, model, messages, options, _field_schema(key), think, report, token, attempt=1
    )
    value = _read_field(result.text, key)
    return FieldOutcome(
        section=section,
        key=key,
        value=value,
        raw=result.text,
        stats=result.stats,
        warnings=context_warnings(result.stats, options),
    )
