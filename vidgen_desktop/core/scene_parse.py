"""Tolerant scene parsing: what small local models really return → a Scene, or exact field errors.

Even with a JSON-Schema `format`, replies arrive wrapped in code fences, after a sentence of prose,
with a `<think>` block, extra keys, tags as one comma-separated string or trailing commas. We take
the first JSON object that looks like a scene; whatever still fails validation becomes an
`InvalidSceneReply` listing each field path and what is wrong, and carrying the raw text, so the
caller can feed the errors back to the model or show them to the user. No other exception escapes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from vidgen_desktop.core.errors import InvalidOutput
from vidgen_desktop.core.scene import Scene

_FENCE = re.compile(r"```[ \t]*[A-Za-z0-9_-]*[ \t]*\r?\n?(.*?)```", re.DOTALL)
_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_SECTIONS = ("audio", "video", "image")
_MAX_OBJECT_STARTS = 40


class FieldError(BaseModel):
    """One problem, located: `path` is e.g. 'audio.tags' or '(reply)' for the whole reply."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InvalidSceneReply(InvalidOutput):
    def __init__(self, raw: str, errors: list[FieldError], salvaged: dict[str, Any] | None = None):
        summary = "; ".join(str(e) for e in errors[:6])
        super().__init__(
            "The model's reply does not match the scene format.",
            detail=summary,
            hint="Fix the fields by hand, or generate again.",
        )
        self.raw = raw
        self.errors = errors
        #: the parts that could be read (possibly incomplete), to prefill the editable fields
        self.salvaged = salvaged or {}
        #: filled in by the generator: warnings (max tokens, context) and the reply's counters
        self.warnings: list[str] = []
        self.stats: Any = None


def parse_scene(text: Any) -> Scene:
    """Return the Scene in `text` or raise InvalidSceneReply (and nothing else)."""
    raw = text if isinstance(text, str) else str(text)
    try:
        data, json_error = _find_object(raw)
        if data is None:
            raise InvalidSceneReply(raw, [FieldError(path="(reply)", message=json_error)])
        data = _normalise(data)
        try:
            return Scene.model_validate(data)
        except ValidationError as exc:
            raise InvalidSceneReply(raw, _field_errors(exc), salvaged=data) from None
    except InvalidSceneReply:
        raise
    except (ValueError, TypeError, RecursionError, MemoryError, AttributeError) as exc:
        raise InvalidSceneReply(
            raw, [FieldError(path="(reply)", message=f"unreadable: {exc}")]
        ) from None


def scene_from_fields(values: dict[tuple[str, str], Any]) -> Scene:
    """Build a Scene from the panel's (section, key) → value map; same errors as parse_scene."""
    data: dict[str, dict[str, Any]] = {s: {} for s in _SECTIONS}
    for (section, key), value in values.items():
        data.setdefault(section, {})[key] = value
    try:
        return Scene.model_validate(data)
    except ValidationError as exc:
        raw = json.dumps(data, ensure_ascii=False)
        raise InvalidSceneReply(raw, _field_errors(exc), salvaged=data) from None


def salvaged_fields(data: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """The (section, key) values present in a partly valid reply, for prefilling the editor."""
    out: dict[tuple[str, str], Any] = {}
    for section, key in Scene.FIELDS:
        part = data.get(section)
        if isinstance(part, dict) and key in part:
            value = part[key]
            if key == "tags" and isinstance(value, str):
                value = [t.strip() for t in value.replace(";", ",").split(",") if t.strip()]
            if isinstance(value, list):
                value = [str(v) for v in value]
            elif not isinstance(value, str):
                value = json.dumps(value, ensure_ascii=False)
            out[(section, key)] = value
    return out


# -- helpers ----------------------------------------------------------------------------------


def _find_object(raw: str) -> tuple[dict[str, Any] | None, str]:
    text = _THINK.sub("", raw)
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    best: dict[str, Any] | None = None
    first_error = "no JSON object found in the reply"
    for candidate in candidates:
        for blob in (candidate, _TRAILING_COMMA.sub(r"\1", candidate)):
            for obj, error in _objects_in(blob):
                if obj is None:
                    if first_error.startswith("no JSON") and error:
                        first_error = error
                    continue
                if _looks_like_scene(obj):
                    return obj, ""
                if best is None:
                    best = obj
    if best is not None:
        return best, ""
    return None, first_error


def _objects_in(text: str):
    """Yield (dict, '') for each JSON object that starts at a '{', or (None, why) for failures."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    tries = 0
    while start != -1 and tries < _MAX_OBJECT_STARTS:
        tries += 1
        try:
            obj, _end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            yield None, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        else:
            if isinstance(obj, dict):
                yield obj, ""
        start = text.find("{", start + 1)


def _key(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _looks_like_scene(obj: dict[str, Any]) -> bool:
    keys = {_key(k) for k in obj}
    if keys & set(_SECTIONS):
        return True
    return any(isinstance(v, dict) and {_key(k) for k in v} & set(_SECTIONS) for v in obj.values())


def _normalise(obj: dict[str, Any]) -> dict[str, Any]:
    data = {_key(k): v for k, v in obj.items()}
    if not set(data) & set(_SECTIONS):
        # {"scene": {...}} or {"output": {...}}: unwrap one level
        for value in data.values():
            if isinstance(value, dict) and {_key(k) for k in value} & set(_SECTIONS):
                data = {_key(k): v for k, v in value.items()}
                break
    for section in _SECTIONS:
        part = data.get(section)
        if isinstance(part, dict):
            part = {_key(k): v for k, v in part.items()}
            if section == "audio" and "tags" in part and isinstance(part["tags"], list):
                part["tags"] = [t if isinstance(t, str) else json.dumps(t) for t in part["tags"]]
            data[section] = part
    return data


def _field_errors(exc: ValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(scene)"
        msg = err.get("msg", "invalid")
        if err.get("type") == "missing":
            msg = "missing"
        elif err.get("type") == "string_too_short":
            msg = "empty"
        errors.append(FieldError(path=loc, message=msg))
    return errors
