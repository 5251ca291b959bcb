"""The scene: the one structured hand-off from the Script stage to every later stage.

Its JSON Schema is also what Ollama's structured output (`format`) is constrained by, so the
field names here are the contract with the LLM.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AudioPart(_Part):
    lyrics: NonEmpty
    tags: list[NonEmpty]

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        # Small models often return "calm, warm, studio" instead of a list.
        if isinstance(value, str):
            return [t.strip() for t in value.replace(";", ",").split(",") if t.strip()]
        return value

    @field_validator("tags")
    @classmethod
    def _at_least_one_tag(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one tag is needed")
        return value


class PromptPair(_Part):
    positive_prompt: NonEmpty
    negative_prompt: NonEmpty


class Scene(_Part):
    audio: AudioPart
    video: PromptPair
    image: PromptPair

    #: The editable fields, as (section, key) pairs, in the order the Script panel shows them.
    FIELDS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("audio", "lyrics"),
        ("audio", "tags"),
        ("image", "positive_prompt"),
        ("image", "negative_prompt"),
        ("video", "positive_prompt"),
        ("video", "negative_prompt"),
    )

    def get(self, section: str, key: str) -> Any:
        return getattr(getattr(self, section), key)


def scene_json_schema() -> dict[str, Any]:
    """Schema for Ollama's `format`: every key required, no extra keys, so the grammar pins them."""
    schema = Scene.model_json_schema()
    _close_objects(schema)
    return schema


def _close_objects(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = list(node["properties"].keys())
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value)
