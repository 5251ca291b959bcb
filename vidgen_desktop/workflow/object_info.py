"""Read `/object_info` definitions the same way for ComfyUI 0.3.64 and 0.25.0 and custom packs.

Why: a combo arrives as `[[choice, ...], {...}]` (old nodes, 0.3.64, every custom pack) or as
`["COMBO", {"options": [...]}]` (0.25 core nodes). Everything that checks a workflow goes
through `input_spec` so neither the preflight nor the tests care which form a server used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ObjectInfo = dict[str, Any]


@dataclass(frozen=True)
class InputSpec:
    name: str
    type: str  # "INT", "FLOAT", "STRING", "BOOLEAN", "COMBO", or a link type such as "MODEL"
    required: bool
    options: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None

    @property
    def is_widget(self) -> bool:
        """Widgets take literal values; every other type must be fed by a link."""
        return self.type in {"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"}


def types_compatible(output_type: str, input_type: str) -> bool:
    """Mirror of the server's link check, loose where the server is loose (`*`, unions, V3)."""
    if "*" in (output_type, input_type) or input_type == "COMBO" or input_type.startswith("COMFY_"):
        return True
    return output_type in input_type.split(",") or input_type in output_type.split(",")


def merge(*infos: ObjectInfo) -> ObjectInfo:
    """One object_info from the core server's and the custom packs' recordings (later wins)."""
    merged: ObjectInfo = {}
    for info in infos:
        merged.update(info)
    return merged


def _spec(name: str, raw: Any, required: bool) -> InputSpec:
    if not isinstance(raw, list | tuple) or not raw:
        return InputSpec(name=name, type=str(raw), required=required)
    head = raw[0]
    extra = raw[1] if len(raw) > 1 and isinstance(raw[1], dict) else {}
    if isinstance(head, list | tuple):
        return InputSpec(name, "COMBO", required, tuple(head), default=extra.get("default"))
    if head == "COMFY_DYNAMICCOMBO_V3":  # options are sub-schemas; the value is one key
        keys = tuple(o["key"] for o in extra.get("options") or [] if isinstance(o, dict))
        return InputSpec(name, "COMBO", required, keys or None, default=extra.get("default"))
    if head == "COMBO":
        options = extra.get("options")
        return InputSpec(
            name,
            "COMBO",
            required,
            tuple(options) if isinstance(options, list) else None,
            default=extra.get("default"),
        )
    return InputSpec(
        name=name,
        type=str(head),
        required=required,
        minimum=extra.get("min"),
        maximum=extra.get("max"),
        default=extra.get("default"),
    )


def input_specs(info: ObjectInfo, class_type: str) -> dict[str, InputSpec]:
    """Required and optional inputs of a class (hidden ones are the server's business)."""
    definition = info.get(class_type) or {}
    sections = definition.get("input") or {}
    specs: dict[str, InputSpec] = {}
    for section, required in (("required", True), ("optional", False)):
        for name, raw in (sections.get(section) or {}).items():
            specs[name] = _spec(name, raw, required)
    return specs


def input_spec(info: ObjectInfo, class_type: str, name: str) -> InputSpec | None:
    """Spec of one input; 0.25 dynamic inputs `mode.sub` are accepted when `mode` exists."""
    specs = input_specs(info, class_type)
    if name in specs:
        return specs[name]
    head = name.split(".", 1)[0]
    if "." in name and head in specs:  # dynamic combo / autogrow sub-input (0.25)
        return InputSpec(name=name, type="*", required=False)
    return None


def output_types(info: ObjectInfo, class_type: str) -> list[str]:
    definition = info.get(class_type) or {}
    return [str(t) if not isinstance(t, list) else "COMBO" for t in definition.get("output") or []]


def is_output_node(info: ObjectInfo, class_type: str) -> bool:
    return bool((info.get(class_type) or {}).get("output_node"))


def combo_options(info: ObjectInfo, class_type: str, name: str) -> tuple[Any, ...] | None:
    spec = input_spec(info, class_type, name)
    return spec.options if spec else None
